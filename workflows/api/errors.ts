/**
 * The failure taxonomy (ApplicationFailure.type); retry policies list the non-retryable ones.
 * Imported by workflow code: no Node built-ins, no I/O.
 */
export const ErrorType = {
  RateLimited: 'RateLimited',
  ProviderUnavailable: 'ProviderUnavailable',
  ProviderAuth: 'ProviderAuth',
  ToolMissing: 'ToolMissing',
  ConfigInvalid: 'ConfigInvalid',
  AgentIncomplete: 'AgentIncomplete',
  AgentFailed: 'AgentFailed',
  StagingEnvPermanent: 'StagingEnvPermanent',
  StagingTransient: 'StagingTransient',
  DelegationRejected: 'DelegationRejected',
  DelegatedJobFailed: 'DelegatedJobFailed',
  /** A workflow's start input failed its schema (workflows/messages.ts); details: `[{ problems }]`. */
  InvalidInput: 'InvalidInput',
} as const;
export type ErrorTypeName = (typeof ErrorType)[keyof typeof ErrorType];

/** Failures that a retry cannot fix: the stage reports them and the task goes to hold. */
export const NON_RETRYABLE_ERRORS: ErrorTypeName[] = [
  ErrorType.ProviderAuth,
  ErrorType.ToolMissing,
  ErrorType.ConfigInvalid,
  ErrorType.AgentIncomplete,
  ErrorType.AgentFailed,
  ErrorType.StagingEnvPermanent,
  ErrorType.DelegationRejected,
  ErrorType.DelegatedJobFailed,
];

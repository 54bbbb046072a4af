/**
 * The offline scenarios every real agent CLI is run through (issue 8), and what the adapter must
 * decide from each. Recorded under test/fixtures/agent-clis/<cli>/<version>/<name>.*.
 */
import { ErrorType, type ErrorTypeName } from '../../workflows/api/index.js';
import type { AgentCliName } from '../../worker/agent-clis.js';

export interface Expectation {
  errorType: ErrorTypeName;
  /** The CLI's own words that must reach the failure message. */
  words?: RegExp;
  /** The next attempt must start a fresh session. */
  resumeFailed?: boolean;
}

export interface Scenario {
  cli: AgentCliName;
  name: string;
  description: string;
  /** A syntactically plausible but fake API key (the run then fails on the network). */
  key: boolean;
  extraArgs?: string[];
  env?: Record<string, string>;
  resumeSessionId?: string;
  maxBudgetUsd?: number;
  /** `unresolvable`: a .invalid host, only used inside a loopback-only network namespace. */
  baseUrl?: 'closed-port' | 'unresolvable';
  /** What the adapter must decide; absent for recordings that only document the CLI's behaviour. */
  expect?: Expectation;
  /** Expected outcome differs: anything but this (e.g. the budget never becomes a CLI argument error). */
  expectNot?: ErrorTypeName;
}

const UNKNOWN_SESSION = '0b6f4bd6-3c1e-4c53-9a57-2f1de2a7c0aa';

export const SCENARIOS: Scenario[] = [
  // Claude Code
  {
    cli: 'claude',
    name: 'no-credentials',
    description: 'no key, no login',
    key: false,
    expect: { errorType: ErrorType.ProviderAuth, words: /Not logged in/ },
  },
  {
    cli: 'claude',
    name: 'network-unreachable',
    description: 'fake key, API base URL on a closed loopback port',
    key: true,
    expect: { errorType: ErrorType.ProviderUnavailable },
  },
  {
    cli: 'claude',
    name: 'dns-unresolvable',
    description: 'fake key, API host that does not resolve (only inside a loopback-only namespace)',
    key: true,
    baseUrl: 'unresolvable',
    expect: { errorType: ErrorType.ProviderUnavailable },
  },
  {
    cli: 'claude',
    name: 'resume-unknown-session',
    description: 'fake key, --resume of a session id that does not exist',
    key: true,
    resumeSessionId: UNKNOWN_SESSION,
    expect: { errorType: ErrorType.ProviderUnavailable, resumeFailed: true },
  },
  {
    cli: 'claude',
    name: 'unknown-flag',
    description: 'an extra argument the CLI does not know',
    key: true,
    extraArgs: ['--no-such-flag'],
    expect: { errorType: ErrorType.ConfigInvalid, words: /no-such-flag/ },
  },
  {
    cli: 'claude',
    name: 'max-budget-zero',
    description: 'the CLI itself given --max-budget-usd 0 (through extraArgs): how it refuses',
    key: true,
    extraArgs: ['--max-budget-usd', '0'],
  },
  {
    cli: 'claude',
    name: 'budget-nearly-spent',
    description: 'fake key, $0.00005 of budget left: the adapter must not pass a budget the CLI refuses',
    key: true,
    maxBudgetUsd: 0.00005,
    expectNot: ErrorType.ConfigInvalid,
  },
  // Codex
  {
    cli: 'codex',
    name: 'no-credentials',
    description: 'no key, no login: offline it reaches no auth check, only the reconnect loop',
    key: false,
    expect: { errorType: ErrorType.ProviderUnavailable },
  },
  {
    cli: 'codex',
    name: 'network-unreachable',
    description: 'fake key, OpenAI base URL on a closed loopback port',
    key: true,
    expect: { errorType: ErrorType.ProviderUnavailable },
  },
  {
    cli: 'codex',
    name: 'resume-unknown-session',
    description: 'fake key, exec resume of a thread id that does not exist',
    key: true,
    resumeSessionId: UNKNOWN_SESSION,
    expect: { errorType: ErrorType.ProviderUnavailable, resumeFailed: true },
  },
  {
    cli: 'codex',
    name: 'unknown-flag',
    description: 'an extra argument the CLI does not know',
    key: true,
    extraArgs: ['--no-such-flag'],
    expect: { errorType: ErrorType.ConfigInvalid, words: /no-such-flag/ },
  },
  // Gemini CLI (no resume: the adapter does not support it)
  {
    cli: 'gemini',
    name: 'no-credentials',
    description: "no key, the adapter's argv and env in a fresh worktree",
    key: false,
    expect: { errorType: ErrorType.ProviderAuth, words: /GEMINI_API_KEY|auth/i },
  },
  {
    cli: 'gemini',
    name: 'fresh-worktree',
    description: "fake key, the adapter's argv and env in a fresh worktree: must reach the API call",
    key: true,
    expect: { errorType: ErrorType.ProviderUnavailable, words: /fetch failed/ },
  },
  {
    cli: 'gemini',
    name: 'trust-env',
    description: 'fake key, GEMINI_CLI_TRUST_WORKSPACE=true',
    key: true,
    env: { GEMINI_CLI_TRUST_WORKSPACE: 'true' },
    expect: { errorType: ErrorType.ProviderUnavailable },
  },
  {
    cli: 'gemini',
    name: 'skip-trust-flag',
    description: 'fake key, --skip-trust',
    key: true,
    extraArgs: ['--skip-trust'],
    expect: { errorType: ErrorType.ProviderUnavailable },
  },
  {
    cli: 'gemini',
    name: 'unknown-flag',
    description: 'an extra argument the CLI does not know (trusted, so the argument check is what fails)',
    key: true,
    env: { GEMINI_CLI_TRUST_WORKSPACE: 'true' },
    extraArgs: ['--no-such-flag'],
    // yargs reads --no-X as the negation of X: "Unknown arguments: such-flag, suchFlag".
    expect: { errorType: ErrorType.ConfigInvalid, words: /such-flag/ },
  },
];

/**
 * Where Temporal is and how to reach it, read the way every Temporal tool reads it (@temporalio/envconfig):
 * a profile of `temporal.toml` ($TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml; `--profile`
 * or $TEMPORAL_PROFILE, else "default"), overridden by the TEMPORAL_* variables (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_GRPC_META_*), overridden by `--address` and
 * `--namespace`. Every CLI command and the worker connect with what `resolveTarget` returns.
 */
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { addressProblem, namespaceProblem } from '../workflows/grammar.js';
import { redactSecrets } from '../workflows/redact.js';

export const DEFAULT_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';

export interface TargetFlags {
  address?: string;
  namespace?: string;
  profile?: string;
}

/** What `Connection.connect` and `NativeConnection.connect` both take, plus the namespace. */
export interface TemporalTarget {
  address: string;
  namespace: string;
  tls?: TLSConfig | boolean;
  apiKey?: string;
  metadata?: Record<string, string>;
  /** The temporal.toml profile this came from, when one was named or found. */
  profile?: string;
}

/** A connection setting that cannot be used; `issues` name each setting and where it came from (exit 2). */
export class ConnectionSettingsError extends Error {
  override name = 'ConnectionSettingsError';
  constructor(readonly issues: string[]) {
    super(`cannot connect to Temporal: ${issues.join('; ')}`);
  }
}

export function resolveTarget(flags: TargetFlags, env: NodeJS.ProcessEnv): TemporalTarget {
  const issues: string[] = [];
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const profileName = flags.profile || vars.TEMPORAL_PROFILE || undefined;
  const profileFrom = flags.profile ? '--profile' : '$TEMPORAL_PROFILE';
  let profile: ClientConfigProfile = {};
  try {
    // Not strict: the `temporal` CLI takes keys this SDK has no use for (disable_host_verification, codec).
    profile = loadClientConfigProfile({ profile: profileName, overrideEnvVars: vars });
  } catch (err) {
    const file = vars.TEMPORAL_CONFIG_FILE ? `$TEMPORAL_CONFIG_FILE (${vars.TEMPORAL_CONFIG_FILE})` : 'temporal.toml';
    // The TOML parser quotes the lines around an error, and one of them may hold api_key: keep only where.
    const at = err as { line?: number; column?: number };
    const message =
      at.line !== undefined
        ? `not valid TOML at line ${at.line}, column ${at.column}`
        : firstLine((err as Error).message);
    issues.push(
      /Profile '.*' not found/.test(message)
        ? `${profileFrom}: profile "${profileName}" is not in ${file}`
        : `${file}: ${message}`,
    );
    throw new ConnectionSettingsError(issues);
  }
  let options: ReturnType<typeof toClientOptions>;
  try {
    // Reads the certificate and key files the profile names.
    options = toClientOptions(profile);
  } catch (err) {
    throw new ConnectionSettingsError([`TLS: ${(err as Error).message}`]);
  }
  const address = flags.address || options.connectionOptions.address || DEFAULT_ADDRESS;
  const namespace = flags.namespace || options.namespace || DEFAULT_NAMESPACE;
  const addressFrom = flags.address ? '--address' : vars.TEMPORAL_ADDRESS ? '$TEMPORAL_ADDRESS' : 'the profile address';
  const namespaceFrom = flags.namespace
    ? '--namespace'
    : vars.TEMPORAL_NAMESPACE
      ? '$TEMPORAL_NAMESPACE'
      : 'the profile namespace';
  const badAddress = addressProblem(address);
  if (badAddress) issues.push(`${addressFrom}: ${badAddress}`);
  const badNamespace = namespaceProblem(namespace);
  if (badNamespace) issues.push(`${namespaceFrom}: ${badNamespace}`);
  if (issues.length) throw new ConnectionSettingsError(issues);
  const { tls, apiKey } = options.connectionOptions;
  const metadata = profile.grpcMeta;
  return {
    address,
    namespace,
    ...(tls !== undefined && tls !== null ? { tls } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(metadata && Object.keys(metadata).length ? { metadata } : {}),
    ...(profileName ? { profile: profileName } : {}),
  };
}

function firstLine(text: string): string {
  return redactSecrets(text.split('\n')[0] ?? '');
}

/** The options both connection classes take (no namespace). */
export function connectionOptions(
  target: TemporalTarget,
): Pick<TemporalTarget, 'address' | 'tls' | 'apiKey' | 'metadata'> {
  const { address, tls, apiKey, metadata } = target;
  return { address, tls, apiKey, metadata };
}

/** One line for logs and errors: where, and how — never the key or a certificate. */
export function describeTarget(target: TemporalTarget): string {
  const how: string[] = [];
  if (target.tls) {
    const tls = typeof target.tls === 'object' ? target.tls : {};
    how.push(tls.clientCertPair ? 'TLS with a client certificate' : 'TLS');
  }
  if (target.apiKey) how.push('API key');
  if (target.profile) how.push(`profile ${target.profile}`);
  return `${target.address} (namespace ${target.namespace}${how.length ? `; ${how.join(', ')}` : ''})`;
}

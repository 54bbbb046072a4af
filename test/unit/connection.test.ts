/**
 * Where Temporal is and how to reach it (worker/connection.ts): a temporal.toml profile, then TEMPORAL_*,
 * then the flags; TLS and API keys as envconfig reads them; every bad setting named with where it came from.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { addressProblem, namespaceProblem } from '../../workflows/grammar.js';
import { ConnectionSettingsError, describeTarget, resolveTarget } from '../../worker/connection.js';

let dir: string;
let file: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-connection-'));
  await writeFile(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  file = join(dir, 'temporal.toml');
  await writeFile(
    file,
    [
      '[profile.default]',
      'address = "default.example:7233"',
      'namespace = "from-default"',
      '',
      '[profile.cloud]',
      'address = "prod.a1b2c.tmprl.cloud:7233"',
      'namespace = "prod.a1b2c"',
      'api_key = "tk_secret_value_123"',
      '',
      '[profile.mtls]',
      'address = "temporal.internal:7233"',
      '[profile.mtls.tls]',
      `server_ca_cert_path = "${join(dir, 'ca.pem')}"`,
      'server_name = "temporal"',
      '',
      '[profile.missing-ca]',
      '[profile.missing-ca.tls]',
      `server_ca_cert_path = "${join(dir, 'nope.pem')}"`,
      '',
    ].join('\n'),
  );
});

const env = (extra: Record<string, string> = {}) => ({ TEMPORAL_CONFIG_FILE: file, ...extra });

describe('resolveTarget', () => {
  it('defaults to localhost:7233 and "default" when nothing is set (no file is fine)', () => {
    expect(resolveTarget({}, { TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml') })).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
    });
  });

  it('reads the default profile, then TEMPORAL_*, then the flags', () => {
    expect(resolveTarget({}, env())).toMatchObject({ address: 'default.example:7233', namespace: 'from-default' });
    expect(resolveTarget({}, env({ TEMPORAL_ADDRESS: 'env.example:7233' }))).toMatchObject({
      address: 'env.example:7233',
      namespace: 'from-default',
    });
    expect(
      resolveTarget(
        { address: 'flag.example:1234', namespace: 'flagged' },
        env({ TEMPORAL_ADDRESS: 'env.example:7233' }),
      ),
    ).toMatchObject({ address: 'flag.example:1234', namespace: 'flagged' });
  });

  it('takes --profile over $TEMPORAL_PROFILE; an API key turns TLS on', () => {
    const cloud = resolveTarget({ profile: 'cloud' }, env({ TEMPORAL_PROFILE: 'mtls' }));
    expect(cloud).toMatchObject({
      address: 'prod.a1b2c.tmprl.cloud:7233',
      namespace: 'prod.a1b2c',
      apiKey: 'tk_secret_value_123',
      tls: true,
      profile: 'cloud',
    });
    expect(resolveTarget({}, env({ TEMPORAL_PROFILE: 'mtls' })).profile).toBe('mtls');
    // The key never reaches a log line.
    expect(describeTarget(cloud)).toBe(
      'prod.a1b2c.tmprl.cloud:7233 (namespace prod.a1b2c; TLS, API key, profile cloud)',
    );
  });

  it('loads the CA file of a TLS profile and the TEMPORAL_TLS_* variables', () => {
    const t = resolveTarget({ profile: 'mtls' }, env());
    expect(t.tls).toMatchObject({ serverNameOverride: 'temporal' });
    expect(
      Buffer.from((t.tls as { serverRootCACertificate: Uint8Array }).serverRootCACertificate).toString(),
    ).toContain('BEGIN CERTIFICATE');
    const fromEnv = resolveTarget({}, env({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_NAME: 'x' }));
    expect(fromEnv.tls).toMatchObject({ serverNameOverride: 'x' });
    expect(resolveTarget({ profile: 'cloud' }, env({ TEMPORAL_TLS: 'false' })).tls).toBe(false);
  });

  it('passes TEMPORAL_GRPC_META_* headers', () => {
    expect(resolveTarget({}, env({ TEMPORAL_GRPC_META_X_TEAM: 'infra' })).metadata).toEqual({ 'x-team': 'infra' });
  });

  const problem = (fn: () => unknown): string[] => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ConnectionSettingsError);
      return (err as ConnectionSettingsError).issues;
    }
    throw new Error('no error');
  };

  it('names each bad setting and where it came from', () => {
    expect(problem(() => resolveTarget({ profile: 'nope' }, env()))).toEqual([
      `--profile: profile "nope" is not in $TEMPORAL_CONFIG_FILE (${file})`,
    ]);
    expect(problem(() => resolveTarget({}, env({ TEMPORAL_PROFILE: 'nope' })))[0]).toMatch(/^\$TEMPORAL_PROFILE: /);
    expect(problem(() => resolveTarget({ profile: 'missing-ca' }, env()))[0]).toMatch(/^TLS: .*nope\.pem/);
    expect(problem(() => resolveTarget({ address: '--help' }, env()))).toEqual([
      '--address: "--help" is not a Temporal address (host:port, e.g. localhost:7233 or ns.acct.tmprl.cloud:7233)',
    ]);
    expect(problem(() => resolveTarget({}, env({ TEMPORAL_ADDRESS: 'x', TEMPORAL_NAMESPACE: '-n' })))).toEqual([
      expect.stringMatching(/^\$TEMPORAL_ADDRESS: "x" is not/),
      expect.stringMatching(/^\$TEMPORAL_NAMESPACE: "-n" is not a namespace name/),
    ]);
  });

  it('reports a broken temporal.toml with its name and where, never the lines around it (they may hold the key)', async () => {
    const broken = join(dir, 'broken.toml');
    await writeFile(broken, '[profile.default]\napi_key = "tk_do_not_print_me"\n[oops\n');
    const [issue] = problem(() => resolveTarget({}, { TEMPORAL_CONFIG_FILE: broken }));
    expect(issue).toMatch(/^\$TEMPORAL_CONFIG_FILE \(.*broken\.toml\): not valid TOML at line 3, column \d+$/);
    expect(issue).not.toContain('tk_do_not_print_me');
  });

  it('reads files the temporal CLI reads, with keys this SDK has no use for', async () => {
    const cli = join(dir, 'cli.toml');
    await writeFile(
      cli,
      '[profile.default]\naddress = "a.example:7233"\n[profile.default.tls]\ndisable_host_verification = true\n',
    );
    expect(resolveTarget({}, { TEMPORAL_CONFIG_FILE: cli })).toMatchObject({ address: 'a.example:7233' });
  });
});

describe('address and namespace grammar', () => {
  it.each(['localhost:7233', '127.0.0.1:7233', '[::1]:7233', 'prod.a1b2c.tmprl.cloud:7233'])(
    'accepts the address %s',
    (a) => expect(addressProblem(a)).toBeUndefined(),
  );
  it.each([
    '',
    'localhost',
    ':7233',
    '-h:7233',
    'a;b:1',
    '$(x):1',
    '`x`:1',
    "'a':1",
    'a\nb:1',
    'a:0',
    'a:70000',
    'a b:1',
  ])('refuses the address %j', (a) => expect(addressProblem(a)).toMatch(/is not a Temporal address/));
  it.each(['default', 'prod.a1b2c', 'team_ns-2'])('accepts the namespace %s', (n) =>
    expect(namespaceProblem(n)).toBeUndefined(),
  );
  it.each(['', '-n', '--help', 'a;b', '$(x)', '`x`', '"a"', 'a\nb', 'a b', 'a/b'])('refuses the namespace %j', (n) =>
    expect(namespaceProblem(n)).toMatch(/is not a namespace name/),
  );
});

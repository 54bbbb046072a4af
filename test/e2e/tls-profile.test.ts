/**
 * Connecting like every Temporal tool: a `temporal.toml` profile with TLS and a client certificate
 * (@temporalio/envconfig) takes the CLI and a worker to the harness's dev server through a TLS terminator
 * on loopback that demands a certificate from a throwaway CA. A task runs to done that way; a profile
 * without the client certificate is refused at the handshake; a bad setting is exit 2 naming it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { e2eEnv, type E2eEnv } from '../helpers/e2e.js';
import { temporalAddress } from '../helpers/temporal.js';
import { makeCertificates, startTlsTerminator, type TlsTerminator } from '../helpers/tls.js';

let env: E2eEnv;
let terminator: TlsTerminator;

beforeAll(async () => {
  env = await e2eEnv('tls-profile');
  const certs = await makeCertificates(join(env.dir, 'certs'));
  terminator = await startTlsTerminator(certs, temporalAddress());
  const toml = [
    '[profile.team]',
    // The terminator answers on 127.0.0.1; its certificate is for localhost.
    `address = "${terminator.address}"`,
    'namespace = "default"',
    '[profile.team.tls]',
    `server_ca_cert_path = "${certs.caCert}"`,
    `client_cert_path = "${certs.clientCert}"`,
    `client_key_path = "${certs.clientKey}"`,
    'server_name = "localhost"',
    '',
    '[profile.nocert]',
    `address = "${terminator.address}"`,
    '[profile.nocert.tls]',
    `server_ca_cert_path = "${certs.caCert}"`,
    'server_name = "localhost"',
    '',
  ].join('\n');
  const file = join(env.dir, 'temporal.toml');
  await writeFile(file, toml);
  // Only the profile says where Temporal is.
  delete env.env.TEMPORAL_ADDRESS;
  env.env.TEMPORAL_CONFIG_FILE = file;
}, 120_000);

afterAll(async () => {
  await env?.cleanup();
  await terminator?.close();
});

describe('a temporal.toml profile with TLS and a client certificate', () => {
  it('takes the worker and the CLI through the TLS terminator, and a task runs to done', async () => {
    const worker = await env.startWorker(['--profile', 'team']);
    // It says how it connected once it polls.
    for (let i = 0; i < 100 && !/polling/.test(worker.output()); i++) await new Promise((r) => setTimeout(r, 200));
    expect(worker.output()).toMatch(
      /polling "[^"]+" on 127\.0\.0\.1:\d+ \(namespace default; TLS with a client certificate, profile team\)/,
    );

    const file = await env.writeTask('tls-task', 'Fix the greeting.');
    const submitted = await env.cli(['--profile', 'team', 'submit', file]);
    expect(submitted.exitCode, submitted.stderr).toBe(0);
    // TEMPORAL_PROFILE is the same choice as --profile.
    env.env.TEMPORAL_PROFILE = 'team';
    try {
      const done = await env.waitForState('tls-task', ['done', 'hold', 'failed']);
      expect(done.state, done.holdReason).toBe('done');
      const doctor = await env.cli(['doctor', '--check', 'temporal']);
      expect(doctor.exitCode, doctor.stdout + doctor.stderr).toBe(0);
      expect(doctor.stdout).toContain(
        `${terminator.address} (namespace default; TLS with a client certificate, profile team) reachable`,
      );
    } finally {
      delete env.env.TEMPORAL_PROFILE;
    }
    // Everything went through the terminator, each connection with our client certificate.
    expect(terminator.clients.length).toBeGreaterThan(0);
    expect(new Set(terminator.clients)).toEqual(new Set(['switchyard-worker']));
  });

  it('is refused at the handshake without the client certificate, and says where it tried', async () => {
    const before = terminator.refused;
    const r = await env.cli(['--profile', 'nocert', 'list']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(
      `cannot reach Temporal at ${terminator.address} (namespace default; TLS, profile nocert)`,
    );
    expect(terminator.refused).toBeGreaterThan(before);
  });

  it('names the setting that is wrong, exit 2, before connecting', async () => {
    const missing = await env.cli(['--profile', 'nope', 'list']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('--profile: profile "nope" is not in $TEMPORAL_CONFIG_FILE');

    const badAddress = await env.cli(['--address', '-x:7233', 'list']);
    expect(badAddress.exitCode).toBe(2);
    expect(badAddress.stderr).toContain('--address: "-x:7233" is not a Temporal address');

    const badNamespace = await env.cli(['--profile', 'team', '--namespace', '$(touch /tmp/x)', 'list']);
    expect(badNamespace.exitCode).toBe(2);
    expect(badNamespace.stderr).toContain('--namespace: "$(touch /tmp/x)" is not a namespace name');

    const worker = await env.cli(['--profile', 'nope', 'worker', '--config', env.configPath]);
    expect(worker.exitCode).toBe(2);
    expect(worker.stderr).toContain('--profile: profile "nope"');
  });
});

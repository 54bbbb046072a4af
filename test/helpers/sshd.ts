/**
 * A real OpenSSH server for the staging tests (Debian's openssh-server; `.ci/run` installs it): on
 * 127.0.0.1 and a free port, as the current user, with a generated host key, one authorized test key,
 * its own sshd_config and a pinned known_hosts file. `stop()` and `start()` take it down and up again
 * on the same port and keys (the "host went away" scenarios).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { freePorts } from '../../worker/ports.js';

export const SSHD_PATH = process.env.SWITCHYARD_TEST_SSHD ?? '/usr/sbin/sshd';

export interface TestSshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  /** The client's private key (authorized on the server). */
  readonly identityFile: string;
  /** known_hosts pinning the server's real host key. */
  readonly knownHostsFile: string;
  /** known_hosts pinning some other key for this host and port (host key verification fails). */
  readonly wrongKnownHostsFile: string;
  /** A scratch folder the remote commands may write to. */
  readonly dir: string;
  /** The server's own log (sshd -E). */
  readonly logFile: string;
  running(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

export async function startSshd(): Promise<TestSshd> {
  if (!fs.existsSync(SSHD_PATH)) throw new Error(`${SSHD_PATH} not found: install openssh-server (.ci/run does)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchyard-sshd-'));
  const keygen = (file: string) =>
    execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'switchyard-test', '-f', file]);
  const hostKey = path.join(dir, 'host_ed25519');
  const otherKey = path.join(dir, 'other_host_ed25519');
  const identityFile = path.join(dir, 'client_ed25519');
  await Promise.all([keygen(hostKey), keygen(otherKey), keygen(identityFile)]);
  fs.copyFileSync(`${identityFile}.pub`, path.join(dir, 'authorized_keys'));

  const [port] = await freePorts(1);
  const pinned = (pubFile: string) =>
    `[127.0.0.1]:${port} ${fs.readFileSync(pubFile, 'utf8').split(' ').slice(0, 2).join(' ')}\n`;
  const knownHostsFile = path.join(dir, 'known_hosts');
  const wrongKnownHostsFile = path.join(dir, 'known_hosts.wrong');
  fs.writeFileSync(knownHostsFile, pinned(`${hostKey}.pub`));
  fs.writeFileSync(wrongKnownHostsFile, pinned(`${otherKey}.pub`));

  const logFile = path.join(dir, 'sshd.log');
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      // The temp folder is not owned the way sshd insists on for a user's ~/.ssh.
      'StrictModes no',
      `AllowUsers ${os.userInfo().username}`,
      'PrintMotd no',
      'LogLevel VERBOSE',
      'MaxStartups 100',
      'ClientAliveInterval 5',
      'ClientAliveCountMax 3',
      '',
    ].join('\n'),
  );
  // Run as root, sshd wants its privilege-separation folder.
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  await execa(SSHD_PATH, ['-t', '-f', config]);

  let child: ChildProcess | undefined;
  const server: TestSshd = {
    host: '127.0.0.1',
    port,
    user: os.userInfo().username,
    identityFile,
    knownHostsFile,
    wrongKnownHostsFile,
    dir,
    logFile,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async start() {
      if (server.running()) return;
      child = spawn(SSHD_PATH, ['-D', '-f', config, '-E', logFile], { stdio: 'ignore' });
      await waitForBanner(port, child);
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGTERM');
      await exited;
      await waitUntilRefused(port);
    },
    async close() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

async function waitForBanner(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode} at start`);
    if (await banner(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`sshd did not answer on 127.0.0.1:${port} within 15 s`);
}

async function waitUntilRefused(port: number): Promise<void> {
  for (let i = 0; i < 100 && (await banner(port)); i++) await new Promise((r) => setTimeout(r, 50));
}

function banner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('data', (d) => done(d.toString().startsWith('SSH-')));
    sock.once('error', () => done(false));
  });
}

/**
 * TLS for tests: a throwaway CA with a server and a client certificate made by openssl, and a TLS
 * terminator on loopback that demands a client certificate from that CA and pipes the decrypted
 * stream to a plaintext Temporal frontend (the dev server has no TLS flags).
 */
import { mkdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { execa } from 'execa';

export interface TestCertificates {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  await execa('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A certificate for `name` signed by the CA in `dir`, with the extensions given. */
async function issue(dir: string, name: string, subject: string, extensions: string[]): Promise<void> {
  const addext = extensions.flatMap((e) => ['-addext', e]);
  await openssl(dir, 'req', ...EC_KEY, '-keyout', `${name}.key`, '-subj', subject, ...addext, '-out', `${name}.csr`);
  await openssl(
    dir,
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-sha256',
    '-copy_extensions',
    'copyall',
    '-out',
    `${name}.crt`,
  );
}

/** A CA, a server certificate for localhost and 127.0.0.1, and a client certificate (CN switchyard-worker). */
export async function makeCertificates(dir: string): Promise<TestCertificates> {
  await mkdir(dir, { recursive: true });
  await openssl(
    dir,
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=Switchyard Test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  await issue(dir, 'server', '/CN=localhost', [
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    'extendedKeyUsage=serverAuth',
    'basicConstraints=critical,CA:FALSE',
  ]);
  await issue(dir, 'client', '/CN=switchyard-worker', [
    'extendedKeyUsage=clientAuth',
    'basicConstraints=critical,CA:FALSE',
  ]);
  const at = (f: string) => join(dir, f);
  return {
    dir,
    caCert: at('ca.crt'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    clientCert: at('client.crt'),
    clientKey: at('client.key'),
  };
}

export interface TlsTerminator {
  address: string;
  port: number;
  /** Subjects (CN) of the client certificates of every connection it let through. */
  clients: string[];
  /** Handshakes it refused (no certificate, or one the CA did not sign). */
  refused: number;
  close(): Promise<void>;
}

export async function startTlsTerminator(certs: TestCertificates, upstream: string): Promise<TlsTerminator> {
  const [host, port] = [
    upstream.slice(0, upstream.lastIndexOf(':')),
    Number(upstream.slice(upstream.lastIndexOf(':') + 1)),
  ];
  const [key, cert, ca] = await Promise.all([
    readFile(certs.serverKey),
    readFile(certs.serverCert),
    readFile(certs.caCert),
  ]);
  const sockets = new Set<net.Socket>();
  const self: TlsTerminator = {
    address: '',
    port: 0,
    clients: [],
    refused: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = tls.createServer(
    { key, cert, ca, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (secure) => {
      const peer = secure.getPeerCertificate();
      self.clients.push(String(peer.subject?.CN ?? ''));
      const plain = net.connect(port, host === 'localhost' ? '127.0.0.1' : host);
      for (const s of [secure, plain]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      secure.pipe(plain).pipe(secure);
      secure.on('close', () => plain.destroy());
      plain.on('close', () => secure.destroy());
    },
  );
  server.on('tlsClientError', () => self.refused++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self.port = (server.address() as net.AddressInfo).port;
  self.address = `127.0.0.1:${self.port}`;
  return self;
}

/**
 * Serves one PGlite database over the Postgres wire protocol to several client connections.
 *
 * PGlite is a single backend session, so connections take turns owning it. A connection keeps the
 * session from its first message until PGlite answers ReadyForQuery with status idle: a whole
 * Parse/Bind/Execute/Sync batch, or a whole transaction. Anything finer lets two clients' batches
 * interleave and clobber the unnamed prepared statement, which is what @electric-sql/pglite-socket
 * 0.2.x does (electric-sql/pglite#1046) — a 2 MB parameter split over TCP reads is enough.
 *
 * Session state (SET, named statements, advisory locks) is shared by all connections: advisory
 * locks do not exclude one connection from another here.
 */
import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

export interface PgliteWireServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  maxConnections?: number;
  log?: (msg: string) => void;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 3;
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

export class PgliteWireServer {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private owner: Connection | null = null;
  private readonly waiting: (() => void)[] = [];
  private stopped = false;
  readonly host: string;
  private boundPort = 0;

  constructor(
    readonly db: PGlite,
    private readonly opts: PgliteWireServerOptions = {},
  ) {
    this.host = opts.host ?? '127.0.0.1';
    this.server = net.createServer((socket) => this.accept(socket));
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.host, port: this.opts.port ?? 0 }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (this.server.address() as net.AddressInfo).port;
    this.server.on('error', (err) => this.opts.log?.(`embedded PostgreSQL server error: ${err.message}`));
    return this.boundPort;
  }

  /** Stops accepting, drops every client and waits until no message is being executed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all([...this.connections].map((c) => c.close()));
    await closed;
  }

  /** Waits until this connection owns the PGlite session. */
  async acquire(conn: Connection): Promise<void> {
    while (this.owner !== null && this.owner !== conn) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.owner = conn;
  }

  release(conn: Connection): void {
    if (this.owner !== conn) return;
    this.owner = null;
    // Wake everyone: the first to run takes the session, the others wait again (FIFO order kept).
    for (const wake of this.waiting.splice(0)) wake();
  }

  isOwner(conn: Connection): boolean {
    return this.owner === conn;
  }

  forget(conn: Connection): void {
    this.connections.delete(conn);
  }

  private accept(socket: net.Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    if (this.connections.size >= (this.opts.maxConnections ?? 32)) {
      socket.end(errorResponse('53300', 'sorry, too many clients already (embedded PostgreSQL)'));
      return;
    }
    const conn = new Connection(this, socket, this.opts.log);
    this.connections.add(conn);
  }
}

class Connection {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private started = false;
  private readonly queue: { msg: Buffer; startup: boolean }[] = [];
  private pumping: Promise<void> | null = null;
  /** True between the first message of a batch and the ReadyForQuery that ends it. */
  private midBatch = false;
  private txStatus = 'I';
  private closing: Promise<void> | null = null;

  constructor(
    private readonly server: PgliteWireServer,
    private readonly socket: net.Socket,
    private readonly log?: (msg: string) => void,
  ) {
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => void this.close());
    socket.on('close', () => void this.close());
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.queue.length = 0;
    this.socket.destroy();
    try {
      await this.pumping;
    } catch {
      // already reported by the pump
    }
    if (this.server.isOwner(this)) {
      // Leave the shared session the way a fresh connection expects it.
      try {
        if (this.midBatch) await this.exec(SYNC, false);
        if (this.txStatus !== 'I') await this.exec(query('ROLLBACK'), false);
      } catch (err) {
        this.log?.(`embedded PostgreSQL: cleanup after a dropped client failed: ${(err as Error).message}`);
      }
      this.server.release(this);
    }
    this.server.forget(this);
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      const startup = !this.started;
      const msg = this.nextMessage();
      if (!msg) break;
      this.queue.push({ msg, startup });
    }
    this.pumping ??= this.pump().finally(() => (this.pumping = null));
  }

  /** The next complete message, or null. Joins chunks only once a message is complete (5 MB uploads). */
  private nextMessage(): Buffer | null {
    const header = this.started ? 5 : 4;
    if (this.buffered < header) return null;
    if (this.chunks[0].length < header) this.chunks = [Buffer.concat(this.chunks)];
    const head = this.chunks[0];
    const total = this.started ? 1 + head.readInt32BE(1) : head.readInt32BE(0);
    if (total < header) {
      this.log?.('embedded PostgreSQL: malformed message from a client; closing it');
      void this.close();
      return null;
    }
    if (this.buffered < total) return null;
    const all = this.chunks.length === 1 ? head : Buffer.concat(this.chunks);
    const msg = all.subarray(0, total);
    const rest = all.subarray(total);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    if (!this.started && msg.readInt32BE(4) >>> 16 === PROTOCOL_3) this.started = true;
    return msg;
  }

  private async pump(): Promise<void> {
    while (this.queue.length && !this.closing) {
      const { msg, startup } = this.queue.shift()!;
      try {
        await (startup ? this.handleStartup(msg) : this.handle(msg));
      } catch (err) {
        this.log?.(`embedded PostgreSQL: ${(err as Error).message}; closing the client`);
        this.socket.destroy();
        return;
      }
    }
  }

  /** Messages before and including the StartupMessage have no type byte. */
  private async handleStartup(msg: Buffer): Promise<void> {
    const code = msg.length >= 8 ? msg.readInt32BE(4) : 0;
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      this.socket.write('N'); // no TLS on loopback: the client carries on in plain text
    } else if (code === CANCEL_REQUEST) {
      this.socket.end(); // not supported; the query runs to completion
    } else if (code >>> 16 === PROTOCOL_3) {
      await this.run(msg);
    } else {
      this.socket.end(errorResponse('08P01', `unsupported frontend protocol ${code >>> 16}.${code & 0xffff}`));
    }
  }

  private async handle(msg: Buffer): Promise<void> {
    if (msg[0] === 0x58) {
      this.socket.end(); // Terminate: PGlite's session outlives every client
      return;
    }
    await this.run(msg);
  }

  private async run(msg: Buffer): Promise<void> {
    await this.server.acquire(this);
    if (this.closing) {
      this.server.release(this);
      return;
    }
    this.midBatch = true;
    await this.exec(msg, true);
  }

  private async exec(msg: Buffer, forward: boolean): Promise<void> {
    let tail = Buffer.alloc(0);
    await this.server.db.execProtocolRawStream(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), {
      onRawData: (data) => {
        if (data.length === 0) return;
        const copy = Buffer.from(data);
        tail = Buffer.concat([tail, copy.subarray(-6)]).subarray(-6);
        if (forward && !this.socket.destroyed) this.socket.write(copy);
      },
    });
    // ReadyForQuery ('Z', length 5, status) ends a batch; 'T'/'E' mean a transaction is still open.
    if (tail.length === 6 && tail[0] === 0x5a && tail.readInt32BE(1) === 5) {
      this.midBatch = false;
      this.txStatus = String.fromCharCode(tail[5]);
      if (this.txStatus === 'I') this.server.release(this);
    }
  }
}

function query(sql: string): Buffer {
  const body = Buffer.from(`${sql}\0`);
  const msg = Buffer.alloc(5 + body.length);
  msg[0] = 0x51;
  msg.writeInt32BE(4 + body.length, 1);
  body.copy(msg, 5);
  return msg;
}

function errorResponse(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`);
  const msg = Buffer.alloc(5 + fields.length);
  msg[0] = 0x45;
  msg.writeInt32BE(4 + fields.length, 1);
  fields.copy(msg, 5);
  return msg;
}

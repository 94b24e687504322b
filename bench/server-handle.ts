/**
 * The parent's side of the benchmark server process: forks `server-process.js` for one
 * backend and mode, learns its port over IPC, asks it for its memory figures, stops it.
 * The message types here are the whole IPC protocol between the two.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What the server does with each accepted connection. */
export type ServerMode =
  /** Sandwich study: read PING, answer PONG, close. */
  | 'ping-pong'
  /** Read an 8-byte big-endian length, then that many bytes, answer DONE, close at the end. */
  | 'sink'
  /** Complete the handshake and hold the connection open, counting it as established. */
  | 'idle';

/** The parent's first message: which backend, which mode. */
export interface StartMessage {
  readonly type: 'start';
  readonly backend: string;
  readonly mode: ServerMode;
  /** Seal tickets under one random key for the whole process, so every connection's ticket resumes (node-tls otherwise gets a key per connection). */
  readonly processTicketKey?: boolean;
}

/** Memory of the server process, after garbage collection. */
export interface MemoryFigures {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** Connections whose handshake completed and that are still open. */
  readonly established: number;
  /** Connections that failed (handshake or IO) so far. */
  readonly errors: number;
}

/** Messages the parent sends. */
export type ParentMessage = StartMessage | { readonly type: 'memory' } | { readonly type: 'stop' };

/** Messages the server process sends. */
export type ServerMessage =
  | { readonly type: 'listening'; readonly port: number }
  | ({ readonly type: 'memory' } & MemoryFigures)
  | { readonly type: 'failed'; readonly message: string };

const serverScript = fileURLToPath(new URL('./server-process.js', import.meta.url));

/** A running benchmark server process. */
export class BenchServer {
  private constructor(
    private readonly child: ChildProcess,
    /** The TCP port it listens on (127.0.0.1). */
    readonly port: number,
  ) {}

  /** Forks a server process for `backend` in `mode` and waits until it listens. */
  static async start(backend: string, mode: ServerMode, options: { processTicketKey?: boolean } = {}): Promise<BenchServer> {
    const child = fork(serverScript, [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`bench server (${backend}) exited with ${code} before listening`));
      child.once('exit', onExit);
      child.once('error', reject);
      child.once('message', (message: ServerMessage) => {
        child.off('exit', onExit);
        if (message.type === 'listening') resolve(message.port);
        else reject(new Error(`bench server (${backend}): ${message.type === 'failed' ? message.message : message.type}`));
      });
      const start: StartMessage = { type: 'start', backend, mode, ...(options.processTicketKey ? { processTicketKey: true } : {}) };
      child.send(start);
    });
    return new BenchServer(child, port);
  }

  /** The server's memory after garbage collection. */
  memory(): Promise<MemoryFigures> {
    return new Promise((resolve, reject) => {
      const onExit = (): void => reject(new Error('bench server exited'));
      const onMessage = (message: ServerMessage): void => {
        if (message.type !== 'memory') return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve(message);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ type: 'memory' } satisfies ParentMessage);
    });
  }

  /** Stops the server process and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const killTimer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    if (this.child.connected) this.child.send({ type: 'stop' } satisfies ParentMessage);
    else this.child.kill();
    await exited;
    clearTimeout(killTimer);
  }
}

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
  /** Pin the server's highest version (TLS 1.2 rows of the rate section); default the backend's. */
  readonly maxVersion?: 'TLSv1.2';
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

/**
 * What the server measures between `measure-start` and `measure-stop`: its own CPU time
 * (`cpu`), or the longest synchronous slice of its event loop (`blocking`: a setImmediate
 * chain reads the process CPU clock at every loop turn, and the most CPU between two
 * readings is the longest time the loop could not serve anything else; the chain keeps
 * a core busy, so the two are measured apart).
 */
export type MeasureKind = 'cpu' | 'blocking';

/** What the server measured: CPU milliseconds (user + system), or the CPU milliseconds of its longest loop turns. */
export interface ServerMeasurement {
  readonly kind: MeasureKind;
  readonly cpuMs: number;
  /** The longest loop turn of the whole measurement (GC pauses included). */
  readonly longestSliceMs: number;
  /** Median over connections of each connection's longest turn (one accept to the next). */
  readonly sliceP50Ms: number;
  /** 90th percentile of the same. */
  readonly sliceP90Ms: number;
  /** How many connection windows the two quantiles are over. */
  readonly slicedConnections: number;
  readonly errors: number;
}

/** Messages the parent sends. */
export type ParentMessage =
  | StartMessage
  | { readonly type: 'memory' }
  | { readonly type: 'measure-start'; readonly kind: MeasureKind }
  | { readonly type: 'measure-stop' }
  | { readonly type: 'stop' };

/** Messages the server process sends. */
export type ServerMessage =
  | { readonly type: 'listening'; readonly port: number }
  | ({ readonly type: 'memory' } & MemoryFigures)
  | { readonly type: 'measuring' }
  | ({ readonly type: 'measured' } & ServerMeasurement)
  | { readonly type: 'failed'; readonly message: string };

const serverScript = fileURLToPath(new URL('./server-process.js', import.meta.url));

/**
 * Extra Node options for the server process, space-separated, from
 * BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the
 * server side; NODE_OPTIONS refuses --cpu-prof).
 */
function extraServerArguments(): string[] {
  return (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((argument) => argument !== '');
}

/** A running benchmark server process. */
export class BenchServer {
  private constructor(
    private readonly child: ChildProcess,
    /** The TCP port it listens on (127.0.0.1). */
    readonly port: number,
  ) {}

  /** Forks a server process for `backend` in `mode` and waits until it listens. */
  static async start(backend: string, mode: ServerMode, options: { processTicketKey?: boolean; maxVersion?: 'TLSv1.2' } = {}): Promise<BenchServer> {
    const child = fork(serverScript, [], { execArgv: ['--expose-gc', ...extraServerArguments()], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`bench server (${backend}) exited with ${code} before listening`));
      child.once('exit', onExit);
      child.once('error', reject);
      child.once('message', (message: ServerMessage) => {
        child.off('exit', onExit);
        if (message.type === 'listening') resolve(message.port);
        else reject(new Error(`bench server (${backend}): ${message.type === 'failed' ? message.message : message.type}`));
      });
      const start: StartMessage = {
        type: 'start',
        backend,
        mode,
        ...(options.processTicketKey ? { processTicketKey: true } : {}),
        ...(options.maxVersion ? { maxVersion: options.maxVersion } : {}),
      };
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

  /** Starts measuring `kind` in the server process (see MeasureKind); `measureStop` returns the figure. */
  measureStart(kind: MeasureKind): Promise<void> {
    // Resolves on the server's answer, so the measurement has begun before the caller's first connection.
    return new Promise((resolve, reject) => {
      const onExit = (): void => reject(new Error('bench server exited'));
      const onMessage = (message: ServerMessage): void => {
        if (message.type !== 'measuring') return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve();
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ type: 'measure-start', kind } satisfies ParentMessage);
    });
  }

  /** Stops the measurement begun by measureStart and returns it. */
  measureStop(): Promise<ServerMeasurement> {
    return new Promise((resolve, reject) => {
      const onExit = (): void => reject(new Error('bench server exited'));
      const onMessage = (message: ServerMessage): void => {
        if (message.type !== 'measured') return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        resolve(message);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ type: 'measure-stop' } satisfies ParentMessage);
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

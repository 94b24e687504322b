/**
 * Where the CPU of a pure-noble bulk transfer over TCP goes (issue 14 target 3, bulk at
 * least 0.9x the primitive): each process of the transfer times its own AEAD calls (a
 * provider that wraps noble's AEAD and adds up the process CPU around every call), so a
 * transfer's CPU per MB splits into the AEAD and everything else (engine, service, socket,
 * GC). Between transfers, in the sending process, the same AEAD seals and opens 16 KiB
 * records in a loop under three conditions:
 * - `loop`: back to back, the bench's crypto table's condition;
 * - `loop+copy`: two 64 KiB copies after every four records, as the socket path copies
 *   each 64 KiB write into the kernel and out again (do the copies evict noble's tables?);
 * - `loop+sleep`: a 1 ms sleep after every four records, as a pipeline process waits for
 *   its peer (does leaving the CPU and being woken, maybe on the other core, cost?).
 * A plaintext transfer over the same socket path (no TLS) shows what the socket and
 * `Connection` cost alone. The conditions and the transfers alternate window by window, in a changing order, so the
 * load of the shared machine hits all alike. Prints min and median per figure and the load
 * average. Run: `node dist/bench/tcp-aead-share.js [--suite TLS_AES_128_GCM_SHA256]
 * [--mb 16] [--rounds 4] [--pin] [--chunk 64]`. Not part of `npm test`.
 */
import { execFileSync, fork } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { NobleTLSService } from '../adapters/noble/service.js';
import { PlaintextService } from '../adapters/plaintext/service.js';
import type { TLSService } from '../src/tls-service.js';
import { Connection } from '../src/connection.js';
import { cipherSuiteByName } from '../adapters/noble/suites.js';
import { nobleCryptoProvider } from '../src/crypto/noble.js';
import type { AeadKey, AeadName, CryptoProvider } from '../src/crypto/provider.js';
import { CountingRawConnection } from '../src/raw/counting.js';
import { connectTCP, TCPRawConnection } from '../src/raw/tcp.js';
import { median } from './ab.js';
import { benchClientConfiguration, benchServerConfiguration } from './backends.js';
import { isMainScript } from './main-script.js';
import { receiveExactly } from './tcp-client.js';

/** The bench's `sendBytes` size, as in bench/bulk-throughput.ts (`--chunk` KiB changes it). */
let chunkBytes = 64 * 1024;
const READ = 64 * 1024;
/** A full TLS 1.3 record's inner plaintext: 16 KiB of data and the content type byte. */
const INNER_BYTES = 16385;
const RECORDS_PER_CHUNK = 4;

/** Process CPU spent inside AEAD calls, and the bytes they sealed or opened. */
interface AeadClock {
  sealMs: number;
  sealBytes: number;
  openMs: number;
  openBytes: number;
}

const clock: AeadClock = { sealMs: 0, sealBytes: 0, openMs: 0, openBytes: 0 };

/** Main-thread GC pauses so far, ms, all and full (mark-compact) ones; entries arrive a little after each collection (see `settled`). */
const gc = { ms: 0, majorMs: 0, majors: 0, minors: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.ms += entry.duration;
    if ((entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      gc.majorMs += entry.duration;
      gc.majors++;
    } else gc.minors++;
  }
}).observe({ entryTypes: ['gc'] });

/** Resolves once the GC entries of collections so far have been delivered. */
function settled(): Promise<void> {
  return new Promise((done) => setTimeout(done, 20));
}

function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** An AEAD key that adds the process CPU of each call to `clock`. */
class TimedAeadKey implements AeadKey {
  readonly name: AeadName;

  constructor(private readonly inner: AeadKey) {
    this.name = inner.name;
  }

  seal(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    const at = process.cpuUsage();
    const sealed = this.inner.seal(nonce, plaintext, aad);
    clock.sealMs += cpuMsSince(at);
    clock.sealBytes += plaintext.length;
    return sealed;
  }

  sealFramed(nonce: Uint8Array, header: Uint8Array, parts: readonly Uint8Array[], out: Uint8Array[]): void {
    const at = process.cpuUsage();
    this.inner.sealFramed(nonce, header, parts, out);
    clock.sealMs += cpuMsSince(at);
    for (const part of parts) clock.sealBytes += part.length;
  }

  open(nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad: Uint8Array): Uint8Array | null {
    const at = process.cpuUsage();
    const opened = this.inner.open(nonce, ciphertextAndTag, aad);
    clock.openMs += cpuMsSince(at);
    clock.openBytes += opened?.length ?? 0;
    return opened;
  }
}

/** noble's provider with every AEAD key timed. */
const timedProvider: CryptoProvider = { ...nobleCryptoProvider, aead: (name, key) => new TimedAeadKey(nobleCryptoProvider.aead(name, key)) };

/** What one process spent on the bytes of a transfer, per MB. */
interface ProcessShare {
  readonly totalMs: number;
  readonly userMs: number;
  readonly systemMs: number;
  readonly aeadMs: number;
  /** Main-thread GC pauses (inside AEAD calls or not), and those of full (mark-compact) collections. */
  readonly gcMs: number;
  readonly majorGcMs: number;
  /** Collections per MB: full ones and the rest (scavenges). */
  readonly majorGcs: number;
  readonly minorGcs: number;
  readonly voluntarySwitches: number;
  readonly involuntarySwitches: number;
  /** receiveBytes / sendBytes calls on the raw TCP connection. */
  readonly rawCalls: number;
  /** 'data' chunks the socket delivered. */
  readonly socketChunks: number;
}

/** Snapshot for `shareSince`. */
interface Snapshot {
  readonly usage: NodeJS.ResourceUsage;
  readonly aeadMs: number;
  readonly gc: typeof gc;
  readonly rawCalls: number;
  readonly chunks: number;
}

function snapshot(raw: CountingRawConnection, chunks: { count: number }): Snapshot {
  return { usage: process.resourceUsage(), aeadMs: clock.sealMs + clock.openMs, gc: { ...gc }, rawCalls: raw.calls.length, chunks: chunks.count };
}

function shareSince(start: Snapshot, raw: CountingRawConnection, chunks: { count: number }, megabytes: number): ProcessShare {
  const end = snapshot(raw, chunks);
  const user = (end.usage.userCPUTime - start.usage.userCPUTime) / 1000;
  const system = (end.usage.systemCPUTime - start.usage.systemCPUTime) / 1000;
  return {
    totalMs: (user + system) / megabytes,
    userMs: user / megabytes,
    systemMs: system / megabytes,
    aeadMs: (end.aeadMs - start.aeadMs) / megabytes,
    gcMs: (end.gc.ms - start.gc.ms) / megabytes,
    majorGcMs: (end.gc.majorMs - start.gc.majorMs) / megabytes,
    majorGcs: (end.gc.majors - start.gc.majors) / megabytes,
    minorGcs: (end.gc.minors - start.gc.minors) / megabytes,
    voluntarySwitches: (end.usage.voluntaryContextSwitches - start.usage.voluntaryContextSwitches) / megabytes,
    involuntarySwitches: (end.usage.involuntaryContextSwitches - start.usage.involuntaryContextSwitches) / megabytes,
    rawCalls: (end.rawCalls - start.rawCalls) / megabytes,
    socketChunks: (end.chunks - start.chunks) / megabytes,
  };
}

/** Counts the 'data' chunks of a socket (a second listener; the reader's own is unchanged). */
function countChunks(socket: Socket): { count: number } {
  const chunks = { count: 0 };
  socket.on('data', () => chunks.count++);
  return chunks;
}

function chunkOf(bytes: number): Uint8Array {
  const chunk = new Uint8Array(bytes);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  return chunk;
}

/** The service of each end: noble on the timed provider, or plaintext (the socket path alone, for reference). */
function serviceOf(plaintext: boolean): TLSService {
  return plaintext ? new PlaintextService() : new NobleTLSService({ provider: timedProvider });
}

/**
 * The receiving process: on each of two ports (noble, plaintext) reads an 8-byte length and
 * that many bytes, reports its share over IPC, answers DONE.
 */
function serve(): void {
  const ports = [listen(false), listen(true)];
  void Promise.all(ports).then(([noble, plaintext]) => process.send!({ ports: { noble, plaintext } }));
  process.on('disconnect', () => process.exit(0));
}

function listen(plaintext: boolean): Promise<number> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    void (async () => {
      const raw = new CountingRawConnection(TCPRawConnection.fromSocket(socket));
      const chunks = countChunks(socket);
      const connection = await Connection.fromClient(raw, { ...benchServerConfiguration(), service: serviceOf(plaintext) });
      const header = await receiveExactly(connection, 8);
      const length = Number(new DataView(header.buffer, header.byteOffset, 8).getBigUint64(0));
      const start = snapshot(raw, chunks);
      for (let left = length; left > 0; ) {
        const bytes = await connection.receiveBytes(READ);
        if (bytes.length === 0) throw new Error('ended early');
        left -= bytes.length;
      }
      await settled();
      process.send!({ share: shareSince(start, raw, chunks, length / 1e6) });
      await connection.sendBytes(new TextEncoder().encode('DONE'));
      await connection.receiveBytes(1).catch(() => undefined);
      await connection.close();
    })().catch((error: unknown) => {
      console.error('tcp-aead-share server:', error);
      process.exit(1);
    });
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done((server.address() as { port: number }).port)));
}

/** Where the receiving process listens. */
interface ReceiverPorts {
  readonly noble: number;
  readonly plaintext: number;
}

/** One transfer of `megabytes` to the receiving process (noble, or plaintext): both processes' shares. */
async function transfer(ports: ReceiverPorts, plaintext: boolean, receiver: ReturnType<typeof fork>, suite: string, megabytes: number): Promise<{ sender: ProcessShare; receiver: ProcessShare }> {
  const port = plaintext ? ports.plaintext : ports.noble;
  const raw = new CountingRawConnection(await connectTCP({ host: '127.0.0.1', port }));
  const chunks = countChunks((raw.inner as TCPRawConnection).socket);
  const client = await Connection.toServer(raw, { ...benchClientConfiguration({ cipherSuites: [suite] }), service: serviceOf(plaintext) });
  const bytes = Math.ceil((megabytes * 1e6) / chunkBytes) * chunkBytes;
  const header = new Uint8Array(8);
  new DataView(header.buffer).setBigUint64(0, BigInt(bytes));
  const received = new Promise<ProcessShare>((done) => receiver.once('message', (m: { share: ProcessShare }) => done(m.share)));
  const chunk = chunkOf(chunkBytes);
  await client.sendBytes(header);
  await settled();
  const start = snapshot(raw, chunks);
  for (let sent = 0; sent < bytes; sent += chunkBytes) await client.sendBytes(chunk);
  const done = await receiveExactly(client, 4);
  await settled();
  const sender = shareSince(start, raw, chunks, bytes / 1e6);
  if (new TextDecoder().decode(done) !== 'DONE') throw new Error('expected DONE');
  await client.close();
  return { sender, receiver: await received };
}

/** What runs between every four records of a loop. */
type Between = () => void;

const pause = new Int32Array(new SharedArrayBuffer(4));
const copyFrom = new Uint8Array(64 * 1024).fill(1);
const copyTo = new Uint8Array(64 * 1024);

const CONDITIONS: Readonly<Record<string, Between>> = {
  loop: () => undefined,
  'loop+copy': () => {
    copyTo.set(copyFrom);
    copyFrom.set(copyTo);
  },
  'loop+sleep': () => void Atomics.wait(pause, 0, 0, 1),
};

/** Seals and opens `megabytes` of full records with one key, `between` after every four: AEAD CPU ms per MB of each. */
async function aeadLoop(aeadName: AeadName, megabytes: number, between: Between): Promise<{ seal: number; open: number; involuntarySwitches: number; gcMs: number; majorGcs: number; minorGcs: number }> {
  const key = timedProvider.aead(aeadName, new Uint8Array(aeadName === 'AES-128-GCM' ? 16 : 32).fill(9));
  const inner = chunkOf(INNER_BYTES);
  const header = Uint8Array.of(23, 3, 3, 0x40, 0x11);
  const records = Math.ceil((megabytes * 1e6) / (INNER_BYTES - 1));
  await settled();
  const start = { ...clock };
  const switches = process.resourceUsage().involuntaryContextSwitches;
  const gcStart = { ...gc };
  const nonce = new Uint8Array(12);
  const out: Uint8Array[] = [];
  for (let i = 0; i < records; i++) {
    new DataView(nonce.buffer).setUint32(8, i);
    key.sealFramed(nonce, header, [inner], out);
    const sealed = out.pop()!;
    if (key.open(nonce, sealed.subarray(header.length), header) === null) throw new Error('record did not open');
    if (i % RECORDS_PER_CHUNK === RECORDS_PER_CHUNK - 1) between();
  }
  const mb = (clock.sealBytes - start.sealBytes) / 1e6;
  const involuntarySwitches = (process.resourceUsage().involuntaryContextSwitches - switches) / mb;
  const seal = (clock.sealMs - start.sealMs) / mb;
  const open = (clock.openMs - start.openMs) / mb;
  await settled();
  return { seal, open, involuntarySwitches, gcMs: (gc.ms - gcStart.ms) / mb, majorGcs: (gc.majors - gcStart.majors) / mb, minorGcs: (gc.minors - gcStart.minors) / mb };
}

/** Sets a process's CPU affinity (taskset, from util-linux; every thread of it). */
function pinToCpu(pid: number, cpu: number): void {
  execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', String(cpu), String(pid)], { stdio: 'ignore' });
}


function summary(label: string, values: readonly number[], digits = 1): string {
  return `${label} min ${Math.min(...values).toFixed(digits)} median ${median(values).toFixed(digits)}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      suite: { type: 'string', default: 'TLS_AES_128_GCM_SHA256' },
      mb: { type: 'string', default: '16' },
      rounds: { type: 'string', default: '4' },
      serve: { type: 'boolean', default: false },
      /** Pin this process (the sender, and the loops) to CPU 0 and the receiver to CPU 1. */
      pin: { type: 'boolean', default: false },
      chunk: { type: 'string', default: '64' },
    },
  });
  chunkBytes = Number(values.chunk) * 1024;
  if (values.serve) return serve();
  const suite = values.suite!;
  const aeadName = cipherSuiteByName(suite)?.aead;
  if (!aeadName) throw new Error(`unknown suite ${suite}`);
  const megabytes = Number(values.mb);
  const rounds = Number(values.rounds);
  const receiver = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' });
  try {
    const ports = await new Promise<ReceiverPorts>((done) => receiver.once('message', (m: { ports: ReceiverPorts }) => done(m.ports)));
    if (values.pin) {
      pinToCpu(process.pid, 0);
      pinToCpu(receiver.pid!, 1);
    }
    const loops: Record<string, { seal: number[]; open: number[]; switches: number[]; gcMs: number[]; majorGcs: number[]; minorGcs: number[] }> = {};
    for (const name of Object.keys(CONDITIONS)) loops[name] = { seal: [], open: [], switches: [], gcMs: [], majorGcs: [], minorGcs: [] };
    const transfers: { sender: ProcessShare; receiver: ProcessShare }[] = [];
    const plaintextTransfers: { sender: ProcessShare; receiver: ProcessShare }[] = [];
    const steps = [...Object.keys(CONDITIONS), 'tcp', 'tcp plaintext'];
    // Warm-up: every step once at 4 MB.
    for (const step of steps) {
      if (step.startsWith('tcp')) await transfer(ports, step === 'tcp plaintext', receiver, suite, 4);
      else await aeadLoop(aeadName, 4, CONDITIONS[step]!);
    }
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? steps : [...steps].reverse();
      for (const step of order) {
        if (step === 'tcp') {
          transfers.push(await transfer(ports, false, receiver, suite, megabytes));
        } else if (step === 'tcp plaintext') {
          plaintextTransfers.push(await transfer(ports, true, receiver, suite, megabytes));
        } else {
          const { seal, open, involuntarySwitches, gcMs, majorGcs, minorGcs } = await aeadLoop(aeadName, megabytes, CONDITIONS[step]!);
          loops[step]!.gcMs.push(gcMs);
          loops[step]!.majorGcs.push(majorGcs);
          loops[step]!.minorGcs.push(minorGcs);
          loops[step]!.seal.push(seal);
          loops[step]!.open.push(open);
          loops[step]!.switches.push(involuntarySwitches);
        }
      }
    }
    const load = loadavg().map((l) => l.toFixed(2)).join(' ');
    console.log(`pure noble ${suite}, ${megabytes} MB per window, ${rounds} rounds, ${values.chunk} KiB sendBytes${values.pin ? ', sender on CPU 0, receiver on CPU 1' : ''}; CPU ms per MB; load ${load}`);
    for (const [name, { seal, open, switches, gcMs, majorGcs, minorGcs }] of Object.entries(loops)) {
      console.log(
        `${name.padEnd(10)} AEAD ${summary('seal', seal)}; ${summary('open', open)}; ${summary('seal + open', seal.map((s, i) => s + open[i]!))}; ` +
          `${summary('GC', gcMs)}; per MB: ${summary('full GCs', majorGcs, 2)}, ${summary('scavenges', minorGcs, 2)}, ${summary('involuntary switches', switches)}`,
      );
    }
    for (const [label, side, list] of [
      ['tcp', 'sender', transfers],
      ['tcp', 'receiver', transfers],
      ['plaintext', 'sender', plaintextTransfers],
      ['plaintext', 'receiver', plaintextTransfers],
    ] as const) {
      const shares = list.map((t) => t[side]);
      const of = (key: keyof ProcessShare): number[] => shares.map((s) => s[key]);
      console.log(
        `${label} ${side.padEnd(8)} ${summary('process', of('totalMs'))} (${summary('user', of('userMs'))}, ${summary('sys', of('systemMs'))}); ` +
          `${summary('AEAD calls', of('aeadMs'))}; ${summary('rest', shares.map((s) => s.totalMs - s.aeadMs))}; ${summary('GC', of('gcMs'))} (${summary('full', of('majorGcMs'))}); ` +
          `per MB: ${summary('full GCs', of('majorGcs'), 2)}, ${summary('scavenges', of('minorGcs'), 2)}, ${summary('raw calls', of('rawCalls'))}, ${summary('socket chunks', of('socketChunks'))}, ` +
          `${summary('voluntary switches', of('voluntarySwitches'))}, ${summary('involuntary', of('involuntarySwitches'))}`,
      );
    }
    // The target's ratio, window by window: the loop's seal + open against both processes' CPU.
    const loopTotal = loops.loop!.seal.map((s, i) => s + loops.loop!.open[i]!);
    const ratios = transfers.map((t, i) => loopTotal[i]! / (t.sender.totalMs + t.receiver.totalMs));
    const aeadInflation = transfers.map((t, i) => (t.sender.aeadMs + t.receiver.aeadMs) / loopTotal[i]!);
    console.log(`share (loop seal + open) / (sender + receiver process): ${ratios.map((r) => r.toFixed(2)).join(' ')}; median ${median(ratios).toFixed(2)}`);
    console.log(`AEAD calls in the transfer / the same calls in the loop: ${aeadInflation.map((r) => r.toFixed(2)).join(' ')}; median ${median(aeadInflation).toFixed(2)}`);
  } finally {
    receiver.disconnect(); // the receiver exits on it (and writes its profile under --cpu-prof)
  }
}

if (isMainScript(import.meta.url)) await main();

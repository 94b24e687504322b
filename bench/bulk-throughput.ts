/**
 * Section 3, bulk throughput: one connection per backend and cipher suite carries a
 * fixed amount one way (client to server, in 64 KiB sendBytes calls) to a server in its
 * own process; the clock runs from the first byte sent to the server's DONE. node:tls
 * used directly runs the same transfer as a reference beside node-tls. Both processes'
 * CPU per MB is recorded too: on a shared machine it moves less than the wall clock. For
 * the noble engine the sending process also measures its provider's AEAD alone (seal +
 * open of full records, bench/aead-cpu.ts) right before and right after the transfer, and
 * the row sets that against the transfer's CPU (`vsPrimitive`).
 */
import { nobleCryptoProvider } from '../src/crypto/noble.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import type { CryptoProvider } from '../src/crypto/provider.js';
import { cipherSuiteByName } from '../adapters/noble/suites.js';
import { measureAeadCpu } from './aead-cpu.js';
import { isTLS, NOBLE_ON_NODE_CRYPTO, NODE_TLS, PLAINTEXT, benchContainer } from './backends.js';
import { ratio, type BulkThroughputRow, type BulkThroughputSection } from './report.js';
import { DIRECT_NODE_TLS, directBulk } from './direct-node-tls.js';
import { BenchServer } from './server-handle.js';
import { connectToBenchServer, receiveExactly, secondsSince } from './tcp-client.js';

/** The TLS 1.3 cipher suites measured for every backend that lets us choose. */
export const TLS13_SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

/** How much to send. */
export interface BulkThroughputPlan {
  /** Bench backend labels to measure (see `benchBackends`). */
  readonly backends: readonly string[];
  readonly bytesPerRun: number;
  readonly chunkBytes: number;
}

/** Measures MB/s for every backend and cipher suite. */
export async function measureBulkThroughput(plan: BulkThroughputPlan, progress: (line: string) => void): Promise<BulkThroughputSection> {
  const measured: MeasuredRow[] = [];
  // The direct node:tls reference runs right after our node-tls backend.
  const backends = plan.backends.flatMap((b) => (b === NODE_TLS ? [b, DIRECT_NODE_TLS] : [b]));
  for (const backend of backends) {
    const server = await BenchServer.start(backend, 'sink');
    try {
      const suites: readonly string[] = isTLS(backend) ? TLS13_SUITES : ['none'];
      for (const suite of suites) {
        progress(`bulk throughput: ${backend} ${suite} (${(plan.bytesPerRun / 2 ** 20).toFixed(0)} MiB)`);
        // A transfer of an eighth first, not counted: the server process is fresh, and a JavaScript
        // server's (and its AEAD's) code is still being compiled in its first (connection-rate.ts, ServerWarmUp).
        await transferOne(backend, suite, server.port, { ...plan, bytesPerRun: warmUpBytes(plan) }, async () => undefined);
        measured.push(await measureOne(backend, suite, server, plan));
      }
    } finally {
      await server.stop();
    }
  }
  const plaintext = measured.find((r) => r.backend === PLAINTEXT && !r.error)?.megabytesPerSecond ?? null;
  const nodeTLSFor = (suite: string): number | null =>
    measured.find((r) => r.backend === NODE_TLS && r.cipherSuite === suite && !r.error)?.megabytesPerSecond ?? null;
  const nodeTLSBest = Math.max(0, ...measured.filter((r) => r.backend === NODE_TLS && !r.error).map((r) => r.megabytesPerSecond)) || null;
  const rows = measured.map((row) => ({
    ...row,
    vsPlaintext: row.error ? null : ratio(row.megabytesPerSecond, plaintext),
    vsNodeTLS: row.error ? null : ratio(row.megabytesPerSecond, row.backend === PLAINTEXT ? nodeTLSBest : nodeTLSFor(row.cipherSuite)),
  }));
  return { bytesPerRun: plan.bytesPerRun, chunkBytes: plan.chunkBytes, rows };
}

/** The crypto provider each noble backend label runs on. */
const PROVIDER_OF: Readonly<Record<string, CryptoProvider>> = { noble: nobleCryptoProvider, [NOBLE_ON_NODE_CRYPTO]: nodeCryptoProvider };

/** How much of the AEAD alone the sender measures before and after a transfer (MB, each): an eighth of the transfer, 1 to 16. */
function primitiveMegabytes(plan: BulkThroughputPlan): number {
  return Math.min(16, Math.max(1, plan.bytesPerRun / 1e6 / 8));
}

/** The uncounted warm-up transfer before each measured one: an eighth of it, whole chunks. */
function warmUpBytes(plan: BulkThroughputPlan): number {
  return Math.max(plan.chunkBytes, Math.floor(plan.bytesPerRun / 8 / plan.chunkBytes) * plan.chunkBytes);
}

/** The chunk every run sends: distinct random-looking contents, reused across calls (the server only counts). */
function benchChunk(bytes: number): Uint8Array {
  const chunk = new Uint8Array(bytes);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  return chunk;
}

type MeasuredRow = Omit<BulkThroughputRow, 'vsPlaintext' | 'vsNodeTLS'>;

/**
 * One transfer, with the CPU both processes spent on it (from the server's measure-start to
 * measure-stop); for the noble engine also its AEAD alone, before and after, and the share.
 */
async function measureOne(backend: string, suite: string, server: BenchServer, plan: BulkThroughputPlan): Promise<MeasuredRow> {
  const provider = PROVIDER_OF[backend];
  const aead = cipherSuiteByName(suite)?.aead;
  const primitive = (): number => {
    const { sealMsPerMB, openMsPerMB } = measureAeadCpu(provider!, aead!, primitiveMegabytes(plan));
    return sealMsPerMB + openMsPerMB;
  };
  const before = provider && aead ? primitive() : undefined;
  let client: NodeJS.CpuUsage | undefined;
  const row = await transferOne(backend, suite, server.port, plan, async () => {
    await server.measureStart('cpu');
    client = process.cpuUsage();
  });
  if (client === undefined) return row; // failed before the transfer began
  const clientCpu = process.cpuUsage(client);
  const serverCpu = await server.measureStop();
  if (row.error) return row;
  const megabytes = plan.bytesPerRun / 1e6;
  const clientCpuMsPerMB = (clientCpu.user + clientCpu.system) / 1000 / megabytes;
  const serverCpuMsPerMB = serverCpu.cpuMs / megabytes;
  const measured = { ...row, clientCpuMsPerMB, serverCpuMsPerMB };
  if (before === undefined) return measured;
  const primitiveCpuMsPerMB = (before + primitive()) / 2;
  return { ...measured, primitiveCpuMsPerMB, vsPrimitive: ratio(primitiveCpuMsPerMB, clientCpuMsPerMB + serverCpuMsPerMB) };
}

/** Runs one transfer; `started` runs once the connection is up, right before the first byte is sent. */
async function transferOne(backend: string, suite: string, port: number, plan: BulkThroughputPlan, started: () => Promise<void>): Promise<MeasuredRow> {
  const base = { backend, cipherSuite: suite, bytes: plan.bytesPerRun };
  if (backend === DIRECT_NODE_TLS) {
    try {
      await started();
      const { seconds, agreed } = await directBulk(port, suite, plan.bytesPerRun, benchChunk(plan.chunkBytes));
      if (agreed !== suite) return { ...base, seconds: 0, megabytesPerSecond: 0, error: `asked for ${suite}, agreed ${agreed}` };
      return { ...base, seconds, megabytesPerSecond: plan.bytesPerRun / 1e6 / seconds };
    } catch (error) {
      return { ...base, seconds: 0, megabytesPerSecond: 0, error: error instanceof Error ? error.message : String(error) };
    }
  }
  const container = benchContainer(backend);
  try {
    const connection = await connectToBenchServer(container, port, suite === 'none' ? {} : { cipherSuites: [suite] });
    try {
      const agreed = connection.negotiated.cipherSuite ?? 'none';
      if (suite !== 'none' && agreed !== suite) {
        return { ...base, seconds: 0, megabytesPerSecond: 0, error: `asked for ${suite}, agreed ${agreed}` };
      }
      const header = new Uint8Array(8);
      new DataView(header.buffer).setBigUint64(0, BigInt(plan.bytesPerRun));
      const chunk = benchChunk(plan.chunkBytes);
      await started();
      const start = performance.now();
      await connection.sendBytes(header);
      let left = plan.bytesPerRun;
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        await connection.sendBytes(piece);
        left -= piece.length;
      }
      const done = new TextDecoder().decode(await receiveExactly(connection, 4));
      const seconds = secondsSince(start);
      if (done !== 'DONE') throw new Error(`expected DONE, got ${JSON.stringify(done)}`);
      return { ...base, seconds, megabytesPerSecond: plan.bytesPerRun / 1e6 / seconds };
    } finally {
      await connection.close();
    }
  } catch (error) {
    return { ...base, seconds: 0, megabytesPerSecond: 0, error: error instanceof Error ? error.message : String(error) };
  }
}

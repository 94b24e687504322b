/**
 * The noble server's CPU per full handshake over an in-memory pair and over loopback TCP,
 * with the same warm code in the same process (issue 14 target 5, the TCP gap). The client
 * replays bytes recorded once from a real node-tls client, so it costs next to nothing and the
 * server's CPU is what is measured: the server draws fixed randomness (its random, key share
 * and RSA-PSS salt), so its flight, and with it the client's Finished, is the same on every
 * connection. The server serves as bench/handshake-profile.ts does (handshake, PING, PONG,
 * close) with the RSA-2048 localhost leaf (node:crypto's ECDSA nonce is not injectable).
 * Windows alternate (A B, B A, ...): in memory, the replaying client runs in this process
 * (its few calls are counted with the server's); over TCP it runs in a child process.
 *
 * Run: `node dist/bench/server-replay.js [--rounds 6] [--ms 2000] [--concurrency 1] [--breakdown] [--cpu-prof DIR]`
 * (`--cpu-prof`: a V8 CPU profile of each transport's window in the last round; `--only memory|tcp`: one transport;
 * `--pause MS`: a third transport, in memory with the client pausing MS before each send, so the server idles as over TCP).
 * Not part of `npm test`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import inspector from 'node:inspector';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { NobleTLSService } from '../adapters/noble/service.js';
import { Connection } from '../src/connection.js';
import { backendModule, createContainer, serviceFrom } from '../src/di/container.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import { memoryPair } from '../src/raw/memory.js';
import { connectTCP, TCPRawConnection } from '../src/raw/tcp.js';
import { concatBytes, type ByteSource, type RawConnection } from '../src/raw-connection.js';
import { localhostRSA } from '../test/fixtures/certs.js';
import { cpuMs, line, roundOrder } from './ab.js';
import { benchClientConfiguration, benchContainer, benchServerConfiguration, NODE_TLS } from './backends.js';
import { breakdown, formatBreakdown, snapshot } from './process-breakdown.js';
import { receiveExactly } from './tcp-client.js';

const PING = new TextEncoder().encode('PING');
const PONG = new TextEncoder().encode('PONG');

/** What the client sent, each chunk with how many server bytes it had received before. */
interface Recording {
  readonly chunks: readonly { readonly bytes: Uint8Array; readonly after: number }[];
}

/** The server's fixed randomness: every draw is the same bytes, so every handshake is the same. */
function fixedRandom(length: number): Uint8Array {
  return new Uint8Array(length).fill(0x5a);
}

const serverConfiguration = benchServerConfiguration(localhostRSA);
const serverContainer = createContainer(
  backendModule('noble', () => new NobleTLSService({ provider: nodeCryptoProvider, random: fixedRandom, now: () => 1_700_000_000_000 })),
  { server: serverConfiguration },
);

let served = 0;
let failed = 0;

/** The server's side of one connection, as bench/handshake-profile.ts serves it. */
async function serve(raw: RawConnection): Promise<void> {
  try {
    const connection = await Connection.fromClient(raw, { service: serviceFrom(serverContainer), ...serverConfiguration });
    await receiveExactly(connection, PING.length);
    await connection.sendBytes(PONG);
    await connection.close();
    served++;
  } catch {
    failed++;
    raw.destroy?.();
  }
}

/** One real node-tls client connection over an in-memory pair, its sends recorded. */
async function record(): Promise<Recording> {
  const [clientRaw, serverRaw] = memoryPair({ name: 'record' });
  const chunks: { bytes: Uint8Array; after: number }[] = [];
  let received = 0;
  const recorder: RawConnection = {
    sendBytes(data: ByteSource) {
      chunks.push({ bytes: concatBytes(data).slice(), after: received });
      return clientRaw.sendBytes(data);
    },
    async receiveBytes(max: number) {
      const bytes = await clientRaw.receiveBytes(max);
      received += bytes.length;
      return bytes;
    },
    shutdownWrite: () => clientRaw.shutdownWrite(),
    close: () => clientRaw.close(),
    destroy: () => clientRaw.destroy?.(),
  };
  const serving = serve(serverRaw);
  const client = await Connection.toServer(recorder, { ...benchClientConfiguration(), service: serviceFrom(benchContainer(NODE_TLS)) });
  await client.sendBytes(PING);
  await receiveExactly(client, PONG.length);
  await client.close();
  await serving;
  if (served !== 1) throw new Error('the recorded handshake failed');
  return { chunks };
}

/** Replays a recording over `raw`: each chunk once the server has sent as much as it had then; then reads to the end. */
async function replay(raw: RawConnection, recording: Recording, pauseMs = 0): Promise<void> {
  let received = 0;
  for (const chunk of recording.chunks) {
    // The server idles meanwhile, as it does while a client across a socket computes its answer.
    if (pauseMs > 0) await sleep(pauseMs);
    while (received < chunk.after) {
      const bytes = await raw.receiveBytes(65536);
      if (bytes.length === 0) throw new Error('the server ended the connection early');
      received += bytes.length;
    }
    await raw.sendBytes(chunk.bytes);
  }
  while ((await raw.receiveBytes(65536)).length > 0);
  await raw.close();
}

/** Replays connections, `concurrency` at a time, for `ms`; resolves with how many completed. */
async function replayFor(ms: number, concurrency: number, connect: () => Promise<RawConnection>, recording: Recording, pauseMs = 0): Promise<number> {
  const stopAt = performance.now() + ms;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      await replay(await connect(), recording, pauseMs);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done;
}

/** The replaying TCP client (a child process): replays for as long as asked, reports how many. */
function clientProcess(port: number, recording: Recording): void {
  process.on('message', (message: { type: string; ms: number; concurrency: number }) => {
    if (message.type === 'stop') process.exit(0);
    void replayFor(message.ms, message.concurrency, () => connectTCP({ host: '127.0.0.1', port }), recording).then((count) => process.send?.({ type: 'done', count }));
  });
  process.send?.({ type: 'ready' });
}

function askClient(child: ChildProcess, ms: number, concurrency: number): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m: { count: number }) => resolve(m.count));
    child.send({ type: 'run', ms, concurrency });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    allowPositionals: true,
    options: {
      rounds: { type: 'string', default: '6' },
      ms: { type: 'string', default: '2000' },
      concurrency: { type: 'string', default: '1' },
      breakdown: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      only: { type: 'string' },
      pause: { type: 'string' },
      client: { type: 'string' },
    },
  });
  if (values.client) {
    const [port, encoded] = [Number(values.client), process.env.REPLAY_RECORDING!];
    const parsed = JSON.parse(encoded) as { after: number; bytes: string }[];
    clientProcess(port, { chunks: parsed.map((c) => ({ after: c.after, bytes: new Uint8Array(Buffer.from(c.bytes, 'base64')) })) });
    return;
  }
  const recording = await record();
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => void serve(TCPRawConnection.fromSocket(socket)));
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  const encoded = JSON.stringify(recording.chunks.map((c) => ({ after: c.after, bytes: Buffer.from(c.bytes).toString('base64') })));
  const child = fork(fileURLToPath(import.meta.url), ['--client', String(port)], { env: { ...process.env, REPLAY_RECORDING: encoded } });
  await new Promise((resolve) => child.once('message', resolve));
  const ms = Number(values.ms);
  const concurrency = Number(values.concurrency);
  const pauseMs = Number(values.pause ?? 0);
  const transports = [
    { name: 'in-memory pair', run: () => replayFor(ms, concurrency, () => Promise.resolve(inMemory()), recording) },
    { name: 'loopback TCP', run: () => askClient(child, ms, concurrency) },
    ...(pauseMs > 0 ? [{ name: `in-memory pair, ${pauseMs} ms pauses`, run: () => replayFor(ms, concurrency, () => Promise.resolve(inMemory()), recording, pauseMs) }] : []),
  ];
  // `--only memory|tcp`: one transport (e.g. under `perf record`, which cannot tell windows apart).
  if (values.only) transports.splice(0, transports.length, ...transports.filter((t) => (values.only === 'tcp') === t.name.includes('TCP')));
  // Warm-up: the same number of connections on each.
  for (const transport of transports) await transport.run();
  const results = transports.map((): number[] => []);
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const i of roundOrder(transports.length, round)) {
      const before = values.breakdown ? snapshot() : undefined;
      const cpu = process.cpuUsage();
      served = 0;
      const profiling = values['cpu-prof'] && round === Number(values.rounds) - 1 ? await startProfile() : undefined;
      const count = await transports[i]!.run();
      if (profiling) await profiling(path.join(values['cpu-prof']!, `${transports[i]!.name.replace(/\W+/g, '-')}.cpuprofile`), served);
      // The server's last connection of a window may finish just after the client's.
      if (Math.abs(served - count) > concurrency || failed > 0) throw new Error(`server served ${served} of ${count} connections, ${failed} failed`);
      results[i]!.push(cpuMs(cpu) / served);
      if (before) console.log(`  ${transports[i]!.name}: ${formatBreakdown(breakdown(before, snapshot(), served))}`);
    }
  }
  child.send({ type: 'stop' });
  server.close();
  console.log(`transports: ${transports.map((t) => t.name).join(', ')}; concurrency ${concurrency}`);
  console.log(line('noble+node-crypto server (RSA-2048 leaf), replayed node-tls client', results, 'CPU ms per handshake'));
}

/** Starts a V8 CPU profile of this process; the function returned stops it and writes it to `file` (with the handshake count in the name's log line). */
async function startProfile(): Promise<(file: string, handshakes: number) => Promise<void>> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async (file, handshakes) => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`  profile of ${handshakes} handshakes: ${file}`);
  };
}

/** An in-memory pair whose server end is served at once; returns the client end. */
function inMemory(): RawConnection {
  const [clientRaw, serverRaw] = memoryPair({ name: 'replay' });
  void serve(serverRaw);
  return clientRaw;
}

await main();

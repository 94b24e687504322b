/**
 * The node-tls backend's server CPU per connection, taken apart in ONE server process
 * (issue 14 target 1). Separate server processes per variant (node-tls-overhead.ts) differ
 * by a few percent among themselves on a shared machine, as much as the steps measured
 * here; in one process every variant shares the same core, heap and JIT. The client
 * (node:tls direct, this process) alternates connections between the variants' ports one
 * by one (concurrency 1), and the server charges the CPU it used from one accepted
 * connection to the next to the variant that accepted the first: the whole of that
 * connection, its close included.
 *
 * Variants, each one step from the previous:
 * - `node:tls server`: tls.createServer, answering with `end(PONG)` (bench/direct-node-tls.ts);
 * - `TLSSocket over lent socket`: a TLSSocket over a lent TCPRawConnection's socket,
 *   writing PONG and then ending and destroying, as the service closes;
 * - `+ handshake promise, StreamReader`: waiting for 'secure' as the service does and
 *   reading through a StreamReader;
 * - `+ writeVectored, endWrite`: writing and closing through the service's helpers;
 * - `NodeTLSService`: the node-tls service itself;
 * - `Connection + container`: the bench's backend server (Connection.fromClient with the
 *   container's service).
 *
 * The variants share the process's inline caches, so each one's code runs beside the
 * others'; `--only 1,4` (indexes into the list above) keeps only some, e.g. two for a
 * pairwise ratio. The same code measured twice in one run has differed by up to 7% at
 * load average 10 on 2 vCPUs: steps smaller than that need repeated runs.
 *
 * Per-connection code runs unoptimized for the first thousands of connections: with
 * `--warm-up 2500` the ratios are those of a warm server (default 60 connections each).
 *
 *   node dist/bench/server-cpu-ladder.js [connections per variant, default 400] [--only 0,4] [--warm-up N]
 * Not part of `npm test`.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { NodeTLSService } from '../adapters/node-tls/index.js';
import { Connection } from '../src/connection.js';
import { serviceFrom } from '../src/di/container.js';
import { StreamReader } from '../src/raw/stream-reader.js';
import { writeVectored } from '../src/raw/stream-writer.js';
import { TCPRawConnection } from '../src/raw/tcp.js';
import { benchContainer, benchServerConfiguration, NODE_TLS } from './backends.js';
import { directPingPong, directPingPongServer } from './direct-node-tls.js';
import { isMainScript } from './main-script.js';

const PONG = new TextEncoder().encode('PONG');

/** Connections per variant before measuring (JIT, caches), unless `--warm-up N` says otherwise. */
const WARM_UP = 60;

/** The variants, in ladder order. */
const VARIANTS = [
  'node:tls server',
  'TLSSocket over lent socket',
  '+ handshake promise, StreamReader',
  '+ writeVectored, endWrite',
  'NodeTLSService',
  'Connection + container',
] as const;
type VariantName = (typeof VARIANTS)[number];

/** Messages between the parent (client) and the server process. */
type LadderMessage = { type: 'ports'; ports: number[] } | { type: 'start' } | { type: 'started' } | { type: 'stop' } | { type: 'cpu'; micros: number[] };

/** Resolves once `socket` is secure; rejects if it fails or closes first (as the service's awaitHandshake). */
function secured(socket: tls.TLSSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      socket.off('secure', onSecure);
      socket.off('error', onFailure);
      socket.off('close', onFailure);
      socket.off('end', onFailure);
    };
    const onSecure = (): void => {
      cleanup();
      resolve();
    };
    const onFailure = (error?: unknown): void => {
      cleanup();
      reject(error instanceof Error ? error : new Error('closed during the handshake'));
    };
    socket.once('secure', onSecure);
    socket.on('error', onFailure);
    socket.once('close', onFailure);
    socket.once('end', onFailure);
  });
}

/** Reads exactly `count` bytes through `read`. */
async function readExactly(read: (count: number) => Promise<Uint8Array>, count: number): Promise<void> {
  for (let got = 0; got < count; ) {
    const bytes = await read(count - got);
    if (bytes.length === 0) throw new Error('ended early');
    got += bytes.length;
  }
}

/** The variants named by `--only i,j` (indexes into VARIANTS), else all of them. */
function chosenVariants(args: readonly string[]): VariantName[] {
  const at = args.indexOf('--only');
  if (at < 0) return [...VARIANTS];
  return (args[at + 1] ?? '').split(',').map((index) => {
    const name = VARIANTS[Number(index)];
    if (name === undefined) throw new Error(`--only takes indexes 0-${VARIANTS.length - 1}, not ${index}`);
    return name;
  });
}

/** One server of the ladder. */
function ladderServer(name: VariantName): net.Server {
  const configuration = benchServerConfiguration();
  const secureContext = tls.createSecureContext({ cert: configuration.cert as string, key: configuration.key as string });
  const container = benchContainer(NODE_TLS);
  const failed = (): void => undefined;
  if (name === 'node:tls server') return directPingPongServer(failed);
  return net.createServer((socket) => {
    const raw = TCPRawConnection.fromSocket(socket);
    void (async () => {
      if (name === 'NodeTLSService') {
        const service = new NodeTLSService();
        await service.negotiateAsServer(raw, configuration);
        await readExactly((n) => service.receiveBytes(n), 4);
        await service.sendBytes(PONG);
        await service.close();
        return;
      }
      if (name === 'Connection + container') {
        const connection = await Connection.fromClient(raw, { service: serviceFrom(container), ...configuration });
        await readExactly((n) => connection.receiveBytes(n), 4);
        await connection.sendBytes(PONG);
        await connection.close();
        return;
      }
      const tlsSocket = new tls.TLSSocket(raw.lendSocket()!, { isServer: true, secureContext });
      tlsSocket.on('error', failed);
      if (name === 'TLSSocket over lent socket') {
        let received = 0;
        tlsSocket.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received === 4) {
            tlsSocket.write(PONG, () => {
              tlsSocket.once('finish', () => tlsSocket.destroy());
              tlsSocket.end();
            });
          }
        });
        return;
      }
      await secured(tlsSocket);
      const reader = new StreamReader(tlsSocket);
      await readExactly((n) => reader.receiveBytes(n), 4);
      if (name === '+ handshake promise, StreamReader') {
        reader.release(); // as the service's close does (else the reader fails on 'close', building an error)
        tlsSocket.write(PONG, () => {
          tlsSocket.once('finish', () => tlsSocket.destroy());
          tlsSocket.end();
        });
        return;
      }
      await writeVectored(tlsSocket, [PONG], (error) => error as Error);
      reader.release();
      await new Promise<void>((resolve) => {
        tlsSocket.once('finish', resolve);
        tlsSocket.once('close', resolve);
        tlsSocket.end();
      });
      tlsSocket.destroy();
    })().catch(() => raw.destroy());
  });
}

/** The server process: every variant listening, CPU charged per accepted connection. */
function serve(variants: readonly VariantName[]): void {
  const servers = variants.map(ladderServer);
  let charged = variants.map(() => 0);
  let current = -1;
  let counting = false;
  let mark = process.cpuUsage();
  const charge = (): void => {
    const used = process.cpuUsage(mark);
    mark = process.cpuUsage();
    if (counting && current >= 0) charged[current]! += used.user + used.system;
  };
  servers.forEach((server, i) =>
    server.prependListener('connection', () => {
      charge();
      current = i;
    }),
  );
  process.on('message', (message: LadderMessage) => {
    if (message.type === 'start') {
      charged = variants.map(() => 0);
      current = -1;
      counting = true;
      mark = process.cpuUsage();
      process.send!({ type: 'started' } satisfies LadderMessage);
    } else if (message.type === 'stop') {
      charge();
      counting = false;
      process.send!({ type: 'cpu', micros: charged } satisfies LadderMessage);
      setImmediate(() => process.exit(0));
    }
  });
  const ports: number[] = [];
  let listening = 0;
  servers.forEach((server, i) =>
    server.listen(0, '127.0.0.1', () => {
      ports[i] = (server.address() as net.AddressInfo).port;
      if (++listening === servers.length) process.send!({ type: 'ports', ports } satisfies LadderMessage);
    }),
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const variants = chosenVariants(args);
  const perVariant = Number(args[0]?.startsWith('--') ? 400 : (args[0] ?? 400));
  const warmAt = args.indexOf('--warm-up');
  const warmUp = warmAt >= 0 ? Number(args[warmAt + 1]) : WARM_UP;
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...args], { execArgv: (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean) });
  const next = (): Promise<LadderMessage> => new Promise((resolve) => child.once('message', resolve));
  const { ports } = (await next()) as Extract<LadderMessage, { type: 'ports' }>;
  for (const port of ports) for (let i = 0; i < warmUp; i++) await directPingPong(port);
  child.send({ type: 'start' } satisfies LadderMessage);
  await next();
  const clientMicros = variants.map(() => 0);
  for (let round = 0; round < perVariant; round++) {
    for (let i = 0; i < ports.length; i++) {
      const before = process.cpuUsage();
      await directPingPong(ports[i]!);
      const used = process.cpuUsage(before);
      clientMicros[i]! += used.user + used.system;
    }
  }
  child.send({ type: 'stop' } satisfies LadderMessage);
  const { micros } = (await next()) as Extract<LadderMessage, { type: 'cpu' }>;
  console.log(`${perVariant} connections per variant after ${warmUp} each to warm up, alternating, concurrency 1, one server process, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`server variant                        server ms/conn  (${variants[0]} = 1)  client ms/conn`);
  variants.forEach((name, i) => {
    const server = micros[i]! / 1000 / perVariant;
    console.log(
      `${name.padEnd(36)} ${server.toFixed(3).padStart(14)}  ${(micros[i]! / micros[0]!).toFixed(2).padStart(13)}x  ${(clientMicros[i]! / 1000 / perVariant).toFixed(3).padStart(14)}`,
    );
  });
}

if (process.argv.includes('--serve')) serve(chosenVariants(process.argv));
else if (isMainScript(import.meta.url)) await main();

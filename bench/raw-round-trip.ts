/**
 * CPU per round trip through the raw layer (docs/handshake-profile.md round 4): a 4-part
 * 1253-byte iovec one way (a server flight's shape), 40 bytes back, both ends in this process,
 * over an in-memory pair, over bare net.Sockets (cork, write each, uncork; 'data' listeners)
 * and over TCPRawConnection, the three in turn window by window. The differences are what one
 * send and one read cost over loopback TCP, and what our layer adds to Node's sockets.
 *
 * Run: `node dist/bench/raw-round-trip.js [--rounds 8] [--ms 600]`. Not part of `npm test`.
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import { memoryPair } from '../src/raw/memory.js';
import { connectTCP, TCPRawConnection } from '../src/raw/tcp.js';
import type { RawConnection } from '../src/raw-connection.js';
import { line } from './ab.js';

const FLIGHT = [new Uint8Array(100), new Uint8Array(800), new Uint8Array(300), new Uint8Array(53)];
const FLIGHT_LENGTH = FLIGHT.reduce((n, part) => n + part.length, 0);
const ANSWER = new Uint8Array(40);

type RoundTrip = () => Promise<void>;

/** Reads until `count` bytes have arrived. */
async function take(raw: RawConnection, count: number): Promise<void> {
  for (let got = 0; got < count; ) got += (await raw.receiveBytes(65536)).length;
}

function rawRoundTrip([a, b]: readonly [RawConnection, RawConnection]): RoundTrip {
  return async () => {
    await a.sendBytes(FLIGHT);
    await take(b, FLIGHT_LENGTH);
    await b.sendBytes(ANSWER);
    await take(a, ANSWER.length);
  };
}

/** The same exchange on two net.Sockets, without this library. */
function socketRoundTrip(a: net.Socket, b: net.Socket): RoundTrip {
  let aGot = 0;
  let bGot = 0;
  let wakeA = (): void => undefined;
  let wakeB = (): void => undefined;
  a.on('data', (d: Buffer) => {
    aGot += d.length;
    if (aGot >= ANSWER.length) {
      aGot = 0;
      wakeA();
    }
  });
  b.on('data', (d: Buffer) => {
    bGot += d.length;
    if (bGot >= FLIGHT_LENGTH) {
      bGot = 0;
      wakeB();
    }
  });
  return async () => {
    const flightIn = new Promise<void>((resolve) => (wakeB = resolve));
    a.cork();
    for (const part of FLIGHT) a.write(part);
    a.uncork();
    await flightIn;
    const answerIn = new Promise<void>((resolve) => (wakeA = resolve));
    b.write(ANSWER);
    await answerIn;
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '8' }, ms: { type: 'string', default: '600' } } });
  let accepted: (socket: net.Socket) => void = () => undefined;
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => accepted(socket));
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const { port } = server.address() as net.AddressInfo;
  const accept = (): Promise<net.Socket> => new Promise((resolve) => (accepted = resolve));
  const bareServer = accept();
  const bareClient = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true, noDelay: true });
  await new Promise((resolve) => bareClient.once('connect', resolve));
  const rawServer = accept();
  const rawClient = await connectTCP({ host: '127.0.0.1', port });
  const ways: [string, RoundTrip][] = [
    ['in-memory pair', rawRoundTrip(memoryPair({ name: 'round-trip' }))],
    ['bare net.Socket', socketRoundTrip(bareClient, await bareServer)],
    ['TCPRawConnection', rawRoundTrip([rawClient, TCPRawConnection.fromSocket(await rawServer)])],
  ];
  const window = async (trip: RoundTrip, ms: number): Promise<number> => {
    const start = performance.now();
    const cpu = process.cpuUsage();
    let count = 0;
    while (performance.now() - start < ms) {
      await trip();
      count++;
    }
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / count;
  };
  for (const [, trip] of ways) await window(trip, 500);
  const results = ways.map((): number[] => []);
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = round % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
    for (const i of order) results[i]!.push(await window(ways[i]![1], Number(values.ms)));
  }
  console.log(`ways: ${ways.map(([name]) => name).join(', ')}`);
  console.log(line('round trip (2 sends, 2 reads, both ends)', results, 'CPU µs'));
  bareClient.destroy();
  rawClient.destroy();
  server.close();
  process.exit(0);
}

await main();

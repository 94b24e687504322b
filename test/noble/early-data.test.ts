/**
 * 0-RTT through the noble service over TCP (RFC 8446 sections 2.3, 4.2.10, 8): early
 * data reaches the server application one round trip early; a ClientHello replayed
 * byte for byte is refused early data by the anti-replay store, both the in-process one
 * and Redis (a real `redis-server` the tests start on a loopback port and stop).
 */
import test from 'ava';
import net from 'node:net';
import { once } from 'node:events';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { connectTCP } from '../../src/raw/tcp.js';
import { InProcessReplayStore, type AntiReplayStore } from '../../src/anti-replay/store.js';
import { RedisReplayStore } from '../../src/anti-replay/redis.js';
import type { ServerConfiguration } from '../../src/configuration.js';
import type { RawConnection } from '../../src/raw-connection.js';
import { caPem, serverIdentity } from './fixtures.js';
import { startNobleServer } from './tcp-server.js';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** A store that remembers its answers. */
function recording(store: AntiReplayStore): AntiReplayStore & { answers: boolean[] } {
  const answers: boolean[] = [];
  return {
    answers,
    async recordFirstUse(key, ttl) {
      const fresh = await store.recordFirstUse(key, ttl);
      answers.push(fresh);
      return fresh;
    },
  };
}

/** A noble server with 0-RTT on; records what each connection saw first. */
async function earlyServer(options: Partial<ServerConfiguration>) {
  const seen: { early: number; first: string; status: string | undefined }[] = [];
  const server = await startNobleServer(
    { ...serverIdentity('ecdsa'), maxEarlyData: 4096, ...options },
    {
      answer: (first, service) => {
        seen.push({ early: service.earlyDataReceived, first, status: service.negotiated.earlyData });
        return `got ${first}`;
      },
    },
  );
  return { port: server.port, seen, failures: server.errors, close: server.close };
}

/** Wraps a raw connection so each send (one flight) is recorded. */
function recorded(raw: RawConnection): { raw: RawConnection; sent: Uint8Array[] } {
  const sent: Uint8Array[] = [];
  const wrapper: RawConnection = Object.create(raw);
  wrapper.sendBytes = (data: Uint8Array | readonly Uint8Array[]) => {
    sent.push(Buffer.concat(data instanceof Uint8Array ? [data] : [...data]));
    return raw.sendBytes(data);
  };
  return { raw: wrapper, sent };
}

async function clientExchange(port: number, session: Uint8Array | undefined, earlyData: Uint8Array | undefined) {
  const tcp = recorded(await connectTCP({ host: '127.0.0.1', port }));
  const client = new NobleTLSService();
  await client.negotiateAsClient(tcp.raw, { ca: caPem, servername: 'localhost', ...(session ? { session } : {}), ...(earlyData ? { earlyData } : {}) });
  if (!earlyData) await client.sendBytes(text('hello'));
  const reply = str(await client.receiveBytes(1000));
  const result = { reply, status: client.negotiated.earlyData, session: client.getSession(), firstFlight: tcp.sent[0]! };
  await client.close();
  return result;
}

/** Sends `bytes` on a fresh TCP connection (an attacker replaying a captured ClientHello + early data) and waits for the server to hang up. */
async function replay(port: number, bytes: Uint8Array): Promise<void> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.write(bytes);
  socket.on('data', () => undefined);
  socket.on('error', () => undefined);
  // The server answers with its flight and then waits for a Finished the replayer cannot make.
  await new Promise((r) => setTimeout(r, 300));
  socket.destroy();
}

async function replayScenario(t: import('ava').ExecutionContext, store: AntiReplayStore & { answers: boolean[] }) {
  const server = await earlyServer({ antiReplay: store, ticketKeys: new Uint8Array(48).fill(9) });
  try {
    const first = await clientExchange(server.port, undefined, undefined);
    t.is(first.reply, 'got hello');
    const early = await clientExchange(server.port, first.session, text('early GET'));
    t.is(early.status, 'accepted');
    t.is(early.reply, 'got early GET');
    t.deepEqual(server.seen[1], { early: 9, first: 'early GET', status: 'accepted' }, 'served from early data');
    await replay(server.port, early.firstFlight);
    await new Promise((r) => setTimeout(r, 200));
    t.deepEqual(store.answers, [true, false], 'the replayed ClientHello was recognised (RFC 8446 8.2)');
    t.is(server.seen.length, 2, 'the replayed early data never reached the application');
  } finally {
    server.close();
  }
}

test.serial('a replayed 0-RTT ClientHello is refused early data (in-process store)', async (t) => {
  await replayScenario(t, recording(new InProcessReplayStore()));
});

test.serial('0-RTT rejected by a server without maxEarlyData: the client resends the data as ordinary data', async (t) => {
  const server = await earlyServer({ maxEarlyData: 0, ticketKeys: new Uint8Array(48).fill(8) });
  try {
    const first = await clientExchange(server.port, undefined, undefined);
    const ticketAllows = await earlyServer({ maxEarlyData: 4096, ticketKeys: new Uint8Array(48).fill(8) });
    const withEarly = await clientExchange(ticketAllows.port, undefined, undefined);
    ticketAllows.close();
    t.truthy(first.session);
    const again = await clientExchange(server.port, withEarly.session, text('early GET'));
    t.is(again.status, 'rejected');
    t.is(again.reply, 'got early GET', 'replayed as ordinary data after the handshake');
    t.deepEqual(server.seen.at(-1), { early: 0, first: 'early GET', status: 'rejected' });
  } finally {
    server.close();
  }
});

// --- Redis (a real redis-server on a loopback port) ---

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  s.close();
  await once(s, 'close');
  return port;
}

async function startRedis(): Promise<{ port: number; child: ChildProcess }> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('redis-server not found: apt-get install redis-server to run the Redis anti-replay tests');
  }
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const end = Date.now() + 10_000;
  while (!/Ready to accept connections/.test(out)) {
    if (Date.now() > end || child.exitCode !== null) throw new Error(`redis-server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { port, child };
}

test.serial('a replayed 0-RTT ClientHello is refused early data (Redis store)', async (t) => {
  const redis = await startRedis();
  const store = new RedisReplayStore(`redis://127.0.0.1:${redis.port}`);
  try {
    await replayScenario(t, recording(store));
  } finally {
    await store.close();
    redis.child.kill('SIGKILL');
  }
});

test.serial('Redis store: first use true, second false, a dead Redis answers false (fail closed)', async (t) => {
  const redis = await startRedis();
  const a = new RedisReplayStore(`redis://127.0.0.1:${redis.port}`);
  const b = new RedisReplayStore(`redis://127.0.0.1:${redis.port}`);
  try {
    const key = text('binder-1');
    t.true(await a.recordFirstUse(key, 20_000));
    t.false(await b.recordFirstUse(key, 20_000), 'another server sees the same ClientHello as a replay');
    t.true(await b.recordFirstUse(text('binder-2'), 20_000));
    redis.child.kill('SIGKILL');
    await once(redis.child, 'exit');
    t.false(await a.recordFirstUse(text('binder-3'), 20_000));
  } finally {
    await a.close();
    await b.close();
    if (redis.child.exitCode === null) redis.child.kill('SIGKILL');
  }
});

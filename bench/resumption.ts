/**
 * Resumed handshakes beside full ones, in one run (issue 13): handshakes per second for
 * noble+node-crypto, noble and node-tls (each backend paired with itself, in memory), and
 * the IO calls of "resumed handshake, one byte each way, close_notify both ways".
 * Run: `node dist/bench/resumption.js [seconds-per-row]`. Not part of `npm test`.
 */
import { Connection } from '../src/connection.js';
import { serviceFrom } from '../src/di/container.js';
import { CountingRawConnection } from '../src/raw/counting.js';
import { memoryPair } from '../src/raw/memory.js';
import { benchClientConfiguration, benchContainer, benchServerConfiguration } from './backends.js';

const BACKENDS = ['noble+node-crypto', 'noble', 'node-tls'] as const;

/** One handshake (+ a byte each way so tickets arrive); returns the client's session and the raw IO counts. */
async function once(backend: string, session: Uint8Array | undefined, count = false) {
  const container = benchContainer(backend);
  const [a, b] = memoryPair({ name: 'resumption-bench' });
  const ca = count ? new CountingRawConnection(a) : a;
  const cb = count ? new CountingRawConnection(b) : b;
  const [client, server] = await Promise.all([
    Connection.toServer(ca, { ...benchClientConfiguration(), ...(session ? { session } : {}), service: serviceFrom(container) }),
    Connection.fromClient(cb, { ...benchServerConfiguration(), ticketKeys: new Uint8Array(48).fill(1), service: serviceFrom(container) }),
  ]);
  const arrived = new Promise<void>((resolve) => client.sessions.onSession(() => resolve()));
  await client.sendBytes(Uint8Array.of(1));
  await server.receiveBytes(1);
  await server.sendBytes(Uint8Array.of(2));
  await client.receiveBytes(1);
  if (!session || backend !== 'node-tls') await Promise.race([arrived, new Promise((r) => setTimeout(r, 200))]);
  const next = client.sessions.getSession();
  const resumed = server.negotiated.resumed;
  await client.close();
  await server.receiveBytes(1);
  await server.close();
  await client.receiveBytes(1).catch(() => undefined);
  const calls = count ? (ca as CountingRawConnection).calls.length + (cb as CountingRawConnection).calls.length : 0;
  return { next, resumed, calls };
}

/** Handshakes per second for `seconds`, resumed (each with the previous connection's ticket) or full. */
async function rate(backend: string, resumed: boolean, seconds: number): Promise<{ perSecond: number; allResumed: boolean }> {
  let session = resumed ? (await once(backend, undefined)).next : undefined;
  const first = session;
  let n = 0;
  let allResumed = true;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < end) {
    // node-tls servers do not renew a resumed ticket: keep reusing the first one there.
    const r = await once(backend, session);
    if (resumed) {
      allResumed &&= r.resumed;
      session = r.next ?? first;
    }
    n++;
  }
  return { perSecond: n / ((performance.now() - start) / 1000), allResumed };
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3);
  console.log('backend             full/s  resumed/s  ratio  IO calls (full / resumed)');
  for (const backend of BACKENDS) {
    const full = await rate(backend, false, seconds);
    const res = await rate(backend, true, seconds);
    const fullCalls = (await once(backend, undefined, true)).calls;
    const ticket = (await once(backend, undefined)).next;
    const resumedRun = await once(backend, ticket, true);
    console.log(
      `${backend.padEnd(18)} ${full.perSecond.toFixed(0).padStart(7)} ${res.perSecond.toFixed(0).padStart(10)} ${(res.perSecond / full.perSecond).toFixed(2).padStart(6)}x  ${fullCalls} / ${resumedRun.calls}${res.allResumed && resumedRun.resumed ? '' : '  (NOT all resumed)'}`,
    );
  }
}

void main();

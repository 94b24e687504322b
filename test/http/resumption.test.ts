/**
 * HTTP clients resume without application code (RFC 8446 section 2.2): `https.get`
 * through `TLSServiceAgent` and `fetch` through `undiciConnector` keep the tickets each
 * connection receives in a bounded per-agent cache and offer one (once) on the next
 * connection to the same origin.
 */
import test from 'ava';
import https from 'node:https';
import type http from 'node:http';
import { Agent, fetch } from 'undici';
import { TLSServiceAgent, undiciConnector } from '../../src/http/index.js';
import { SessionCache } from '../../src/http/session-cache.js';
import { bodyText, startServer, testContainer } from './helpers.js';

const RESUMING_BACKENDS = ['noble', 'node-tls'] as const;

/** A server answering whether the connection resumed. */
function resumedHandler(request: http.IncomingMessage, response: http.ServerResponse): void {
  const socket = request.socket as unknown as { isSessionReused(): boolean };
  response.end(socket.isSessionReused() ? 'resumed' : 'full');
}

function get(url: string, agent: http.Agent): Promise<{ body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent }, (response) => {
        const reused = (response.socket as unknown as { isSessionReused(): boolean }).isSessionReused();
        bodyText(response).then((body) => resolve({ body, reused }), reject);
      })
      .on('error', reject);
  });
}

for (const backend of RESUMING_BACKENDS) {
  test(`${backend}: https.get through TLSServiceAgent resumes on the next connection`, async (t) => {
    const running = await startServer(backend, resumedHandler);
    const agent = new TLSServiceAgent({ container: testContainer(backend), keepAlive: false });
    try {
      const first = await get(`${running.url}/`, agent);
      t.deepEqual(first, { body: 'full', reused: false });
      const second = await get(`${running.url}/`, agent);
      t.deepEqual(second, { body: 'resumed', reused: true });
      const third = await get(`${running.url}/`, agent);
      t.deepEqual(third, { body: 'resumed', reused: true });
    } finally {
      agent.destroy();
      await running.close();
    }
  });

  test(`${backend}: fetch through undiciConnector resumes on a new connection`, async (t) => {
    const running = await startServer(backend, resumedHandler);
    const connect = undiciConnector({ container: testContainer(backend) });
    const first = new Agent({ connect });
    const second = new Agent({ connect });
    try {
      t.is(await (await fetch(`${running.url}/`, { dispatcher: first })).text(), 'full');
      await first.close();
      t.is(await (await fetch(`${running.url}/`, { dispatcher: second })).text(), 'resumed');
    } finally {
      await second.close();
      await running.close();
    }
  });

  test(`${backend}: maxCachedSessions 0 keeps no sessions`, async (t) => {
    const running = await startServer(backend, resumedHandler);
    const agent = new TLSServiceAgent({ container: testContainer(backend), keepAlive: false, maxCachedSessions: 0 });
    try {
      await get(`${running.url}/`, agent);
      t.is((await get(`${running.url}/`, agent)).body, 'full');
    } finally {
      agent.destroy();
      await running.close();
    }
  });
}

test('SessionCache: a session is handed out once, per origin, bounded in origins and sessions', (t) => {
  const cache = new SessionCache(2);
  const a = { host: 'a', port: 443, servername: 'a', ALPNProtocols: ['http/1.1'] };
  const b = { ...a, host: 'b', servername: 'b' };
  const c = { ...a, host: 'c', servername: 'c' };
  cache.put(a, Uint8Array.of(1));
  cache.put(a, Uint8Array.of(2));
  t.deepEqual(cache.take(a), Uint8Array.of(2), 'newest first');
  t.deepEqual(cache.take(a), Uint8Array.of(1));
  t.is(cache.take(a), undefined, 'each ticket is used once');
  t.is(cache.take({ ...a, ALPNProtocols: ['h2'] }), undefined);
  cache.put(a, Uint8Array.of(1));
  cache.put(b, Uint8Array.of(2));
  cache.put(c, Uint8Array.of(3));
  t.is(cache.size, 2);
  t.is(cache.take(a), undefined, 'the oldest origin was evicted');
  for (let i = 0; i < 10; i++) cache.put(b, Uint8Array.of(i));
  let kept = 0;
  while (cache.take(b)) kept++;
  t.is(kept, 4);
});

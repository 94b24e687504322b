/**
 * The HTTP/2 stream guard: a frame written while Node's stream wrap is shutting our Duplex
 * down must fail like a write to a closed socket, not crash the process.
 */
import test from 'ava';
import http2 from 'node:http2';
import { Duplex } from 'node:stream';
import { guardWritesDuringShutdown } from '../../src/http/http2-stream-guard.js';

test('a write during a pending shutdown fails with EPIPE instead of an internal assertion', async (t) => {
  const server = http2.createServer();
  const session = await new Promise<http2.ServerHttp2Session>((resolve) => {
    server.once('session', resolve);
    // A stream whose end never completes: the wrap's shutdown stays in flight.
    server.emit('connection', new Duplex({ read() {}, write: (_c, _e, cb) => cb(), final() {} }));
  });
  guardWritesDuringShutdown(session);
  const wrapKey = Object.getOwnPropertySymbols(session).find((s) => s.description === 'socket')!;
  const wrap = (session as unknown as Record<symbol, Duplex & { doWrite: { name: string } }>)[wrapKey]!;
  t.is(wrap.doWrite.name, 'guardedDoWrite', 'the guard is installed on the stream wrap');
  wrap.end(); // the wrap asks our Duplex to end: shutdown pending from here on
  await new Promise((resolve) => setImmediate(resolve));
  session.on('error', () => undefined);
  const outcome = await new Promise<string>((resolve) => {
    const sent = session.ping((error) => resolve(error ? 'ping failed' : 'ping answered'));
    if (!sent) resolve('ping refused');
    setTimeout(() => resolve('no crash'), 300);
  });
  t.not(outcome, 'ping answered');
  session.destroy();
});

/**
 * HTTP over 0-RTT (RFC 8470) on the noble backend: a request that arrives in TLS early
 * data is marked (isEarlyDataRequest, `Early-Data: 1`); one whose method is not
 * idempotent is answered 425 Too Early and never reaches the handler; the same request
 * after the handshake is served.
 */
import test from 'ava';
import type http from 'node:http';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { connectTCP } from '../../src/raw/tcp.js';
import { isEarlyDataRequest } from '../../src/http/index.js';
import { testCA } from '../fixtures/certs.js';
import { startServer } from './helpers.js';

const text = (s: string) => new TextEncoder().encode(s);

/** One raw HTTP/1.1 request over a noble client connection; returns the response text and the sessions it left. */
async function rawRequest(port: number, request: string, options: { session?: Uint8Array; early?: boolean } = {}) {
  const client = new NobleTLSService();
  const sessions: Uint8Array[] = [];
  client.onSession((s) => sessions.push(s));
  const bytes = text(request);
  await client.negotiateAsClient(await connectTCP({ host: '127.0.0.1', port }), {
    ca: testCA,
    servername: 'localhost',
    ALPNProtocols: ['http/1.1'],
    ...(options.session ? { session: options.session } : {}),
    ...(options.early ? { earlyData: bytes } : {}),
  });
  if (!options.early) await client.sendBytes(bytes);
  let response = '';
  for (;;) {
    const chunk = await client.receiveBytes(65536);
    if (chunk.length === 0) break;
    response += new TextDecoder().decode(chunk);
  }
  const status = client.negotiated.earlyData;
  await client.close();
  return { response, status, sessions };
}

const request = (method: string) => `${method} /thing HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;

test('requests in 0-RTT data: GET is served and marked early, POST gets 425 Too Early (RFC 8470)', async (t) => {
  const handled: { method: string | undefined; early: boolean; header: string | undefined }[] = [];
  const running = await startServer(
    'noble',
    (req: http.IncomingMessage, res: http.ServerResponse) => {
      handled.push({ method: req.method, early: isEarlyDataRequest(req), header: req.headers['early-data'] as string | undefined });
      res.end('ok');
    },
    { maxEarlyData: 16384 },
  );
  try {
    const first = await rawRequest(running.port, request('GET'));
    t.regex(first.response, /^HTTP\/1\.1 200/);
    // The first connection's two tickets, each used once; a 0-RTT connection that closes after one response gets none.
    const [one, two] = first.sessions;
    const get = await rawRequest(running.port, request('GET'), { session: one, early: true });
    t.is(get.status, 'accepted');
    t.regex(get.response, /^HTTP\/1\.1 200/);
    const post = await rawRequest(running.port, request('POST'), { session: two, early: true });
    t.is(post.status, 'accepted');
    t.regex(post.response, /^HTTP\/1\.1 425/);
    const late = await rawRequest(running.port, request('POST'));
    t.regex(late.response, /^HTTP\/1\.1 200/, 'the same POST after the handshake is served');
    t.deepEqual(handled, [
      { method: 'GET', early: false, header: undefined },
      { method: 'GET', early: true, header: '1' },
      { method: 'POST', early: false, header: undefined },
    ]);
  } finally {
    await running.close();
  }
});

/**
 * HTTP/2 against our server: node's own http2 client (OpenSSL) and `connectHTTP2` on
 * every backend that has ALPN; HTTP/1.1 fallback on the same port.
 */
import test from 'ava';
import type http from 'node:http';
import http2 from 'node:http2';
import { BACKEND_NAMES } from '../../src/di/container.js';
import { connectHTTP2 } from '../../src/http/index.js';
import { testCA } from '../fixtures/certs.js';
import { encrypts, startServer, testContainer } from './helpers.js';

function request(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path });
    let status = 0;
    let body = '';
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => resolve({ status, body }));
    stream.on('error', reject);
  });
}

function closeSession(session: http2.ClientHttp2Session): Promise<void> {
  return new Promise((resolve) => session.close(() => resolve()));
}

const answer: http.RequestListener = (request, response) => {
  response.end(`${request.url} over ${request.httpVersion}`);
};

for (const backend of BACKEND_NAMES.filter(encrypts)) {
  test(`${backend}: node's http2 client talks h2 to our server, several streams on one session`, async (t) => {
    const running = await startServer(backend, answer, { allowHTTP2: true });
    const session = http2.connect(running.url, { ca: testCA });
    try {
      const answers = await Promise.all([request(session, '/a'), request(session, '/b'), request(session, '/c')]);
      t.deepEqual(answers, [
        { status: 200, body: '/a over 2.0' },
        { status: 200, body: '/b over 2.0' },
        { status: 200, body: '/c over 2.0' },
      ]);
      t.is(session.alpnProtocol, 'h2');
    } finally {
      await closeSession(session);
      await running.close();
    }
  });

  test(`${backend}: connectHTTP2 talks h2 to our server`, async (t) => {
    const running = await startServer(backend, answer, { allowHTTP2: true });
    const session = await connectHTTP2(running.url, { container: testContainer(backend) });
    try {
      t.deepEqual(await request(session, '/x'), { status: 200, body: '/x over 2.0' });
      t.deepEqual(await request(session, '/y'), { status: 200, body: '/y over 2.0' });
    } finally {
      await closeSession(session);
      await running.close();
    }
  });

  test(`${backend}: connectHTTP2 talks h2 to node's http2 secure server`, async (t) => {
    const server = http2.createSecureServer({ ...(await import('../fixtures/certs.js')).localhostECDSA }, answer as never);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const session = await connectHTTP2(`https://localhost:${port}`, { container: testContainer(backend) });
    try {
      t.deepEqual(await request(session, '/z'), { status: 200, body: '/z over 2.0' });
    } finally {
      await closeSession(session);
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test(`${backend}: a server without allowHTTP2 does not offer h2`, async (t) => {
    const running = await startServer(backend, answer);
    const session = http2.connect(running.url, { ca: testCA });
    try {
      const failure = await new Promise<Error>((resolve) => session.once('error', resolve));
      t.truthy(failure);
    } finally {
      session.destroy();
      await running.close();
    }
  });
}

for (const backend of BACKEND_NAMES.filter(encrypts)) {
  test(`${backend}: close() sends GOAWAY, lets the open stream finish, then closes`, async (t) => {
    let arrived!: () => void;
    const slowArrived = new Promise<void>((resolve) => (arrived = resolve));
    const running = await startServer(
      backend,
      (request, response) => {
        arrived();
        setTimeout(() => response.end(`late ${request.url}`), 150);
      },
      { allowHTTP2: true },
    );
    const session = http2.connect(running.url, { ca: testCA });
    session.on('error', () => undefined);
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    const answer = request(session, '/slow');
    await slowArrived;
    const closed = new Promise<void>((resolve) => running.server.close(() => resolve()));
    t.deepEqual(await answer, { status: 200, body: 'late /slow' });
    await goaway;
    await closed;
    t.pass();
    session.destroy();
  });
}

/**
 * Backpressure and lifetimes on every backend: a slow reader stalls the producer instead
 * of growing buffers; keep-alive and pipelined requests are answered in order; a client
 * that vanishes mid-response frees its connection; close() drains and ends cleanly.
 */
import test from 'ava';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { BACKEND_NAMES, type BackendName } from '../../src/di/container.js';
import { openClientSocket } from '../../src/http/index.js';
import { clientConfigurationFrom } from '../../src/http/tls-options.js';
import { testCA } from '../fixtures/certs.js';
import { bodyText, encrypts, startServer, testContainer, type RunningServer } from './helpers.js';

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until it stops changing for 300 ms (at most 10 s) and returns where it settled. */
async function settled(read: () => number): Promise<number> {
  let last = read();
  let steady = 0;
  for (let waited = 0; steady < 3 && waited < 10_000; waited += 100) {
    await delay(100);
    const now = read();
    steady = now === last ? steady + 1 : 0;
    last = now;
  }
  return last;
}

/** Opens a raw client socket (our TLS, no HTTP) to a running server. */
function rawClient(backend: BackendName, running: RunningServer) {
  const container = testContainer(backend);
  const configuration = { ...clientConfigurationFrom({ container }), ALPNProtocols: ['http/1.1'] };
  return openClientSocket({ host: 'localhost', port: running.port }, container, configuration);
}

/** node's own client (OpenSSL for TLS backends): GET with a fresh connection, response not consumed. */
function nodeGet(backend: string, running: RunningServer, path: string, agent: http.Agent | false = false): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const options = { host: 'localhost', port: running.port, path, agent };
    const request = encrypts(backend) ? https.get({ ...options, ca: testCA }, resolve) : http.get(options, resolve);
    request.on('error', reject);
  });
}

for (const backend of BACKEND_NAMES) {
  test(`${backend}: a slow reader stalls the producer; nothing buffers without bound`, async (t) => {
    const total = 16 * 1024 * 1024;
    let produced = 0;
    const running = await startServer(backend, (_request, response) => {
      const source = new Readable({
        read(size) {
          if (produced >= total) return void this.push(null);
          const chunk = Buffer.alloc(Math.min(size, 64 * 1024, total - produced), 0x62);
          produced += chunk.length;
          this.push(chunk);
        },
      });
      response.setHeader('content-length', total);
      source.pipe(response as NodeJS.WritableStream);
    });
    try {
      const response = await nodeGet(backend, running, '/big');
      response.pause();
      const stalledAt = await settled(() => produced);
      t.true(stalledAt < 12 * 1024 * 1024, `produced ${stalledAt} of ${total} bytes while nobody read`);
      let received = 0;
      response.on('data', (chunk: Buffer) => (received += chunk.length));
      response.resume();
      await new Promise((resolve) => response.on('end', resolve));
      t.is(received, total);
    } finally {
      await running.close();
    }
  });

  test(`${backend}: pipelined keep-alive requests are answered in order on one connection`, async (t) => {
    let connections = 0;
    const running = await startServer(backend, (request, response) => {
      const wait = request.url === '/slow' ? 50 : 0;
      setTimeout(() => response.end(`answer ${request.url}`), wait);
    });
    running.server.on('secureConnection', () => connections++);
    const socket = await rawClient(backend, running);
    try {
      const requests = ['/slow', '/two', '/three'].map((path) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      socket.write(requests.join(''));
      let text = '';
      socket.setEncoding('latin1');
      await new Promise<void>((resolve, reject) => {
        socket.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('answer /three')) resolve();
        });
        socket.on('error', reject);
      });
      const bodies = [...text.matchAll(/answer \/[a-z]+/g)].map((m) => m[0]);
      t.deepEqual(bodies, ['answer /slow', 'answer /two', 'answer /three']);
      t.is([...text.matchAll(/HTTP\/1\.1 200 OK/g)].length, 3);
      t.is(connections, 1);
    } finally {
      socket.destroy();
      await running.close();
    }
  });

  test(`${backend}: a client that vanishes mid-response frees its connection`, async (t) => {
    let responseClosed!: () => void;
    const closed = new Promise<void>((resolve) => (responseClosed = resolve));
    const running = await startServer(backend, (_request, response) => {
      response.on('close', responseClosed);
      const timer = setInterval(() => response.write(Buffer.alloc(16 * 1024, 0x63)), 5);
      response.on('close', () => clearInterval(timer));
    });
    try {
      const response = await nodeGet(backend, running, '/stream');
      await new Promise((resolve) => response.once('data', resolve));
      response.socket.destroy();
      await closed;
      for (let i = 0; i < 100; i++) {
        const count = await new Promise<number>((resolve) => running.server.getConnections((_e, n) => resolve(n)));
        if (count === 0) break;
        await delay(20);
      }
      const count = await new Promise<number>((resolve) => running.server.getConnections((_e, n) => resolve(n)));
      t.is(count, 0);
    } finally {
      await running.close();
    }
  });

  test(`${backend}: close() lets the request in flight finish, ends idle keep-alive connections, then closes`, async (t) => {
    let slowArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (slowArrived = resolve));
    const running = await startServer(backend, (request, response) => {
      if (request.url === '/slow') slowArrived();
      setTimeout(() => response.end(`done ${request.url}`), request.url === '/slow' ? 200 : 0);
    });
    const idle = await rawClient(backend, running);
    idle.setEncoding('latin1');
    let idleText = '';
    idle.on('data', (chunk: string) => (idleText += chunk));
    idle.write('GET /first HTTP/1.1\r\nHost: localhost\r\n\r\n');
    while (!idleText.includes('done /first')) await delay(5);
    const idleEnded = new Promise<string>((resolve) => {
      idle.on('end', () => resolve('end'));
      idle.on('error', (error) => resolve(`error ${error.message}`));
    });

    const keepAlive = encrypts(backend) ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    const inFlight = nodeGet(backend, running, '/slow', keepAlive).then(async (response) => ({
      connection: response.headers.connection,
      body: await bodyText(response),
    }));
    await arrived;
    const closed = new Promise<void>((resolve) => running.server.close(() => resolve()));
    t.false(running.server.listening);
    t.deepEqual(await inFlight, { connection: 'close', body: 'done /slow' });
    t.is(await idleEnded, 'end');
    await closed;
    await t.throwsAsync(nodeGet(backend, running, '/late'));
    idle.destroy();
    keepAlive.destroy();
  });
}

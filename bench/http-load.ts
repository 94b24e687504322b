/**
 * The HTTP load generator the HTTP benches share (bench/http.ts,
 * http-cpu-ab.ts) and the small response they serve: `concurrency` loops of sequential
 * GETs over keep-alive connections, node's Agent for HTTP/1.1 (https: or http: by the
 * URL) and node:http2 sessions with several streams in flight for h2 (h2c for http:).
 * Run inside a worker thread, so the load has its own event loop. Not part of `npm test`.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { testCA } from '../test/fixtures/certs.js';

/** What the load worker is asked to do. */
export interface LoadOrder {
  readonly url: string;
  readonly protocol: 'h1' | 'h2';
  readonly concurrency: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

/** What the load worker reports. */
export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
}

/** The h2 client opens one session per this many concurrent request loops. */
export const STREAMS_PER_SESSION = 4;

/** The response body every bench server sends. */
export const BODY = Buffer.from('hello, world\n');

/** The bench servers' request handler: a small text response (node:http, node:https, node:http2 and ours alike). */
export const handler = (_request: unknown, response: { setHeader(name: string, value: string): unknown; end(body: Buffer): unknown }): void => {
  response.setHeader('content-type', 'text/plain');
  response.end(BODY);
};

/** One keep-alive GET loop's request function for `order`, and how to release the client. */
function clientFor(order: LoadOrder): { get: (loop: number) => Promise<void>; close: () => void } {
  if (order.protocol === 'h2') {
    const sessions = Array.from({ length: Math.ceil(order.concurrency / STREAMS_PER_SESSION) }, () => {
      const session = http2.connect(order.url, { ca: testCA });
      session.on('error', () => undefined);
      return session;
    });
    const get = (loop: number): Promise<void> =>
      new Promise((resolve, reject) => {
        const stream = sessions[Math.floor(loop / STREAMS_PER_SESSION)]!.request({ ':path': '/' });
        let status = 0;
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.on('data', () => undefined);
        stream.on('end', () => (status === 200 ? resolve() : reject(new Error(`status ${status}`))));
        stream.on('error', reject);
      });
    return { get, close: () => sessions.forEach((s) => s.close()) };
  }
  const client = new URL(order.url).protocol === 'http:' ? http : https;
  const agent = new client.Agent({ keepAlive: true, maxSockets: order.concurrency, ca: testCA });
  const get = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const request = client.get(order.url, { agent }, (response) => {
        response.on('data', () => undefined);
        response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`status ${response.statusCode}`))));
      });
      request.on('error', reject);
    });
  return { get, close: () => agent.destroy() };
}

/** The load generator: `concurrency` loops of sequential GETs over keep-alive connections; `counting` is called when the warm-up ends and counting begins. */
export async function generateLoad(order: LoadOrder, onCounting: () => void = () => undefined): Promise<LoadResult> {
  const client = clientFor(order);
  let requests = 0;
  let errors = 0;
  let counting = false;
  let stop = false;
  const loop = async (index: number): Promise<void> => {
    while (!stop) {
      try {
        await client.get(index);
        if (counting) requests++;
      } catch {
        if (counting) errors++;
      }
    }
  };
  const loops = Array.from({ length: order.concurrency }, (_, i) => loop(i));
  await new Promise((resolve) => setTimeout(resolve, order.warmupSeconds * 1000));
  onCounting();
  counting = true;
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, order.seconds * 1000));
  counting = false;
  const seconds = (performance.now() - start) / 1000;
  stop = true;
  await Promise.all(loops);
  client.close();
  return { requests, errors, seconds };
}


/**
 * The vectored path, counted: node:http corks a response's head and body, the Duplex's
 * `_writev` makes them ONE `sendBytes(iovec)`, and the TLS layer packs them into records
 * and raw writes. The server side of an in-memory pair is wrapped in a counting
 * RawConnection; we count the raw writes and the TLS records of the second response on
 * a connection (the first may carry post-handshake messages such as session tickets).
 */
import test from 'ava';
import type { Container } from 'inversify';
import { Connection } from '../../src/connection.js';
import { BACKEND_NAMES, serviceFrom } from '../../src/di/container.js';
import type http from 'node:http';
import { createServer } from '../../src/http/index.js';
import { CountingRawConnection } from '../../src/raw/counting.js';
import { memoryPair } from '../../src/raw/memory.js';
import { CapturingRawConnection } from '../capturing-raw-connection.js';
import { localhostECDSA, testCA } from '../fixtures/certs.js';
import { encrypts, testContainer } from './helpers.js';

/** Backends whose record layer packs an iovec into full records (the design's promise); others are reported. */
const packsRecords = new Set(['noble']);

/** Counts TLS records (5-byte headers) in a byte stream that starts on a record boundary. */
function countRecords(bytes: Uint8Array): number {
  let records = 0;
  for (let at = 0; at + 5 <= bytes.length; at += 5 + ((bytes[at + 3]! << 8) | bytes[at + 4]!)) records++;
  return records;
}

function joined(chunks: readonly Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(chunks));
}

interface Measurement {
  readonly response: string;
  readonly writes: number;
  readonly bytes: number;
  readonly records: number | undefined;
  readonly trace: readonly string[];
}

/** Serves one request over a counted in-memory connection and measures the server's response writes. */
async function measure(container: Container, backend: string, handler: http.RequestListener): Promise<Measurement> {
  const [clientRaw, serverRaw] = memoryPair({ name: 'vectored' });
  const capturing = new CapturingRawConnection(serverRaw);
  const counting = new CountingRawConnection(capturing);
  const [server, client] = await Promise.all([
    Connection.fromClient(counting, { service: serviceFrom(container), ...localhostECDSA, ALPNProtocols: ['http/1.1'] }),
    Connection.toServer(clientRaw, { service: serviceFrom(container), ca: testCA, servername: 'localhost', ALPNProtocols: ['http/1.1'] }),
  ]);
  const httpServer = createServer({ container }, handler);
  httpServer.serveConnection(server);
  // A first exchange on the connection lets post-handshake messages (tickets) go out; then count.
  await exchange(client);
  counting.reset();
  const sentBefore = capturing.sent.length;
  const response = await exchange(client);
  const writes = counting.writes.filter((w) => w.length > 0);
  const responseBytes = joined(capturing.sent.slice(sentBefore));
  await client.close();
  httpServer.closeAllConnections();
  return {
    response,
    writes: writes.length,
    bytes: responseBytes.length,
    records: encrypts(backend) ? countRecords(responseBytes) : undefined,
    trace: counting.trace('server'),
  };
}

/** Sends one GET and reads its whole response. */
async function exchange(client: Connection): Promise<string> {
  await client.sendBytes(new TextEncoder().encode('GET /measured HTTP/1.1\r\nHost: localhost\r\n\r\n'));
  let response = '';
  while (!response.includes('\r\n\r\n') || response.length < expectedLength(response)) {
    const bytes = await client.receiveBytes(64 * 1024);
    if (bytes.length === 0) break;
    response += Buffer.from(bytes).toString('latin1');
  }
  return response;
}

function expectedLength(response: string): number {
  const head = response.indexOf('\r\n\r\n');
  if (head >= 0 && /transfer-encoding: chunked/i.test(response) && response.endsWith('\r\n0\r\n\r\n')) return response.length;
  const length = /content-length: (\d+)/i.exec(response)?.[1];
  return head < 0 || length === undefined ? Infinity : head + 4 + Number(length);
}

const sizes = [1024, 15 * 1024];

for (const backend of BACKEND_NAMES) {
  for (const size of sizes) {
    test(`${backend}: a ${size}-byte response (head + body < 16 KiB) leaves in one raw write`, async (t) => {
      const body = Buffer.alloc(size, 0x61);
      const result = await measure(testContainer(backend), backend, (_request, response) => {
        response.setHeader('content-type', 'text/plain');
        response.end(body);
      });
      t.true(result.response.startsWith('HTTP/1.1 200 OK'));
      t.is(result.response.length, result.response.indexOf('\r\n\r\n') + 4 + size);
      t.log(`${backend}: ${result.writes} raw write(s), ${result.records ?? 'no'} TLS record(s), ${result.bytes} bytes on the wire`);
      t.log(result.trace.join('\n'));
      if (packsRecords.has(backend)) {
        t.is(result.records, 1, 'one TLS record');
        t.is(result.writes, 1, 'one raw write');
      } else {
        t.true(result.writes >= 1);
      }
    });
  }

  test(`${backend}: a chunked response (write + end in one tick) is one sendBytes`, async (t) => {
    const result = await measure(testContainer(backend), backend, (_request, response) => {
      response.write('first part, ');
      response.end('second part');
    });
    t.true(result.response.includes('first part, '));
    t.log(`${backend} chunked: ${result.writes} raw write(s), ${result.records ?? 'no'} TLS record(s)`);
    if (packsRecords.has(backend)) {
      t.is(result.records, 1);
      t.is(result.writes, 1);
    } else {
      t.true(result.writes >= 1);
    }
  });
}

for (const backend of BACKEND_NAMES.filter(encrypts)) {
  test(`${backend}: a 40 KiB response is packed into full records (reported)`, async (t) => {
    const body = Buffer.alloc(40 * 1024, 0x64);
    const result = await measure(testContainer(backend), backend, (_request, response) => response.end(body));
    t.true(result.response.endsWith(body.toString('latin1')));
    t.log(`${backend} 40 KiB: ${result.writes} raw write(s), ${result.records} TLS record(s), ${result.bytes} bytes on the wire`);
    if (packsRecords.has(backend)) {
      t.is(result.records, Math.ceil(result.response.length / 16384), 'full records');
      t.is(result.writes, 1, 'one raw write');
    } else {
      t.true(result.writes >= 1);
    }
  });
}

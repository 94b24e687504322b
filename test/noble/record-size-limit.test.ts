/**
 * record_size_limit (RFC 8449): the engine pair in memory (both limits negotiated, values
 * under 64, records over the limit, an endpoint that does not send the extension, the
 * configuration check) and real peers: GnuTLS negotiates it both ways (`gnutls-cli
 * --recordsize`, `gnutls-serv --recordsize`; Debian package gnutls-bin), node:tls (OpenSSL
 * 3.0) ignores it, so nothing is limited.
 */
import test from 'ava';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TLSEngine } from '../../adapters/noble/engine.js';
import { encodeRecordSizeLimit, ExtensionType, type Extension } from '../../adapters/noble/codec/extensions.js';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { CapturingRawConnection } from '../capturing-raw-connection.js';
import { connectTCP, TCPRawConnection } from '../../src/raw/tcp.js';
import { ConfigurationError } from '../../src/errors.js';
import { concat, pump, alertOf } from './helpers.js';
import { caPem, serverIdentity, testClientSettings, testServerSettings } from './fixtures.js';
import { freePort, killPeer, spawnPeer } from '../peers.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/noble/', import.meta.url));
const gnutlsAvailable = spawnSync('gnutls-cli', ['--version']).status === 0;
const MISSING = 'gnutls-cli not found: install the Debian package gnutls-bin (apt-get install gnutls-bin) to run the record_size_limit interop tests';
const APPLICATION_DATA = 23;
const TAG = 16;

/** The records in `bytes` (type and fragment length), in order. */
function recordsIn(bytes: Uint8Array): { type: number; length: number }[] {
  const records: { type: number; length: number }[] = [];
  for (let at = 0; at + 5 <= bytes.length; ) {
    const length = (bytes[at + 3]! << 8) | bytes[at + 4]!;
    records.push({ type: bytes[at]!, length });
    at += 5 + length;
  }
  return records;
}

/** The largest protected record fragment in `bytes`, tag included. */
function largestProtected(bytes: Uint8Array): number {
  return Math.max(0, ...recordsIn(bytes).filter((r) => r.type === APPLICATION_DATA).map((r) => r.length));
}

/** Replaces (or, with undefined, drops) the record_size_limit body of an extension list. */
function withLimitBody(body: Uint8Array | undefined) {
  return (_message: string, extensions: readonly Extension[]): readonly Extension[] =>
    extensions.flatMap((e) => (e.type !== ExtensionType.record_size_limit ? [e] : body ? [{ type: e.type, data: body }] : []));
}

const writerOf = (engine: TLSEngine) => (engine as unknown as { writer: { fragmentLimit: number } }).writer;

test('RFC 8449 section 4: both limits negotiated; every protected record, the server flight included, stays within the peer limit', (t) => {
  const client = TLSEngine.client(testClientSettings({ recordSizeLimit: 100 }));
  const server = TLSEngine.server(testServerSettings('ecdsa', { recordSizeLimit: 200 }));
  server.feed(concat(client.takeOutgoing()));
  const flight = concat(server.takeOutgoing());
  // Section 4: the limit counts TLSInnerPlaintext (content type included), so 100 allows 99 content bytes + type + tag.
  t.true(largestProtected(flight) <= 100 + TAG, `server flight record of ${largestProtected(flight)}`);
  t.true(recordsIn(flight).filter((r) => r.type === APPLICATION_DATA).length > 5, 'the certificate flight is split into small records');
  client.feed(flight);
  pump(client, server);
  t.true(client.handshakeComplete && server.handshakeComplete);
  t.is(client.outcome.peerRecordSizeLimit, 200);
  t.is(server.outcome.peerRecordSizeLimit, 100);

  const data = Uint8Array.from({ length: 5000 }, (_, i) => i % 251);
  server.writePlaintext(data);
  const toClient = concat(server.takeOutgoing());
  t.is(largestProtected(toClient), 100 + TAG);
  client.feed(toClient);
  client.writePlaintext([data.subarray(0, 10), data.subarray(10)]);
  const toServer = concat(client.takeOutgoing());
  t.is(largestProtected(toServer), 200 + TAG);
  server.feed(toServer);
  const read = (engine: TLSEngine) => {
    const parts: Uint8Array[] = [];
    while (engine.hasPlaintext) parts.push(engine.readPlaintext());
    return concat(parts);
  };
  t.deepEqual(read(client), data);
  t.deepEqual(read(server), data);
});

test('RFC 8449 section 4: by default both sides announce 16385 and records stay at 2^14 bytes of content', (t) => {
  const client = TLSEngine.client(testClientSettings());
  const server = TLSEngine.server(testServerSettings());
  pump(client, server);
  t.is(client.outcome.peerRecordSizeLimit, 16385);
  t.is(server.outcome.peerRecordSizeLimit, 16385);
  server.writePlaintext(new Uint8Array(40000));
  t.is(largestProtected(concat(server.takeOutgoing())), 16384 + 1 + TAG);
});

test('RFC 8449 section 4: a record_size_limit under 64 is illegal_parameter, in the ClientHello and in EncryptedExtensions', (t) => {
  const client = TLSEngine.client(testClientSettings({}, { editExtensions: withLimitBody(encodeRecordSizeLimit(63)) }));
  const server = TLSEngine.server(testServerSettings());
  t.is(alertOf(() => server.feed(concat(client.takeOutgoing()))), 'illegal_parameter');

  const client2 = TLSEngine.client(testClientSettings());
  const server2 = TLSEngine.server(testServerSettings('ecdsa', {}, { editExtensions: withLimitBody(encodeRecordSizeLimit(63)) }));
  server2.feed(concat(client2.takeOutgoing()));
  t.is(alertOf(() => client2.feed(concat(server2.takeOutgoing()))), 'illegal_parameter');

  const client3 = TLSEngine.client(testClientSettings({}, { editExtensions: withLimitBody(Uint8Array.of(0, 64, 0)) }));
  t.is(alertOf(() => TLSEngine.server(testServerSettings()).feed(concat(client3.takeOutgoing()))), 'decode_error');
});

test('RFC 8449 section 4: a protected record over the limit we announced is record_overflow, both ways', (t) => {
  const client = TLSEngine.client(testClientSettings({ recordSizeLimit: 100 }));
  const server = TLSEngine.server(testServerSettings('ecdsa', { recordSizeLimit: 64 }));
  pump(client, server);
  // A peer that ignores our limit: its writer is put back to full records.
  writerOf(server).fragmentLimit = 16384;
  server.writePlaintext(new Uint8Array(100)); // 100 content bytes + type = 101 > 100
  t.is(alertOf(() => client.feed(concat(server.takeOutgoing()))), 'record_overflow');
  const other = TLSEngine.client(testClientSettings());
  const server2 = TLSEngine.server(testServerSettings('ecdsa', { recordSizeLimit: 64 }));
  pump(other, server2);
  writerOf(other).fragmentLimit = 64;
  other.writePlaintext(new Uint8Array(64)); // 64 content bytes + type = 65 > 64
  t.is(alertOf(() => server2.feed(concat(other.takeOutgoing()))), 'record_overflow');
  // Exactly at the limit is fine.
  const ok = TLSEngine.client(testClientSettings());
  const server3 = TLSEngine.server(testServerSettings('ecdsa', { recordSizeLimit: 64 }));
  pump(ok, server3);
  ok.writePlaintext(new Uint8Array(200));
  server3.feed(concat(ok.takeOutgoing()));
  t.is(server3.plaintextBuffered, 200);
});

test('RFC 8449 section 4: a client that does not send record_size_limit gets none back and is not held to the server limit', (t) => {
  const client = TLSEngine.client(testClientSettings({}, { editExtensions: withLimitBody(undefined) }));
  const server = TLSEngine.server(testServerSettings('ecdsa', { recordSizeLimit: 64 }));
  pump(client, server);
  t.is(client.outcome.peerRecordSizeLimit, undefined);
  t.is(server.outcome.peerRecordSizeLimit, undefined);
  client.writePlaintext(new Uint8Array(20000));
  server.feed(concat(client.takeOutgoing()));
  t.is(server.plaintextBuffered, 20000);
});

test('RFC 8449 section 4: a client limit above 2^14 + 1 is accepted by the server, which keeps to 2^14-byte records', (t) => {
  const client = TLSEngine.client(testClientSettings({}, { editExtensions: withLimitBody(encodeRecordSizeLimit(30000)) }));
  const server = TLSEngine.server(testServerSettings());
  pump(client, server);
  t.is(server.outcome.peerRecordSizeLimit, 30000);
  server.writePlaintext(new Uint8Array(20000));
  t.is(largestProtected(concat(server.takeOutgoing())), 16384 + 1 + TAG);
});

test('recordSizeLimit outside 64..16385 is a ConfigurationError', (t) => {
  for (const bad of [63, 16386, 100.5, 0]) {
    t.throws(() => TLSEngine.client(testClientSettings({ recordSizeLimit: bad })), { instanceOf: ConfigurationError }, String(bad));
    t.throws(() => TLSEngine.server(testServerSettings('ecdsa', { recordSizeLimit: bad })), { instanceOf: ConfigurationError }, String(bad));
  }
});

// --- real peers ---

const engineOf = (service: NobleTLSService) => (service as unknown as { engine: TLSEngine }).engine;
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** Reads until `end` has been seen (or the stream ends). */
async function readUntil(service: NobleTLSService, end: string): Promise<string> {
  let got = '';
  while (!got.includes(end)) {
    const chunk = await service.receiveBytes(65536);
    if (chunk.length === 0) break;
    got += str(chunk);
  }
  return got;
}

/** A noble server that answers one line with it upper-cased `repeat` times; keeps what it wrote and what it agreed. */
async function upperCaseLineServer(t: { teardown: (fn: () => void) => void }, recordSizeLimit?: number, repeat = 1) {
  const seen: { written: Uint8Array[]; peerLimit: number | undefined; error?: unknown }[] = [];
  const listener = net.createServer(async (socket) => {
    const raw = new CapturingRawConnection(TCPRawConnection.fromSocket(socket));
    const service = new NobleTLSService();
    const entry: (typeof seen)[number] = { written: raw.sent, peerLimit: undefined };
    seen.push(entry);
    try {
      await service.negotiateAsServer(raw, { ...serverIdentity('ecdsa'), ...(recordSizeLimit ? { recordSizeLimit } : {}) });
      entry.peerLimit = engineOf(service).outcome.peerRecordSizeLimit;
      const line = await readUntil(service, '\n');
      await service.sendBytes(text(line.toUpperCase().repeat(repeat)));
      await service.close();
    } catch (e) {
      entry.error = e;
      socket.destroy();
    }
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  t.teardown(() => listener.close());
  return { port: (listener.address() as net.AddressInfo).port, seen };
}

const LINE = `${'record size limit '.repeat(160)}\n`; // 2881 bytes
/** gnutls-cli sends each line it reads as one record, cut at the peer's limit, so it sends a short one. */
const SHORT_LINE = 'record size limit\n';

test.serial('gnutls-cli --recordsize 512 x noble server: record_size_limit negotiated, our records within it (RFC 8449 section 4)', async (t) => {
  if (!gnutlsAvailable) return t.fail(MISSING);
  // GnuTLS refuses a server limit under 512 (its own floor; RFC 8449 allows 64), so ours is 600.
  const server = await upperCaseLineServer(t, 600, 200);
  const client = spawnPeer('gnutls-cli', ['--port', String(server.port), '--x509cafile', `${fixtures}ca.pem`, '--sni-hostname', 'localhost', '--verify-hostname', 'localhost', '--recordsize', '512', '--priority', 'NORMAL:-VERS-ALL:+VERS-TLS1.3', '127.0.0.1']);
  try {
    client.child.stdin!.end(SHORT_LINE);
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
      client.child.on('exit', () => resolve());
      timer = setTimeout(() => reject(new Error(`gnutls-cli did not exit: ${client.output()}`)), 20000);
    }).finally(() => clearTimeout(timer));
  } finally {
    killPeer(client.child);
  }
  const [entry] = server.seen;
  t.is(entry?.error, undefined);
  t.is(client.output().split('RECORD SIZE LIMIT').length - 1, 200, client.output().slice(-300));
  const limit = entry!.peerLimit;
  t.is(limit, 513, 'gnutls-cli --recordsize 512 announces 512 bytes of content + the content type');
  t.is(largestProtected(concat(entry!.written)), 513 + TAG);
});

test.serial('noble client (recordSizeLimit 1000) x gnutls-serv --echo --recordsize 600: both limits honoured (RFC 8449 section 4)', async (t) => {
  if (!gnutlsAvailable) return t.fail(MISSING);
  const port = await freePort();
  const server = spawnPeer('gnutls-serv', ['--echo', '--port', String(port), '--x509certfile', `${fixtures}ecdsa.pem`, '--x509keyfile', `${fixtures}ecdsa-key.pem`, '--recordsize', '600', '--priority', 'NORMAL:-VERS-ALL:+VERS-TLS1.3']);
  t.teardown(() => killPeer(server.child));
  const end = Date.now() + 10000;
  while (!/listening.*done/is.test(server.output())) {
    if (Date.now() > end) return t.fail(`gnutls-serv did not start: ${server.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const raw = new CapturingRawConnection(await connectTCP({ host: '127.0.0.1', port }));
  const client = new NobleTLSService();
  await client.negotiateAsClient(raw, { ca: caPem, servername: 'localhost', recordSizeLimit: 1000 });
  const limit = engineOf(client).outcome.peerRecordSizeLimit;
  t.is(limit, 601, 'gnutls-serv --recordsize 600 announces 600 bytes of content + the content type');
  await client.sendBytes(text(LINE));
  // Our reader holds gnutls-serv to 1000 bytes (record_overflow otherwise); the echo arrives whole.
  t.is(await readUntil(client, '\n'), LINE);
  t.is(largestProtected(concat(raw.sent)), 601 + TAG);
  await client.close();
});

test.serial('node:tls (OpenSSL, no record_size_limit) both ways with a noble limit of 64: nothing is negotiated or limited', async (t) => {
  const identity = serverIdentity('ecdsa');
  const big = 'n'.repeat(40000);
  const nodeServer = tls.createServer({ cert: identity.cert, key: identity.key, minVersion: 'TLSv1.3' }, (socket) => {
    socket.setEncoding('utf8');
    let got = '';
    socket.on('data', (d: string) => {
      got += d;
      if (got.length >= big.length) socket.end(got);
    });
  });
  nodeServer.listen(0, '127.0.0.1');
  await once(nodeServer, 'listening');
  t.teardown(() => nodeServer.close());
  const client = new NobleTLSService();
  await client.negotiateAsClient(await connectTCP({ host: '127.0.0.1', port: (nodeServer.address() as net.AddressInfo).port }), {
    ca: caPem,
    servername: 'localhost',
    recordSizeLimit: 64,
  });
  t.is(engineOf(client).outcome.peerRecordSizeLimit, undefined);
  await client.sendBytes(text(big));
  let echoed = 0;
  for (;;) {
    const chunk = await client.receiveBytes(65536).catch(() => new Uint8Array(0));
    if (chunk.length === 0) break;
    echoed += chunk.length;
  }
  t.is(echoed, big.length); // 16 KiB records from OpenSSL: our limit was never agreed
  await client.close();

  const server = await upperCaseLineServer(t, 64);
  const socket = tls.connect({ host: '127.0.0.1', port: server.port, ca: caPem, servername: 'localhost' });
  await once(socket, 'secureConnect');
  socket.end(`${big}\n`);
  let reply = '';
  socket.setEncoding('utf8');
  for await (const chunk of socket) reply += chunk;
  t.is(reply.length, big.length + 1);
  t.is(server.seen[0]?.error, undefined);
  t.is(server.seen[0]?.peerLimit, undefined);
  socket.destroy();
});

/**
 * The tls.TLSSocket surface of our sockets on noble and node-tls, next to what node:tls does
 * with the same options: 'secure' on server-side sockets before the server's
 * 'secureConnection', 'keylog' on servers and client sockets (NSS key-log lines, RFC 8446
 * section 7.1 secrets), 'session' and getSession() for resumption (section 4.6.1),
 * getEphemeralKeyInfo, getProtocol, servername, alpnProtocol, the address fields, and an
 * error naming each TLSSocket method we do not offer.
 */
import test from 'ava';
import { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import nodeTLS from 'node:tls';
import tls, { type ConnectOptions } from '../../src/node-api/tls.js';
import type { BackendName } from '../../src/di/container.js';
import { ConfigurationError } from '../../src/errors.js';
import { localhostECDSA, testCA } from '../fixtures/certs.js';

const BACKENDS: readonly BackendName[] = ['noble', 'node-tls'];
const LABELS = ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET'];

type ServerSocket = Parameters<Parameters<typeof tls.createServer>[1] & object>[0];

async function serve(backend: BackendName, onSocket: (socket: ServerSocket) => void = (s) => s.resume().end()) {
  const server = tls.createServer({ backend, key: localhostECDSA.key, cert: localhostECDSA.cert, ALPNProtocols: ['h2', 'http/1.1'] }, onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function secureConnect(options: ConnectOptions): Promise<ReturnType<typeof tls.connect>> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(options, () => resolve(socket));
    socket.once('error', reject);
  });
}

for (const backend of BACKENDS) {
  test.serial(`${backend}: a server-side socket emits 'secure' before the server's 'secureConnection'`, async (t) => {
    const order: string[] = [];
    let listening = -1;
    const emit = Duplex.prototype.emit;
    // node:tls's server-side 'secure' is emitted before anyone outside the server holds the socket; watch every stream
    // (but node-tls's own inner node:tls socket, which on the native path sits on the listening port too).
    Duplex.prototype.emit = function watched(this: Duplex & { encrypted?: boolean }, event: string | symbol, ...args: unknown[]) {
      if (event === 'secure' && (this as { localPort?: number }).localPort === listening && !(this instanceof tls.TLSSocket) && !(this instanceof nodeTLS.TLSSocket)) order.push('socket secure');
      return emit.call(this, event, ...args);
    } as typeof emit;
    try {
      const { port, close } = await serve(backend, (socket) => {
        order.push('secureConnection');
        socket.resume().end();
      });
      listening = port;
      const client = await secureConnect({ backend, port, host: '127.0.0.1', servername: 'localhost', ca: testCA });
      await new Promise<void>((resolve) => client.resume().once('end', () => resolve()));
      client.destroy();
      await close();
    } finally {
      Duplex.prototype.emit = emit;
    }
    t.deepEqual(order, ['socket secure', 'secureConnection']);
  });

  test(`${backend}: 'keylog' on the server (line, socket with remoteAddress) and on the client socket: the five TLS 1.3 secrets (RFC 8446 section 7.1)`, async (t) => {
    const { server, port, close } = await serve(backend);
    const serverLines: string[] = [];
    const peers = new Set<string | undefined>();
    server.on('keylog', (line: Buffer, socket: { remoteAddress?: string }) => {
      serverLines.push(line.toString('latin1'));
      peers.add(socket.remoteAddress);
    });
    const clientLines: string[] = [];
    const client = tls.connect({ backend, port, host: '127.0.0.1', servername: 'localhost', ca: testCA });
    client.on('keylog', (line: Buffer) => clientLines.push(line.toString('latin1')));
    await new Promise<void>((resolve, reject) => client.once('secureConnect', resolve).once('error', reject));
    await new Promise<void>((resolve) => client.resume().once('end', () => resolve()));
    client.destroy();
    await close();
    for (const lines of [serverLines, clientLines]) {
      t.deepEqual(lines.map((l) => l.split(' ')[0]).sort(), [...LABELS].sort());
      t.true(lines.every((l) => /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64,96}\n$/.test(l)), 'NSS key-log format, one Buffer line each');
    }
    t.deepEqual([...peers], ['127.0.0.1']);
  });

  test(`${backend}: getProtocol, servername, alpnProtocol, getEphemeralKeyInfo, getCipher and the address fields, as node:tls reports them`, async (t) => {
    let accepted!: (socket: ServerSocket) => void;
    const serverSide = new Promise<ServerSocket>((resolve) => (accepted = resolve));
    const { port, close } = await serve(backend, (socket) => {
      accepted(socket);
      socket.resume();
    });
    const client = await secureConnect({ backend, port, host: '127.0.0.1', servername: 'localhost', ca: testCA, ALPNProtocols: ['http/1.1'], ecdhCurve: 'X25519' });
    const server = await serverSide;
    t.is(client.getProtocol(), 'TLSv1.3');
    t.is(server.getProtocol(), 'TLSv1.3');
    t.is(client.servername, 'localhost');
    t.is(server.servername, 'localhost', 'the SNI name the client sent');
    t.is(client.alpnProtocol, 'http/1.1');
    t.is(server.alpnProtocol, 'http/1.1');
    t.deepEqual(client.getEphemeralKeyInfo(), { type: 'ECDH', name: 'X25519', size: 253 });
    t.is(server.getEphemeralKeyInfo(), null, 'node:tls returns null on a server socket');
    t.is(client.getCipher().version, 'TLSv1.3');
    t.is(client.getCipher().standardName, server.getCipher().standardName);
    t.is(client.remotePort, port);
    t.is(client.remoteAddress, '127.0.0.1');
    t.is(client.remoteFamily, 'IPv4');
    t.is(server.remotePort, client.localPort);
    t.is(server.localPort, port);
    t.deepEqual(client.address(), { address: '127.0.0.1', family: 'IPv4', port: client.localPort });
    t.true(client.encrypted && server.encrypted);
    client.destroy();
    server.destroy();
    await close();
  });

  test(`${backend}: 'session' and getSession() on the client; the session resumes (RFC 8446 section 4.6.1)`, async (t) => {
    const { port, close } = await serve(backend, (socket) => socket.resume().end('hello'));
    const first = tls.connect({ backend, port, host: '127.0.0.1', servername: 'localhost', ca: testCA });
    const session = new Promise<Buffer>((resolve) => first.once('session', resolve));
    const ended = new Promise<void>((resolve) => first.once('end', () => resolve()));
    first.once('error', (error) => t.fail(String(error)));
    first.resume();
    const ticket = await session;
    t.true(Buffer.isBuffer(ticket) && ticket.length > 0);
    await ended;
    t.true(Buffer.isBuffer(first.getSession()));
    first.destroy();
    const second = await secureConnect({ backend, port, host: '127.0.0.1', servername: 'localhost', ca: testCA, session: first.getSession()! });
    t.true(second.isSessionReused());
    second.destroy();
    await close();
  });

  test(`${backend}: two servers sharing ticketKeys resume each other's sessions (RFC 8446 section 4.6.1)`, async (t) => {
    const ticketKeys = Buffer.alloc(48, 7);
    const start = () => {
      const server = tls.createServer({ backend, key: localhostECDSA.key, cert: localhostECDSA.cert, ticketKeys, sessionTimeout: 60 }, (s) => s.resume().end('hi'));
      return new Promise<typeof server>((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
    };
    const [a, b] = await Promise.all([start(), start()]);
    const visit = (server: Awaited<ReturnType<typeof start>>, session?: Buffer) =>
      new Promise<{ reused: boolean; session: Buffer | undefined }>((resolve, reject) => {
        const port = (server.address() as AddressInfo).port;
        const socket = tls.connect({ backend, port, host: '127.0.0.1', servername: 'localhost', ca: testCA, ...(session ? { session } : {}) });
        socket.once('error', reject);
        socket.resume().once('end', () => {
          resolve({ reused: socket.isSessionReused(), session: socket.getSession() });
          socket.destroy();
        });
      });
    try {
      const first = await visit(a);
      t.false(first.reused);
      t.true((await visit(b, first.session)).reused, 'the other server opened the ticket');
    } finally {
      await Promise.all([a, b].map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    }
  });

  test(`${backend}: TLSSocket methods we do not offer throw ERR_TLSSERVICE_UNSUPPORTED naming the method; enableTrace and setMaxSendFragment warn once`, async (t) => {
    const { port, close } = await serve(backend);
    const client = await secureConnect({ backend, port, host: '127.0.0.1', servername: 'localhost', ca: testCA });
    const surface = client as unknown as Record<string, () => unknown>;
    for (const name of ['getFinished', 'getPeerFinished', 'getTLSTicket', 'getSharedSigalgs', 'getCertificate', 'getX509Certificate', 'renegotiate', 'setKeyCert', 'setServername']) {
      const error = t.throws(() => surface[name]!.call(client), { message: new RegExp(`TLSSocket\\.${name}\\(\\) is not supported`) });
      t.is((error as Error & { code?: string }).code, 'ERR_TLSSERVICE_UNSUPPORTED');
    }
    t.is(client.disableRenegotiation(), undefined);
    t.is(client.setMaxSendFragment(4096), false);
    client.destroy();
    await close();
  });
}

test('new TLSSocket(socket, options), as node:tls code wraps its own socket, is a ConfigurationError pointing to connect()', (t) => {
  const Constructor = tls.TLSSocket as unknown as new (socket: unknown, options: unknown) => unknown;
  t.throws(() => new Constructor(new Duplex(), { isServer: true }), { instanceOf: ConfigurationError, message: /use connect\(\)/ });
});

/**
 * Interop with OpenSSL through node:tls, over real TCP on 127.0.0.1: our client against
 * a node:tls server and a node:tls client against our server, for each cipher suite,
 * several groups and certificate types, with ALPN, client certificates and KeyUpdate.
 */
import test from 'ava';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { connectTCP } from '../../src/raw/tcp.js';
import { CertificateVerificationError, TLSAlertError } from '../../src/errors.js';
import { caPem, clientIdentity, serverIdentity, type CertificateKind } from './fixtures.js';
import { startNobleServer } from './tcp-server.js';
import type { ClientConfiguration, ServerConfiguration } from '../../src/configuration.js';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

/** A node:tls echo server that upper-cases what it reads; resolves its port. */
async function nodeServer(options: tls.TlsOptions): Promise<{ port: number; server: tls.Server; authorized: Promise<boolean> }> {
  let authorizedResolve: (v: boolean) => void = () => undefined;
  const authorized = new Promise<boolean>((r) => (authorizedResolve = r));
  const server = tls.createServer({ minVersion: 'TLSv1.3', ...options }, (socket) => {
    authorizedResolve(socket.authorized);
    socket.on('data', (d: Buffer) => socket.write(d.toString().toUpperCase()));
    socket.on('end', () => socket.end());
    socket.on('error', () => undefined);
  });
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, server, authorized };
}

async function nobleClientAgainstNode(serverOptions: tls.TlsOptions, clientOptions: ClientConfiguration) {
  const { port, server, authorized } = await nodeServer(serverOptions);
  try {
    const client = new NobleTLSService();
    await client.negotiateAsClient(await connectTCP({ host: '127.0.0.1', port }), { ca: caPem, servername: 'localhost', ...clientOptions });
    await client.sendBytes(text('hello node'));
    const reply = await client.receiveBytes(100);
    await client.close();
    return { reply: str(reply), negotiated: client.negotiated, authorized };
  } finally {
    server.close();
  }
}

for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
  test(`noble client x node:tls server: ${suite}`, async (t) => {
    const { reply, negotiated } = await nobleClientAgainstNode({ ...serverIdentity('ecdsa'), ciphers: suite }, {});
    t.is(reply, 'HELLO NODE');
    t.is(negotiated.cipherSuite, suite);
  });
}

for (const [curve, group] of [['P-256', 'P-256'], ['P-384', 'P-384'], ['X25519', 'X25519']] as const) {
  test(`noble client x node:tls server: group ${group} (HelloRetryRequest when not the key share)`, async (t) => {
    const { reply, negotiated } = await nobleClientAgainstNode({ ...serverIdentity('ecdsa'), ecdhCurve: curve }, {});
    t.is(reply, 'HELLO NODE');
    t.is(negotiated.group, group);
  });
}

for (const kind of ['ecdsa', 'ecdsa384', 'ed25519', 'rsa'] as CertificateKind[]) {
  test(`noble client x node:tls server: ${kind} certificate`, async (t) => {
    const { reply } = await nobleClientAgainstNode(serverIdentity(kind), {});
    t.is(reply, 'HELLO NODE');
  });
}

test('noble client x node:tls server: ALPN and client certificate', async (t) => {
  const { reply, negotiated, authorized } = await nobleClientAgainstNode(
    { ...serverIdentity('rsa'), ALPNProtocols: ['h2', 'http/1.1'], requestCert: true, rejectUnauthorized: true, ca: caPem },
    { ALPNProtocols: ['http/1.1'], ...clientIdentity },
  );
  t.is(reply, 'HELLO NODE');
  t.is(negotiated.alpnProtocol, 'http/1.1');
  t.true(await authorized);
});

test('noble client x node:tls server: wrong host name is refused', async (t) => {
  const error = await t.throwsAsync(nobleClientAgainstNode(serverIdentity('ecdsa'), { servername: 'other.example' }), { instanceOf: CertificateVerificationError });
  t.is((error as CertificateVerificationError).alert, 'bad_certificate');
  t.is((error as CertificateVerificationError).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
});

/** Our server on a TCP listener: echoes in upper case. Resolves the port and the services created. */
async function nobleServer(options: ServerConfiguration): Promise<{ port: number; close: () => void; errors: unknown[]; services: NobleTLSService[] }> {
  return startNobleServer(options, { untilEnd: true });
}

async function nodeClientAgainstNoble(serverOptions: ServerConfiguration, clientOptions: tls.ConnectionOptions = {}) {
  const server = await nobleServer(serverOptions);
  try {
    const socket = tls.connect({ host: '127.0.0.1', port: server.port, ca: caPem, servername: 'localhost', ...clientOptions });
    await once(socket, 'secureConnect');
    const info = { cipher: socket.getCipher(), protocol: socket.getProtocol(), alpn: socket.alpnProtocol, ephemeral: socket.getEphemeralKeyInfo() };
    socket.write('hello noble');
    const [reply] = (await once(socket, 'data')) as [Buffer];
    socket.end();
    await once(socket, 'close');
    return { reply: reply.toString(), info, server };
  } finally {
    server.close();
  }
}

for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
  test(`node:tls client x noble server: ${suite}`, async (t) => {
    const { reply, info } = await nodeClientAgainstNoble(serverIdentity('ecdsa'), { ciphers: suite });
    t.is(reply, 'HELLO NOBLE');
    t.is(info.cipher.standardName, suite);
    t.is(info.protocol, 'TLSv1.3');
  });
}

for (const [curve, openssl] of [['P-256', 'prime256v1'], ['P-384', 'secp384r1'], ['X25519', 'X25519']]) {
  test(`node:tls client x noble server: group ${curve}`, async (t) => {
    const { reply, info } = await nodeClientAgainstNoble(serverIdentity('ecdsa'), { ecdhCurve: curve });
    t.is(reply, 'HELLO NOBLE');
    t.is((info.ephemeral as { name?: string }).name, openssl);
  });
}

test('node:tls client x noble server: server supports only P-256, node sends X25519: HelloRetryRequest', async (t) => {
  const { reply, info } = await nodeClientAgainstNoble({ ...serverIdentity('ecdsa'), groups: ['P-256'] }, { ecdhCurve: 'X25519:P-256' });
  t.is(reply, 'HELLO NOBLE');
  t.is((info.ephemeral as { name?: string }).name, 'prime256v1');
});

for (const kind of ['ecdsa384', 'ed25519', 'rsa'] as CertificateKind[]) {
  test(`node:tls client x noble server: ${kind} certificate`, async (t) => {
    const { reply } = await nodeClientAgainstNoble(serverIdentity(kind));
    t.is(reply, 'HELLO NOBLE');
  });
}

test('node:tls client x noble server: ALPN and required client certificate', async (t) => {
  const { reply, info, server } = await nodeClientAgainstNoble(
    { ...serverIdentity('ecdsa'), ca: caPem, requestCert: true, ALPNProtocols: ['http/1.1'] },
    { ...clientIdentity, ALPNProtocols: ['h2', 'http/1.1'] },
  );
  t.is(reply, 'HELLO NOBLE');
  t.is(info.alpn, 'http/1.1');
  t.true(server.services[0]!.negotiated.peerCertificates.length >= 1);
});

test('node:tls client without a certificate x noble server requiring one: certificate_required', async (t) => {
  const server = await nobleServer({ ...serverIdentity('ecdsa'), ca: caPem, requestCert: true });
  try {
    const socket = tls.connect({ host: '127.0.0.1', port: server.port, ca: caPem, servername: 'localhost' });
    socket.on('error', () => undefined);
    socket.on('secureConnect', () => socket.write('x'));
    await new Promise((resolve) => socket.on('close', resolve));
    await new Promise((r) => setTimeout(r, 20));
    t.is((server.errors[0] as TLSAlertError).alert, 'certificate_required');
  } finally {
    server.close();
  }
});

test('exported keying material (RFC 8446 section 7.5) matches node:tls exportKeyingMaterial', async (t) => {
  const label = 'EXPERIMENTAL-tlsservice';
  const context = new TextEncoder().encode('ctx');
  let serverMaterial: Buffer | undefined;
  const server = tls.createServer({ minVersion: 'TLSv1.3', ...serverIdentity('ecdsa') }, (socket) => {
    serverMaterial = socket.exportKeyingMaterial(32, label, Buffer.from(context));
    socket.on('data', (d: Buffer) => socket.write(d));
    socket.on('end', () => socket.end());
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const client = new NobleTLSService();
    await client.negotiateAsClient(await connectTCP({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }), {
      ca: caPem,
      servername: 'localhost',
    });
    await client.sendBytes(text('x'));
    await client.receiveBytes(1);
    t.deepEqual(Buffer.from(client.exportKeyingMaterial(32, label, context)), serverMaterial);
    await client.close();
  } finally {
    server.close();
  }
});

/**
 * The noble TLS 1.2 server against real TLS 1.2 clients: `openssl s_client -tls1_2` for
 * every suite and certificate type, renegotiation from s_client (`R`) refused with
 * no_renegotiation (RFC 5746, RFC 5246 section 7.2.2), `curl --tlsv1.2 --tls-max 1.2`,
 * node:tls clients pinned to TLS 1.2 (with and without a client certificate), and
 * OpenSSL's own check of our downgrade sentinel (RFC 8446 section 4.1.3) when a
 * man in the middle strips supported_versions.
 */
import test from 'ava';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { NobleTLSService } from '../../adapters/noble/service.js';
import { TCPRawConnection } from '../../src/raw/tcp.js';
import { TLSAlertError } from '../../src/errors.js';
import type { ServerConfiguration } from '../../src/configuration.js';
import { decodeClientHello, encodeClientHello, frameHandshake } from '../../adapters/noble/codec/handshake.js';
import { ExtensionType } from '../../adapters/noble/codec/extensions.js';
import { inRecords } from './crafted-hello.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/noble/', import.meta.url));
const readFixture = (name: string) => readFileSync(`${fixtures}${name}`, 'utf8');
const opensslAvailable = spawnSync('openssl', ['version']).status === 0;
const curlAvailable = spawnSync('curl', ['--version']).status === 0;
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);

type Kind = 'ecdsa' | 'rsa' | 'ed25519';
const identity = (kind: Kind) => ({ cert: readFixture(`${kind}.pem`), key: readFixture(`${kind}-key.pem`) });

/** A noble server on loopback; each connection runs `serve` after the handshake. */
async function nobleServer(options: ServerConfiguration, serve: (s: NobleTLSService) => Promise<void>) {
  const errors: unknown[] = [];
  const negotiated: NobleTLSService['negotiated'][] = [];
  const listener = net.createServer(async (socket) => {
    const service = new NobleTLSService();
    try {
      await service.negotiateAsServer(TCPRawConnection.fromSocket(socket), options);
      negotiated.push(service.negotiated);
      await serve(service);
    } catch (e) {
      errors.push(e);
      socket.destroy();
    }
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  return { port: (listener.address() as net.AddressInfo).port, errors, negotiated, close: () => listener.close() };
}

const upperCaseEcho = async (service: NobleTLSService) => {
  const data = await service.receiveBytes(1000);
  await service.sendBytes(text(str(data).toUpperCase()));
  await service.close();
};

function run(command: string, args: string[]): { child: ChildProcess; output: () => string; exited: Promise<void> } {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  child.on('error', () => undefined);
  const exited = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not exit: ${out}`)), 15000);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { child, output: () => out, exited };
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

const SUITES: { openssl: string; iana: string; kind: Kind; groups: string }[] = [
  { openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', kind: 'ecdsa', groups: 'X25519:P-256' },
  { openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384', iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', kind: 'ecdsa', groups: 'P-384:P-256' },
  { openssl: 'ECDHE-ECDSA-CHACHA20-POLY1305', iana: 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', kind: 'ecdsa', groups: 'P-256' },
  { openssl: 'ECDHE-RSA-AES128-GCM-SHA256', iana: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', kind: 'rsa', groups: 'X25519' },
  { openssl: 'ECDHE-RSA-AES256-GCM-SHA384', iana: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', kind: 'rsa', groups: 'P-384' },
  { openssl: 'ECDHE-RSA-CHACHA20-POLY1305', iana: 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', kind: 'rsa', groups: 'P-256' },
  { openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256', iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', kind: 'ed25519', groups: 'X25519' },
];

for (const c of SUITES) {
  test.serial(`openssl s_client -tls1_2 x noble server: ${c.openssl}, ${c.groups}, ${c.kind} certificate (RFC 5289, RFC 7905)`, async (t) => {
    if (!opensslAvailable) return t.fail('openssl CLI not found: install the Debian package openssl');
    const server = await nobleServer(identity(c.kind), upperCaseEcho);
    const client = run('openssl', [
      's_client', '-tls1_2', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', `${fixtures}ca.pem`,
      '-verify_return_error', '-ign_eof', '-brief', '-cipher', c.openssl, '-groups', c.groups,
    ]);
    try {
      client.child.stdin!.end('hello noble\n');
      await client.exited;
      const output = client.output();
      t.deepEqual(server.errors, []);
      t.regex(output, /Protocol version: TLSv1\.2/);
      t.regex(output, new RegExp(`Ciphersuite: ${c.openssl}`));
      t.regex(output, /Verification: OK/);
      t.regex(output, /HELLO NOBLE/);
      t.is(server.negotiated[0]?.protocol, 'TLSv1.2');
      t.is(server.negotiated[0]?.cipherSuite, c.iana);
    } finally {
      kill(client.child);
      server.close();
    }
  });
}

test.serial('renegotiation from openssl s_client (R) is refused with the no_renegotiation warning (RFC 5746, RFC 5246 section 7.2.2)', async (t) => {
  if (!opensslAvailable) return t.fail('openssl CLI not found: install the Debian package openssl');
  const server = await nobleServer(identity('ecdsa'), async (service) => {
    await service.receiveBytes(1000);
  });
  const client = run('openssl', ['s_client', '-tls1_2', '-connect', `127.0.0.1:${server.port}`, '-CAfile', `${fixtures}ca.pem`, '-servername', 'localhost']);
  try {
    const end = Date.now() + 10000;
    while (!/Verify return code: 0/.test(client.output()) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    client.child.stdin!.write('R\n');
    while (server.errors.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const error = server.errors[0];
    t.true(error instanceof TLSAlertError, String(error));
    t.is((error as TLSAlertError).alert, 'no_renegotiation');
    t.is((error as TLSAlertError).direction, 'sent');
    t.regex(client.output(), /RENEGOTIATING/);
  } finally {
    kill(client.child);
    server.close();
  }
});

test.serial('curl --tlsv1.2 --tls-max 1.2 x noble server over HTTP/1.1 (ALPN)', async (t) => {
  if (!curlAvailable) return t.fail('curl not found: install the Debian package curl');
  const server = await nobleServer({ ...identity('ecdsa'), ALPNProtocols: ['http/1.1'] }, async (service) => {
    let request = '';
    while (!request.includes('\r\n\r\n')) {
      const chunk = await service.receiveBytes(4096);
      if (chunk.length === 0) break;
      request += str(chunk);
    }
    await service.sendBytes(text('HTTP/1.1 200 OK\r\ncontent-length: 12\r\nconnection: close\r\n\r\nhello curl!\n'));
    await service.close();
  });
  const client = run('curl', [
    '-sS', '--tlsv1.2', '--tls-max', '1.2', '--cacert', `${fixtures}ca.pem`,
    '--resolve', `localhost:${server.port}:127.0.0.1`, `https://localhost:${server.port}/`,
  ]);
  try {
    await client.exited;
    t.deepEqual(server.errors, []);
    t.is(client.output(), 'hello curl!\n');
    t.is(server.negotiated[0]?.protocol, 'TLSv1.2');
    t.is(server.negotiated[0]?.alpnProtocol, 'http/1.1');
  } finally {
    kill(client.child);
    server.close();
  }
});

async function nodeClient(port: number, options: tls.ConnectionOptions): Promise<{ protocol: string | null; cipher: string; reply: string }> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFixture('ca.pem'), ...options });
  await once(socket, 'secureConnect');
  const protocol = socket.getProtocol();
  const cipher = socket.getCipher().standardName;
  socket.write('ping');
  let reply = '';
  for await (const chunk of socket) reply += chunk.toString();
  return { protocol, cipher, reply };
}

test.serial('node:tls client pinned to TLS 1.2 (maxVersion) x noble server', async (t) => {
  const server = await nobleServer({ ...identity('rsa') }, upperCaseEcho);
  try {
    const result = await nodeClient(server.port, { maxVersion: 'TLSv1.2' });
    t.deepEqual(server.errors, []);
    t.is(result.protocol, 'TLSv1.2');
    t.is(result.cipher, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    t.is(result.reply, 'PING');
  } finally {
    server.close();
  }
});

test.serial('node:tls client with a certificate at TLS 1.2 x noble server requiring one (RFC 5246 sections 7.4.4, 7.4.6, 7.4.8)', async (t) => {
  const server = await nobleServer({ ...identity('ecdsa'), ca: readFixture('ca.pem'), requestCert: true }, upperCaseEcho);
  try {
    const result = await nodeClient(server.port, { maxVersion: 'TLSv1.2', cert: readFixture('client.pem'), key: readFixture('client-key.pem') });
    t.deepEqual(server.errors, []);
    t.is(result.protocol, 'TLSv1.2');
    t.is(result.reply, 'PING');
    t.true((server.negotiated[0]?.peerCertificates.length ?? 0) >= 1, 'the server saw the client chain');
  } finally {
    server.close();
  }
});

test.serial('node:tls client without a certificate at TLS 1.2 x noble server requiring one: handshake_failure', async (t) => {
  const server = await nobleServer({ ...identity('ecdsa'), ca: readFixture('ca.pem'), requestCert: true }, upperCaseEcho);
  try {
    await t.throwsAsync(nodeClient(server.port, { maxVersion: 'TLSv1.2' }), { message: /handshake failure/i });
    const end = Date.now() + 5000;
    while (server.errors.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    t.is((server.errors[0] as TLSAlertError).alert, 'handshake_failure');
  } finally {
    server.close();
  }
});

test.serial('a node:tls client that offered TLS 1.3 aborts on our downgrade sentinel when a man in the middle strips supported_versions (RFC 8446 section 4.1.3)', async (t) => {
  const server = await nobleServer({ ...identity('ecdsa') }, upperCaseEcho);
  // The attacker: rewrites the first ClientHello without supported_versions, so our server picks TLS 1.2.
  const proxy = net.createServer((inbound) => {
    const outbound = net.connect(server.port, '127.0.0.1');
    let buffered = Buffer.alloc(0);
    let rewritten = false;
    inbound.on('data', (chunk: Buffer) => {
      if (rewritten) return void outbound.write(chunk);
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 5 || buffered.length < 5 + buffered.readUInt16BE(3)) return;
      const hello = decodeClientHello(new Uint8Array(buffered.subarray(9, 5 + buffered.readUInt16BE(3))));
      const stripped = encodeClientHello({ ...hello, extensions: hello.extensions.filter((e) => e.type !== ExtensionType.supported_versions) });
      outbound.write(inRecords(frameHandshake(1, stripped).raw, 16384));
      rewritten = true;
    });
    outbound.pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.on('close', () => outbound.destroy());
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  try {
    const port = (proxy.address() as net.AddressInfo).port;
    await t.throwsAsync(nodeClient(port, {}), { message: /inappropriate fallback|illegal parameter|downgrade/i });
  } finally {
    proxy.close();
    server.close();
  }
});

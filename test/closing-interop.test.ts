/**
 * Closing (RFC 8446 section 6.1) against real peers over TCP, for the noble and node-tls
 * backends: a node:tls peer that half-closes (our reply after its close_notify still
 * arrives), a node:tls peer that ends TCP without close_notify (TruncationError), our
 * client half-closing towards a node:tls server, and `openssl s_client` sending its
 * close_notify (and FIN) while our server still writes.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { NodeTLSService } from '../adapters/node-tls/index.js';
import { NobleTLSService } from '../adapters/noble/service.js';
import { Connection } from '../src/connection.js';
import { TruncationError } from '../src/errors.js';
import { Listener } from '../src/listener.js';
import { connectTCP } from '../src/raw/tcp.js';
import type { TLSService } from '../src/tls-service.js';
import { localhostECDSA, testCA } from './fixtures/certs.js';

const backends: Record<string, () => TLSService> = {
  noble: () => new NobleTLSService(),
  'node-tls': () => new NodeTLSService(),
};
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A Listener of `backend` handing out the first negotiated connection. */
async function listen(backend: string): Promise<{ listener: Listener; port: number; first: Promise<Connection> }> {
  const listener = await Listener.listen({ port: 0, createService: backends[backend]!, configuration: localhostECDSA });
  return { listener, port: listener.address().port, first: listener.accept() };
}

/** Reads a Connection until the empty read (the peer's close_notify). */
async function readToEnd(connection: Connection): Promise<string> {
  let text = '';
  for (;;) {
    const bytes = await connection.receiveBytes(65536);
    if (bytes.length === 0) return text;
    text += decoder.decode(bytes);
  }
}

for (const backend of Object.keys(backends)) {
  test(`[node:tls client x ${backend} server] the client half-closes; our reply written after its close_notify arrives`, async (t) => {
    const { listener, port, first } = await listen(backend);
    try {
      const client = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: testCA, allowHalfOpen: true } as tls.ConnectionOptions);
      await once(client, 'secureConnect');
      const reply = (async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of client) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks).toString();
      })();
      client.end('request'); // close_notify and FIN
      const server = await first;
      t.is(await readToEnd(server), 'request');
      await delay(20);
      await server.sendBytes(encoder.encode('reply after your close_notify'));
      await server.close();
      t.is(await reply, 'reply after your close_notify');
    } finally {
      await listener.close();
    }
  });

  test(`[node:tls client x ${backend} server] TCP ended without close_notify: TruncationError`, async (t) => {
    const { listener, port, first } = await listen(backend);
    try {
      const tcp = net.connect({ host: '127.0.0.1', port });
      await once(tcp, 'connect');
      const client = tls.connect({ socket: tcp, servername: 'localhost', ca: testCA });
      await once(client, 'secureConnect');
      client.write('partial');
      const server = await first;
      t.is(decoder.decode(await server.receiveBytes(100)), 'partial');
      tcp.end(); // FIN under the TLS layer: no close_notify
      await t.throwsAsync(server.receiveBytes(100), { instanceOf: TruncationError });
      client.destroy();
      await server.close();
    } finally {
      await listener.close();
    }
  });

  test(`[${backend} client x node:tls server] we half-close; the server's later reply arrives, then its close_notify`, async (t) => {
    const server = tls.createServer({ ...localhostECDSA, allowHalfOpen: true }, (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => {
        setTimeout(() => socket.end(`you said ${Buffer.concat(chunks).toString()}`), 20);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const raw = await connectTCP({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
      const connection = await Connection.toServer(raw, { service: backends[backend]!(), servername: 'localhost', ca: testCA });
      await connection.sendBytes(encoder.encode('hello'));
      await connection.shutdownWrite();
      t.is(await readToEnd(connection), 'you said hello');
      await connection.close();
    } finally {
      server.close();
    }
  });

  test(`[openssl s_client x ${backend} server] s_client's close_notify and FIN, then our server still writes without error`, async (t) => {
    const { listener, port, first } = await listen(backend);
    try {
      const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-quiet', '-no_ign_eof'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', (error) => (stderr += `${error.message} (apt-get install openssl)`));
      const server = await first;
      child.stdin.end('from s_client\n'); // at the end of its input s_client sends close_notify, shuts its write side, reads 0.5 s
      t.is(await readToEnd(server), 'from s_client\n', stderr);
      await delay(20);
      await server.sendBytes(encoder.encode('still talking\n')); // the peer's close_notify closed only its direction
      await server.close();
      await once(child, 'close');
    } finally {
      await listener.close();
    }
  });
}

test('[node-tls x node-tls, TLS 1.2] close_notify and a bare TCP end are told apart there too', async (t) => {
  for (const ending of ['close_notify', 'bare end'] as const) {
    const listener = await Listener.listen({ port: 0, createService: backends['node-tls']!, configuration: { ...localhostECDSA, maxVersion: 'TLSv1.2' } });
    try {
      const accepted = listener.accept();
      const raw = await connectTCP({ host: '127.0.0.1', port: listener.address().port });
      const client = await Connection.toServer(raw, { service: new NodeTLSService(), servername: 'localhost', ca: testCA, maxVersion: 'TLSv1.2' });
      t.is(client.negotiated.protocol, 'TLSv1.2');
      const server = await accepted;
      await server.sendBytes(encoder.encode('data'));
      if (ending === 'close_notify') await server.shutdownWrite();
      else await server.rawConnection.close();
      t.is(decoder.decode(await client.receiveBytes(100)), 'data');
      if (ending === 'close_notify') t.is((await client.receiveBytes(100)).length, 0);
      else await t.throwsAsync(client.receiveBytes(100), { instanceOf: TruncationError });
      await client.close();
      await server.close();
    } finally {
      await listener.close();
    }
  }
});

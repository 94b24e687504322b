/** Tests of Listener: for-await and accept(), failed handshakes reported, close ends iteration. */
import test from 'ava';
import { NodeTLSService } from '../adapters/node-tls/index.js';
import { Connection } from '../src/connection.js';
import { ConnectionClosedError, TLSServiceError } from '../src/errors.js';
import { Listener } from '../src/listener.js';
import { CountingRawConnection } from '../src/raw/counting.js';
import { connectTCP } from '../src/raw/tcp.js';
import { localhostECDSA, testCA } from './fixtures/certs.js';

const client = { ca: testCA, servername: 'localhost' };

async function dial(port: number): Promise<Connection> {
  return Connection.toServer(await connectTCP({ host: '127.0.0.1', port }), { ...client, service: new NodeTLSService() });
}

test('yields negotiated connections; a failed handshake is reported and does not stop it', async (t) => {
  const errors: Error[] = [];
  const wrapped: CountingRawConnection[] = [];
  const listener = await Listener.listen({
    port: 0,
    createService: () => new NodeTLSService(),
    configuration: localhostECDSA,
    onError: (error) => errors.push(error),
    wrapRaw: (raw) => {
      const counted = new CountingRawConnection(raw);
      wrapped.push(counted);
      return counted;
    },
  });
  const { port } = listener.address();
  const served = (async () => {
    const seen: string[] = [];
    for await (const connection of listener) {
      const bytes = await connection.receiveBytes(100);
      seen.push(Buffer.from(bytes).toString());
      await connection.sendBytes(bytes);
      await connection.close();
      if (seen.length === 2) break;
    }
    return seen;
  })();

  // A client that speaks garbage first: the listener reports it and keeps going.
  const garbage = await connectTCP({ host: '127.0.0.1', port });
  await garbage.sendBytes(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
  for (const name of ['first', 'second']) {
    const connection = await dial(port);
    await connection.sendBytes(Buffer.from(name));
    t.is(Buffer.from(await connection.receiveBytes(100)).toString(), name);
    await connection.close();
  }
  t.deepEqual(await served, ['first', 'second']);
  await garbage.close();
  t.true(errors.length >= 1 && errors.every((e) => e instanceof TLSServiceError), errors.map(String).join('; '));
  t.true(wrapped.length >= 3 && wrapped.some((w) => w.writes.length > 0), 'wrapRaw saw every connection');
  await listener.close();
  await listener.close();
  await t.throwsAsync(listener.accept(), { instanceOf: ConnectionClosedError });
});

test('accept() and the connection event; close() ends a pending iteration', async (t) => {
  const listener = await Listener.listen({ port: 0, createService: () => new NodeTLSService(), configuration: localhostECDSA });
  const { port } = listener.address();
  const accepted = listener.accept();
  const first = await dial(port);
  const server = await accepted;
  t.is(server.negotiated.backend, 'node-tls');
  await Promise.all([first.close(), server.close()]);

  const viaEvent = new Promise<Connection>((resolve) => listener.once('connection', resolve));
  const second = await dial(port);
  const evented = await viaEvent;
  t.is(evented.negotiated.protocol, second.negotiated.protocol);
  await Promise.all([second.close(), evented.close()]);

  const iteration = (async () => {
    let n = 0;
    for await (const _ of listener) n++;
    return n;
  })();
  await listener.close();
  t.is(await iteration, 0, 'iteration ends when the listener closes');
});

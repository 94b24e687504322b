/**
 * createServer's node-server shape on every backend: listen/address/listening/close
 * events, 'tlsClientError' for a failed handshake without harm to other clients, the
 * socket's TLS facts in handlers, and node:http's keep-alive timeout.
 */
import test from 'ava';
import net from 'node:net';
import { BACKEND_NAMES } from '../../src/di/container.js';
import { createServer, openClientSocket } from '../../src/http/index.js';
import { clientConfigurationFrom } from '../../src/http/tls-options.js';
import { encrypts, run, startServer, testCAFile, testContainer } from './helpers.js';

for (const backend of BACKEND_NAMES) {
  test(`${backend}: listen, address, listening, close and their events behave like a node server`, async (t) => {
    const server = createServer({ container: testContainer(backend) }, (_request, response) => response.end('ok'));
    t.false(server.listening);
    t.is(server.address(), null);
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
    t.true(server.listening);
    const address = server.address()!;
    t.is(address.address, '127.0.0.1');
    t.true(address.port > 0);
    const again = await new Promise<NodeJS.ErrnoException>((resolve) => {
      server.once('error', resolve);
      server.listen(0);
    });
    t.is(again.code, 'ERR_SERVER_ALREADY_LISTEN');
    const closeEvent = new Promise<void>((resolve) => server.once('close', () => resolve()));
    await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    await closeEvent;
    t.false(server.listening);
    const notRunning = await new Promise<Error | undefined>((resolve) => server.close(resolve));
    t.is((notRunning as NodeJS.ErrnoException | undefined)?.code, 'ERR_SERVER_NOT_RUNNING');
  });

  test(`${backend}: the request's socket tells what was negotiated`, async (t) => {
    const running = await startServer(backend, (request, response) => {
      const socket = request.socket as net.Socket & { encrypted?: boolean; alpnProtocol?: string | false };
      response.end(JSON.stringify({ encrypted: socket.encrypted, alpn: socket.alpnProtocol, peer: socket.remoteAddress }));
    });
    try {
      const result = await run('curl', ['-sS', '--cacert', testCAFile, `${running.url}/`]);
      t.is(result.code, 0, result.stderr);
      t.deepEqual(JSON.parse(result.stdout), {
        encrypted: encrypts(backend),
        alpn: encrypts(backend) ? 'http/1.1' : false,
        peer: '127.0.0.1',
      });
    } finally {
      await running.close();
    }
  });

  test(`${backend}: an idle keep-alive connection is ended after keepAliveTimeout`, async (t) => {
    const running = await startServer(backend, (_request, response) => response.end('ok'));
    running.server.keepAliveTimeout = 100;
    const container = testContainer(backend);
    const socket = await openClientSocket({ host: 'localhost', port: running.port }, container, clientConfigurationFrom({ container }));
    try {
      socket.resume();
      const ended = new Promise<number>((resolve) => socket.once('end', () => resolve(Date.now())));
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
      const started = Date.now();
      const elapsed = (await ended) - started;
      // node:http adds one second to the advertised timeout before it ends the connection.
      t.true(elapsed >= 1000 && elapsed < 4000, `ended after ${elapsed} ms`);
    } finally {
      socket.destroy();
      await running.close();
    }
  });
}

for (const backend of BACKEND_NAMES.filter(encrypts)) {
  test(`${backend}: a failed handshake emits tlsClientError and the server keeps serving`, async (t) => {
    const running = await startServer(backend, (_request, response) => response.end('still here'));
    try {
      const reported = new Promise<[Error, { remoteAddress?: string }]>((resolve) =>
        running.server.once('tlsClientError', (error: Error, peer: { remoteAddress?: string }) => resolve([error, peer])),
      );
      const garbage = net.connect(running.port, '127.0.0.1', () => garbage.end('this is not a ClientHello\r\n\r\n'));
      garbage.on('error', () => undefined);
      garbage.resume();
      const [error, peer] = await reported;
      t.log(`tlsClientError: ${error.name}: ${error.message}`);
      t.true(error instanceof Error);
      t.is(typeof peer, 'object');
      const result = await run('curl', ['-sS', '--cacert', testCAFile, `${running.url}/`]);
      t.is(result.stdout, 'still here');
    } finally {
      await running.close();
    }
  });
}

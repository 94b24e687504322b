/**
 * One way to configure: the configuration a container binds reaches `Connection` and
 * `Listener` (through the container's TLSService binding), the noble backend runs on
 * node:crypto by default (`crypto: 'noble'` forces pure TypeScript), and the HTTP
 * plug-ins work without a container (`backend` names one).
 */
import test from 'ava';
import https from 'node:https';
import { Agent, fetch } from 'undici';
import { Connection } from '../../src/connection.js';
import { createContainer, serviceFrom } from '../../src/di/container.js';
import { TLSServiceAgent, createServer, undiciConnector } from '../../src/http/index.js';
import { Listener } from '../../src/listener.js';
import { connectTCP } from '../../src/raw/tcp.js';
import type { AddressInfo } from 'node:net';
import { localhostECDSA, testCA } from '../fixtures/certs.js';

test('Connection and Listener negotiate with the configuration bound in the container', async (t) => {
  const container = createContainer('noble', {
    client: { ca: testCA, servername: 'localhost', ALPNProtocols: ['x/1'] },
    server: { cert: localhostECDSA.cert, key: localhostECDSA.key, ALPNProtocols: ['x/1'] },
  });
  const listener = await Listener.listen({ port: 0, createService: () => serviceFrom(container), configuration: {} });
  try {
    const accepted = listener.accept();
    const raw = await connectTCP({ host: '127.0.0.1', port: listener.address().port });
    const client = await Connection.toServer(raw, { service: serviceFrom(container) });
    const server = await accepted;
    t.is(client.negotiated.alpnProtocol, 'x/1');
    t.is(server.negotiated.servername, 'localhost');
    await client.close();
    await server.close();
  } finally {
    await listener.close();
  }
});

test("noble runs on node:crypto by default; crypto: 'noble' forces the pure-TypeScript provider", async (t) => {
  for (const [options, expected] of [[{}, 'node'], [{ crypto: 'noble' as const }, 'noble']] as const) {
    const container = createContainer('noble', { ...options, client: { ca: testCA }, server: localhostECDSA });
    const listener = await Listener.listen({ port: 0, createService: () => serviceFrom(container), configuration: {} });
    try {
      const accepted = listener.accept();
      const raw = await connectTCP({ host: '127.0.0.1', port: listener.address().port });
      const client = await Connection.toServer(raw, { service: serviceFrom(container), servername: 'localhost' });
      t.is(client.negotiated.cryptoProvider, expected);
      await client.close();
      await (await accepted).close();
    } finally {
      await listener.close();
    }
  }
});

test('createServer, TLSServiceAgent and undiciConnector work without a container', async (t) => {
  const server = createServer({ backend: 'noble', key: localhostECDSA.key, cert: localhostECDSA.cert }, (req, res) => res.end(`hi ${req.url}`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const agent = new TLSServiceAgent({ ca: testCA });
    const body = await new Promise<string>((resolve, reject) => {
      https.get(`https://localhost:${port}/agent`, { agent }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk));
        response.on('end', () => resolve(text));
      }).on('error', reject);
    });
    t.is(body, 'hi /agent');
    agent.destroy();
    const dispatcher = new Agent({ connect: undiciConnector({ backend: 'node-tls', ca: testCA }) });
    t.is(await (await fetch(`https://localhost:${port}/undici`, { dispatcher })).text(), 'hi /undici');
    await dispatcher.close();
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

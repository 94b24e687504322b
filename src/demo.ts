/**
 * `npm run demo`: makes a development CA and a localhost certificate in pure TypeScript,
 * starts a Listener on 127.0.0.1 for each TLS backend, connects a client, exchanges a
 * message, and prints what was negotiated and the IO calls each side made.
 */
import { createContainer, serviceFrom, BACKEND_NAMES, type BackendName } from './di/container.js';
import { Connection } from './connection.js';
import { Listener } from './listener.js';
import { connectTCP } from './raw/tcp.js';
import { CountingRawConnection } from './raw/counting.js';
import { createDevelopmentCA, issueCertificate } from './x509/index.js';
import { describeChain, describeParameters } from './cli/describe.js';

const ca = createDevelopmentCA({ commonName: 'tlsservice demo CA' });
const leaf = issueCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Runs one exchange on `backend` and prints what happened. */
async function demo(backend: BackendName): Promise<void> {
  const container = createContainer(backend, {
    server: { cert: leaf.pem, key: leaf.privateKeyPem, ALPNProtocols: ['demo/1'] },
    client: { ca: ca.pem, servername: 'localhost', ALPNProtocols: ['demo/1'] },
  });
  const serverCalls: CountingRawConnection[] = [];
  const listener = await Listener.listen({
    port: 0,
    createService: () => serviceFrom(container),
    configuration: { cert: leaf.pem, key: leaf.privateKeyPem, ALPNProtocols: ['demo/1'] },
    wrapRaw: (raw) => {
      const counted = new CountingRawConnection(raw);
      serverCalls.push(counted);
      return counted;
    },
  });
  const served = (async () => {
    const connection = await listener.accept();
    const request = await connection.receiveBytes(1024);
    await connection.sendBytes([encoder.encode('hello, '), request]);
    const end = await connection.receiveBytes(1024); // the client's close_notify
    await connection.close();
    return { negotiated: connection.negotiated, sawClose: end.length === 0 };
  })();

  const { port } = listener.address();
  const clientRaw = new CountingRawConnection(await connectTCP({ host: '127.0.0.1', port }));
  const client = await Connection.toServer(clientRaw, { service: serviceFrom(container), ca: ca.pem, servername: 'localhost', ALPNProtocols: ['demo/1'] });
  await client.sendBytes(encoder.encode(backend));
  const reply = decoder.decode(await client.receiveBytes(1024));
  await client.close();
  const server = await served;
  await listener.close();

  const serverRaw = serverCalls[0]!;
  console.log(`\n=== ${backend} ===`);
  console.log(`client sent "${backend}", server answered "${reply}"; server saw close_notify: ${server.sawClose}`);
  console.log('client negotiated:');
  for (const line of [...describeParameters(client.negotiated), ...describeChain(client.negotiated.peerCertificates)]) console.log(`  ${line}`);
  console.log(`IO calls: client ${clientRaw.calls.length} (${clientRaw.writes.length} writes, ${clientRaw.reads.length} reads), ` +
    `server ${serverRaw.calls.length} (${serverRaw.writes.length} writes, ${serverRaw.reads.length} reads), total ${clientRaw.calls.length + serverRaw.calls.length}`);
}

for (const backend of BACKEND_NAMES) {
  await demo(backend);
}

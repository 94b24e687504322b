/**
 * SentChainRecorder: the peer's Certificate message (RFC 8446 section 4.4.2; RFC 5246
 * section 7.4.2) read from the handshake bytes node:tls receives, and its limit: past
 * MAX_SENT_CHAIN_CAPTURE bytes it keeps nothing and reports no chain (the backend then
 * falls back to OpenSSL's).
 */
import test from 'ava';
import tls from 'node:tls';
import { RawConnectionDuplex } from '../../adapters/node-tls/raw-duplex.js';
import { SentChainRecorder } from '../../adapters/node-tls/sent-chain.js';
import { memoryPair } from '../../src/raw/memory.js';
import { createDevelopmentCA, issueCertificate } from '../../src/x509/index.js';

const root = createDevelopmentCA({ commonName: 'Recorder Root' });
const intermediate = issueCertificate(root, { commonName: 'Recorder Intermediate', isCA: true });
const leaf = issueCertificate(intermediate, { dnsNames: ['localhost'] });
const extra = createDevelopmentCA({ commonName: 'Recorder Extra' });

async function recorded(maxVersion: 'TLSv1.2' | 'TLSv1.3', limit?: number): Promise<Uint8Array[] | undefined> {
  const [clientRaw, serverRaw] = memoryPair({ name: 'recorder' });
  const server = new tls.TLSSocket(new RawConnectionDuplex(serverRaw), {
    isServer: true,
    secureContext: tls.createSecureContext({ key: leaf.privateKeyPem, cert: leaf.pem + extra.pem + intermediate.pem, maxVersion }),
  });
  server.on('error', () => undefined);
  const duplex = new RawConnectionDuplex(clientRaw);
  const client = tls.connect({ socket: duplex, ca: root.pem, servername: 'localhost', maxVersion } as tls.ConnectionOptions);
  const recorder = new SentChainRecorder(duplex, client, 'server', limit);
  await new Promise<void>((resolve, reject) => client.once('secureConnect', resolve).once('error', reject));
  const chain = recorder.finish();
  client.destroy();
  server.destroy();
  return chain;
}

const hex = (chain: readonly Uint8Array[] | undefined) => chain?.map((der) => Buffer.from(der).toString('hex'));

for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
  test(`${version}: the chain as sent, unrelated certificate and order kept`, async (t) => {
    t.deepEqual(hex(await recorded(version)), hex([leaf.der, extra.der, intermediate.der]));
  });

  test(`${version}: past the capture limit nothing is kept and no chain is reported`, async (t) => {
    t.is(await recorded(version, 256), undefined);
  });
}

/**
 * `negotiated.peerCertificates` is the chain exactly as the peer sent it (RFC 8446 section
 * 4.4.2: leaf first, then whatever the peer added, in its order, unrelated certificates
 * included), and `negotiated.verifiedChain` the path the backend verified (leaf to trust
 * anchor), on every TLS pairing and in both roles; TLS 1.2 too where both ends speak it
 * (RFC 5246 section 7.4.2).
 *
 * One exception, by design: node-tls over plain TCP takes node:tls's native path, where
 * OpenSSL reads the socket in C++ and the handshake bytes never reach JS, so its
 * peerCertificates is OpenSSL's linked chain (the leaf, the sent certificates that issued
 * one another, then the anchor when the store has it): unrelated extras are dropped.
 */
import test, { type ExecutionContext } from 'ava';
import type { Connection } from '../src/connection.js';
import type { NegotiatedParameters } from '../src/tls-service.js';
import { createDevelopmentCA, issueCertificate, type DevelopmentCertificate } from '../src/x509/index.js';
import { connectedPair, within } from './harness.js';
import { pairings, pairingTitle } from './pairings.js';

const root = createDevelopmentCA({ commonName: 'Chain Root' });
const intermediate = issueCertificate(root, { commonName: 'Chain Intermediate', isCA: true });
const serverLeaf = issueCertificate(intermediate, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
const clientLeaf = issueCertificate(intermediate, { commonName: 'chain client', dnsNames: ['client.test'], extKeyUsage: ['clientAuth'] });
/** A certificate that has nothing to do with the path (another CA's root). */
const unrelated = createDevelopmentCA({ commonName: 'Unrelated Root' });

/** `cert`/`key` sending `certificates` in this order (the key is the first one's). */
function sending(...certificates: DevelopmentCertificate[]): { cert: string; key: string } {
  return { cert: certificates.map((c) => c.pem).join(''), key: certificates[0]!.privateKeyPem };
}

const hex = (chain: readonly Uint8Array[] | undefined) => chain?.map((der) => Buffer.from(der).toString('hex').slice(-24));

function assertChains(
  t: ExecutionContext,
  negotiated: NegotiatedParameters,
  sent: DevelopmentCertificate[],
  verified: DevelopmentCertificate[] | undefined,
  who: string,
  native = false,
): void {
  if (native) {
    const linked = verified ?? sent.filter((c) => c !== unrelated);
    t.deepEqual(hex(negotiated.peerCertificates), hex(linked.map((c) => c.der)), `${who}: peerCertificates is OpenSSL's linked chain (native path)`);
  } else {
    t.deepEqual(hex(negotiated.peerCertificates), hex(sent.map((c) => c.der)), `${who}: peerCertificates is the chain as sent`);
  }
  t.deepEqual(hex(negotiated.verifiedChain), hex(verified?.map((c) => c.der)), `${who}: verifiedChain is the verified path`);
}

async function closeBoth(pair: { client: Connection; server: Connection }): Promise<void> {
  await Promise.all([pair.client.close(), pair.server.close()]);
}

for (const pairing of pairings) {
  const title = (name: string): string => `${pairingTitle(pairing)} ${name}`;
  /** node-tls over TCP runs on node:tls's native path (see the header). */
  const native = (end: 'client' | 'server'): boolean => pairing.transport === 'tcp' && (pairing[end].backend ?? pairing[end].name) === 'node-tls';
  if (!pairing.tls) {
    test.skip(title('peer chains (skipped: no TLS, no certificates)'), () => {});
    continue;
  }

  test(title('server sends leaf, an unrelated certificate, the intermediate: peerCertificates keeps all three in order; verifiedChain is leaf, intermediate, root'), async (t) => {
    const pair = await within(60_000, connectedPair(pairing, {
      client: { ca: root.pem },
      server: sending(serverLeaf, unrelated, intermediate),
    }), 'handshake');
    assertChains(t, pair.client.negotiated, [serverLeaf, unrelated, intermediate], [serverLeaf, intermediate, root], 'client', native('client'));
    assertChains(t, pair.server.negotiated, [], undefined, 'server without requestCert', native('server'));
    await closeBoth(pair);
  });

  test(title('client certificate (requestCert): the server sees the chain as sent and the verified path'), async (t) => {
    const pair = await within(60_000, connectedPair(pairing, {
      client: { ca: root.pem, ...sending(clientLeaf, intermediate, unrelated) },
      server: { ...sending(serverLeaf, intermediate), ca: root.pem, requestCert: true, rejectUnauthorized: true },
    }), 'handshake');
    assertChains(t, pair.server.negotiated, [clientLeaf, intermediate, unrelated], [clientLeaf, intermediate, root], 'server', native('server'));
    assertChains(t, pair.client.negotiated, [serverLeaf, intermediate], [serverLeaf, intermediate, root], 'client', native('client'));
    await closeBoth(pair);
  });

  test(title('rejectUnauthorized: false: peerCertificates as sent, no verifiedChain'), async (t) => {
    const pair = await within(60_000, connectedPair(pairing, {
      client: { rejectUnauthorized: false },
      server: sending(serverLeaf, intermediate, unrelated),
    }), 'handshake');
    assertChains(t, pair.client.negotiated, [serverLeaf, intermediate, unrelated], undefined, 'client', native('client'));
    await closeBoth(pair);
  });

  if (pairing.client.name === 'node-tls' && pairing.server.name === 'node-tls') {
    test(title('TLS 1.2: peerCertificates as sent, verifiedChain the verified path, in both roles'), async (t) => {
      const pair = await within(60_000, connectedPair(pairing, {
        client: { ca: root.pem, maxVersion: 'TLSv1.2', ...sending(clientLeaf, unrelated, intermediate) },
        server: { ...sending(serverLeaf, unrelated, intermediate), ca: root.pem, requestCert: true, maxVersion: 'TLSv1.2' },
      }), 'handshake');
      t.is(pair.client.negotiated.protocol, 'TLSv1.2');
      assertChains(t, pair.client.negotiated, [serverLeaf, unrelated, intermediate], [serverLeaf, intermediate, root], 'client', native('client'));
      assertChains(t, pair.server.negotiated, [clientLeaf, unrelated, intermediate], [clientLeaf, intermediate, root], 'server', native('server'));
      await closeBoth(pair);
    });
  }
}

/**
 * The TLS 1.2 client's second flight (RFC 5246 section 7.3): [Certificate],
 * ClientKeyExchange, [CertificateVerify], ChangeCipherSpec, Finished, queued together so
 * they leave in one write, followed by the first application data when the caller gave
 * it with the handshake (`earlyData`): RFC 7918 False Start, which our suites (ECDHE with
 * an AEAD, the server's ECDHE parameters signed and its chain verified) qualify for.
 */
import { SignatureScheme, type PrivateKey, type SignatureSchemeName } from '../../../src/crypto/provider.js';
import { encodeCertificateVerify, frameHandshake, HandshakeType } from '../codec/handshake.js';
import type { HandshakeContext } from '../handshake-context.js';
import { ClientCertificateType, encodeCertificate12, encodeClientKeyExchange, type CertificateRequest12 } from './messages.js';
import { chooseTls12Scheme, establishSession, sendFinished12, signWith, tls12SignatureSchemes, type Tls12Session } from './session-keys.js';
import type { Tls12ClientKeyExchange } from './client.js';
import type { ClientPolicy } from '../client-hello.js';

/** Queues the client flight and returns the session it established. */
export function sendClientFlight12(ctx: HandshakeContext, hs: Tls12ClientKeyExchange, request: CertificateRequest12 | undefined): Tls12Session {
  const s = hs.policy.settings;
  const send = (type: number, body: Uint8Array) => {
    const message = frameHandshake(type, body);
    hs.transcript.add(message.raw);
    ctx.send(message);
  };
  const scheme = request ? clientSigningScheme(ctx, hs.policy, request) : undefined;
  // Section 7.4.6: asked for a certificate, we send one (or an empty list when none fits the request).
  if (request) send(HandshakeType.certificate, encodeCertificate12(scheme ? s.certificateChain! : []));
  send(HandshakeType.client_key_exchange, encodeClientKeyExchange(hs.ephemeral.share));
  // RFC 7627 section 3: the session hash covers the messages up to and including ClientKeyExchange.
  const session = establishSession(ctx, 'client', hs.suite, hs.preMasterSecret, hs.transcript, hs.clientRandom, hs.serverRandom);
  if (scheme) {
    // Section 7.4.8: CertificateVerify signs every handshake message so far.
    const signature = signWith(ctx, s, s.privateKey!, scheme, hs.transcript.bytes());
    send(HandshakeType.certificate_verify, encodeCertificateVerify({ scheme: SignatureScheme[scheme], signature }));
  }
  ctx.sendChangeCipherSpec();
  ctx.setWriteProtection(session.write);
  sendFinished12(ctx, session, 'client', hs.transcript);
  const data = s.earlyData;
  if (data && data.length > 0) {
    ctx.sendEarlyData(data);
    ctx.outcome.dataWithFinished = data.length;
  }
  return session;
}

/** The certificate type a key signs as in TLS 1.2 (RFC 8422 section 5.5: EdDSA keys are ecdsa_sign). */
function certificateTypeOf(key: PrivateKey): number {
  return key.kind === 'rsa' ? ClientCertificateType.rsa_sign : ClientCertificateType.ecdsa_sign;
}

/** The scheme we sign CertificateVerify with, or undefined when we have no certificate that fits the request. */
function clientSigningScheme(ctx: HandshakeContext, policy: ClientPolicy, request: CertificateRequest12): SignatureSchemeName | undefined {
  const s = policy.settings;
  if (!s.certificateChain?.length || !s.privateKey) return undefined;
  if (!request.certificateTypes.includes(certificateTypeOf(s.privateKey))) return undefined;
  return chooseTls12Scheme(ctx.provider, s.privateKey, tls12SignatureSchemes(policy.signatureSchemes), request.signatureSchemes);
}

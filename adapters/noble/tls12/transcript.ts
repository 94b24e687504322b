/**
 * The TLS 1.2 handshake transcript (RFC 5246 section 7.4.9, RFC 7627 section 3): the
 * running hash with the suite's PRF hash over every handshake message except
 * HelloRequest, and the messages themselves, which a CertificateVerify signs whole.
 */
import type { CryptoProvider, HashContext, HashName } from '../../../src/crypto/provider.js';

/** handshake_messages so far: their hash, and their bytes. */
export class Tls12Transcript {
  private readonly messages: Uint8Array[] = [];
  private readonly context: HashContext;

  constructor(provider: CryptoProvider, hash: HashName, first: readonly Uint8Array[] = []) {
    this.context = provider.hash(hash).create();
    for (const raw of first) this.add(raw);
  }

  /** Adds a framed handshake message. */
  add(raw: Uint8Array): void {
    this.messages.push(raw);
    this.context.update(raw);
  }

  /** Hash(handshake_messages) so far. */
  hash(): Uint8Array {
    return this.context.digest();
  }

  /** The concatenated handshake_messages so far (what a TLS 1.2 CertificateVerify signs). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.messages.reduce((n, m) => n + m.length, 0));
    let offset = 0;
    for (const m of this.messages) {
      out.set(m, offset);
      offset += m.length;
    }
    return out;
  }
}

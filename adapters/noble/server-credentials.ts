/**
 * The server's certificate choice (RFC 8446 section 4.4.2.2): with several certificate/key
 * pairs (e.g. RSA and ECDSA), each full handshake uses one whose key can sign a scheme the
 * client listed in signature_algorithms. ECDSA and EdDSA pairs are tried before RSA (smaller,
 * cheaper signatures), so a client offering only RSA schemes still gets the RSA pair.
 */
import type { CryptoProvider, PrivateKey, SignatureSchemeName } from '../../src/crypto/provider.js';
import { chooseSigningScheme } from './handshake-context.js';
import type { ServerEngineSettings } from './settings.js';

/** A certificate chain (DER, leaf first) with the private key of its leaf. */
export interface ServerCredential {
  readonly certificateChain: readonly Uint8Array[];
  readonly privateKey: PrivateKey;
}

/** The pair a handshake presents and the CertificateVerify scheme it signs with. */
export interface ChosenCredential {
  readonly credential: ServerCredential;
  readonly scheme: SignatureSchemeName;
}

/** Our pairs in the order tried: non-RSA keys first, configuration order otherwise (the sort is stable). Also used by the TLS 1.2 server. */
export function candidates(settings: ServerEngineSettings): ServerCredential[] {
  const all: ServerCredential[] = [settings, ...(settings.additionalCredentials ?? [])];
  return all.length === 1 ? all : [...all].sort((a, b) => Number(a.privateKey.kind === 'rsa') - Number(b.privateKey.kind === 'rsa'));
}

/** The first of our pairs (see `candidates`) with a scheme in `clientSchemes`; undefined when none fits. */
export function chooseCredential(
  provider: CryptoProvider,
  settings: ServerEngineSettings,
  ours: readonly SignatureSchemeName[],
  clientSchemes: readonly number[],
): ChosenCredential | undefined {
  for (const credential of candidates(settings)) {
    const scheme = chooseSigningScheme(provider, credential.privateKey, ours, clientSchemes);
    if (scheme) return { credential, scheme };
  }
  return undefined;
}

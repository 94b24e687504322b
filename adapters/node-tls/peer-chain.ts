/**
 * `PeerChain`: the peer's certificate chain as OpenSSL linked it (the certificates the
 * peer sent, then the trust anchor from the store), built when `negotiated` first asks
 * for it. node:tls builds it with `getPeerCertificate(true)`, whose trust-store lookup
 * costs about a fifth of a whole connection's CPU on the client (docs/node-tls-overhead.md),
 * so a connection that never reads its chain never pays for it. The TLSSocket answers only
 * while it is open: a chain first read after the connection closed is rebuilt from the
 * leaf the handshake kept, the certificates the peer sent when they were read from the
 * handshake (the Duplex path, sent-chain.ts) and the configured trust anchors. On the native
 * path the intermediates a peer sent are known only while the connection is open.
 */
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { certificateList, type CertificateInput } from '../../src/configuration.js';
import { looksLikePem, parsePemBlocks } from '../../src/x509/pem.js';

/** How many certificates a linked chain may hold before we stop following issuer links. */
const MAX_LINKED_CHAIN = 16;

/** The configured trust anchors, parsed once per SecureContext (the default roots once per process). */
const anchorsByContext = new WeakMap<tls.SecureContext, readonly X509Certificate[]>();
let defaultAnchors: readonly X509Certificate[] | undefined;

/** The trust anchors of `context`, built from its `ca` option, as X509Certificates (node:tls's default roots when it is empty). */
export function trustAnchors(context: tls.SecureContext, ca: CertificateInput | undefined): readonly X509Certificate[] {
  const items = certificateList(ca);
  if (items.length === 0) return (defaultAnchors ??= parseAll(tls.rootCertificates));
  let anchors = anchorsByContext.get(context);
  if (!anchors) {
    anchors = parseAll(items.flatMap(splitPem));
    anchorsByContext.set(context, anchors);
  }
  return anchors;
}

/** The chain of one connection's peer. */
export class PeerChain {
  private chain: Uint8Array[] | undefined;

  constructor(
    private readonly socket: tls.TLSSocket,
    /** The leaf (getPeerCertificate(false)), kept for a read after close. */
    private readonly leaf: tls.PeerCertificate,
    /** The trust anchors, asked for only when rebuilding after close. */
    private readonly anchors: () => readonly X509Certificate[],
    /** The certificates the peer sent (leaf first), when the handshake bytes were read (Duplex path). */
    private readonly sent?: readonly Uint8Array[],
  ) {}

  /** DER, leaf first: OpenSSL's linked chain while the socket is open, else the leaf and its anchor. */
  linked(): Uint8Array[] {
    if (this.chain) return this.chain;
    if (!this.leaf.raw) return (this.chain = []);
    const open = (this.socket as unknown as { _handle?: unknown })._handle;
    this.chain = open ? linkedFrom(this.socket.getPeerCertificate(true)) : relinked(this.leaf.raw, this.sent?.slice(1) ?? [], this.anchors());
    return this.chain;
  }
}

/** OpenSSL's chain from `leaf` (node:tls's issuerCertificate links: sent certificates, then the trust store), DER, leaf first, until a self-issued one. */
function linkedFrom(leaf: tls.DetailedPeerCertificate | undefined): Uint8Array[] {
  const chain: Uint8Array[] = [];
  let certificate = leaf;
  while (certificate?.raw && chain.length < MAX_LINKED_CHAIN) {
    chain.push(new Uint8Array(certificate.raw));
    const issuer: tls.DetailedPeerCertificate | undefined = certificate.issuerCertificate;
    if (!issuer || issuer === certificate || issuer.raw?.equals(certificate.raw)) break;
    certificate = issuer;
  }
  return chain;
}

/**
 * The chain OpenSSL links, rebuilt: the leaf, then each sent certificate that issued and
 * signed the one before (as OpenSSL prefers the trust store, an anchor that did is taken
 * first and ends the chain), until a self-issued certificate or no issuer is found.
 */
function relinked(raw: Buffer, sent: readonly Uint8Array[], anchors: readonly X509Certificate[]): Uint8Array[] {
  const chain = [new Uint8Array(raw)];
  const candidates = parseAll(sent);
  let current = new X509Certificate(raw);
  const issued = (issuer: X509Certificate): boolean => current.checkIssued(issuer) && current.verify(issuer.publicKey);
  while (chain.length < MAX_LINKED_CHAIN && !current.checkIssued(current)) {
    const anchor = anchors.find(issued);
    if (anchor) {
      chain.push(new Uint8Array(anchor.raw));
      break;
    }
    const next = candidates.findIndex(issued);
    if (next < 0) break;
    current = candidates.splice(next, 1)[0]!;
    chain.push(new Uint8Array(current.raw));
  }
  return chain;
}

/** The DER of each CERTIFICATE block of a `ca` item in PEM (text or bytes; it may hold several); DER passes as is. */
function splitPem(item: string | Uint8Array): Uint8Array[] {
  if (typeof item !== 'string' && !looksLikePem(item)) return [item];
  try {
    const text = typeof item === 'string' ? item : Buffer.from(item.buffer, item.byteOffset, item.byteLength).toString('latin1');
    return parsePemBlocks(text).flatMap((block) => (block.label === 'CERTIFICATE' ? [block.der] : []));
  } catch {
    return []; // malformed PEM holds no anchor
  }
}

/** The certificates that parse (a CRL or a key in the list is skipped, as OpenSSL's store would not hold it as an anchor). */
function parseAll(items: readonly (string | Uint8Array)[]): X509Certificate[] {
  const parsed: X509Certificate[] = [];
  for (const item of items) {
    try {
      parsed.push(new X509Certificate(typeof item === 'string' ? item : Buffer.from(item.buffer, item.byteOffset, item.byteLength)));
    } catch {
      // not a certificate
    }
  }
  return parsed;
}

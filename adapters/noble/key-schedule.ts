/**
 * The TLS 1.3 key schedule (RFC 8446 section 7): HKDF-Expand-Label, Derive-Secret, the
 * early, handshake and master secrets, traffic keys and IVs, Finished keys, the
 * KeyUpdate successor secret and the resumption PSK. Each function is one line of the
 * RFC's diagram, so it can be checked against RFC 8448 step by step.
 */
import type { CryptoProvider } from '../../src/crypto/provider.js';
import type { CipherSuite } from './suites.js';
import { utf8Bytes } from './codec/utf8.js';

const TLS13_LABEL_PREFIX = 'tls13 ';

/** The encoded `opaque label<7..255>` ("tls13 " + label, length first) of each label used, built once. */
const encodedLabels = new Map<string, Uint8Array>();

function encodedLabel(label: string): Uint8Array {
  let encoded = encodedLabels.get(label);
  if (!encoded) {
    const text = utf8Bytes(TLS13_LABEL_PREFIX + label);
    if (text.length > 255) throw new RangeError('HKDF label longer than 255 bytes');
    encoded = new Uint8Array(1 + text.length);
    encoded[0] = text.length;
    encoded.set(text, 1);
    // Bounded: exporter labels come from the application and may vary.
    if (encodedLabels.size < 64) encodedLabels.set(label, encoded);
  }
  return encoded;
}

/** HKDF-Expand-Label(Secret, Label, Context, Length) (section 7.1): HkdfLabel written directly, no intermediate writer. */
export function hkdfExpandLabel(
  provider: CryptoProvider,
  suite: CipherSuite,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const labelBytes = encodedLabel(label);
  if (context.length > 255) throw new RangeError('HKDF context longer than 255 bytes');
  if (length > 0xffff) throw new RangeError('HKDF-Expand-Label length exceeds a uint16');
  const info = new Uint8Array(2 + labelBytes.length + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info.set(labelBytes, 2);
  info[2 + labelBytes.length] = context.length;
  info.set(context, 3 + labelBytes.length);
  return provider.hkdfExpand(suite.hash, secret, info, length);
}

/** Derive-Secret(Secret, Label, Messages), given Transcript-Hash(Messages) (section 7.1). */
export function deriveSecret(
  provider: CryptoProvider,
  suite: CipherSuite,
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(provider, suite, secret, label, transcriptHash, suite.hashLength);
}

/** A record protection key and IV derived from a traffic secret (section 7.3). */
export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

/** All-zero strings of each hash length (section 7.1's "0"), shared: nothing writes to them. */
const zeroStrings = new Map<number, Uint8Array>();
/** Transcript-Hash("") of each hash function, computed once. */
const emptyHashes = new WeakMap<object, Uint8Array>();

function zerosOf(length: number): Uint8Array {
  let zeros = zeroStrings.get(length);
  if (!zeros) zeroStrings.set(length, (zeros = new Uint8Array(length)));
  return zeros;
}

function emptyHashOf(provider: CryptoProvider, suite: CipherSuite): Uint8Array {
  const hash = provider.hash(suite.hash);
  let digest = emptyHashes.get(hash);
  if (!digest) emptyHashes.set(hash, (digest = hash.digest(new Uint8Array(0))));
  return digest;
}

/**
 * The secrets of one handshake, computed stage by stage as the handshake advances. Each
 * stage's secret is dropped once the next one is derived from it, so an established
 * connection keeps none of them (only its traffic and exporter secrets, held elsewhere).
 */
/**
 * Without a PSK the Early Secret is HKDF-Extract(0, 0) and the salt of the Handshake Secret
 * Derive-Secret(Early Secret, "derived", ""): constants of the hash function (public values),
 * computed once per provider and hash instead of twice per full handshake.
 */
const noPskSecrets = new WeakMap<CryptoProvider, Map<string, { early: Uint8Array; handshakeSalt: Uint8Array }>>();

function noPskSecretsOf(provider: CryptoProvider, suite: CipherSuite): { early: Uint8Array; handshakeSalt: Uint8Array } {
  let perHash = noPskSecrets.get(provider);
  if (!perHash) noPskSecrets.set(provider, (perHash = new Map()));
  let secrets = perHash.get(suite.hash);
  if (!secrets) {
    const zeros = zerosOf(suite.hashLength);
    const early = provider.hkdfExtract(suite.hash, zeros, zeros);
    secrets = { early, handshakeSalt: deriveSecret(provider, suite, early, 'derived', emptyHashOf(provider, suite)) };
    perHash.set(suite.hash, secrets);
  }
  return secrets;
}

export class KeySchedule {
  private early: Uint8Array | undefined;
  /** True when the early secret is the no-PSK constant. */
  private readonly withoutPsk: boolean;
  /** Handshake Secret, after `deriveHandshakeSecret` (until `deriveMasterSecret`). */
  handshakeSecret: Uint8Array | undefined;
  /** Master Secret, after `deriveMasterSecret` (until `resumptionMasterSecret`, its last use). */
  masterSecret: Uint8Array | undefined;

  constructor(private readonly provider: CryptoProvider, readonly suite: CipherSuite, psk?: Uint8Array) {
    this.withoutPsk = psk === undefined;
    // A copy of the constant: whoever wipes this schedule's secrets must not wipe the shared one.
    this.early = psk === undefined ? noPskSecretsOf(provider, suite).early.slice() : provider.hkdfExtract(suite.hash, zerosOf(suite.hashLength), psk);
  }

  /** Early Secret = HKDF-Extract(0, PSK or 0). */
  get earlySecret(): Uint8Array {
    return this.required(this.early, 'early secret');
  }

  /** Derive-Secret(secret, label, transcriptHash) under this suite. */
  derive(secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
    return deriveSecret(this.provider, this.suite, secret, label, transcriptHash);
  }

  /** HKDF-Expand-Label under this suite. */
  expandLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
    return hkdfExpandLabel(this.provider, this.suite, secret, label, context, length);
  }

  /** binder_key = Derive-Secret(Early Secret, "res binder", "") (resumption PSKs, section 7.1). */
  resumptionBinderKey(): Uint8Array {
    return this.derive(this.earlySecret, 'res binder', emptyHashOf(this.provider, this.suite));
  }

  /** client_early_traffic_secret = Derive-Secret(Early Secret, "c e traffic", ClientHello) (section 7.1). */
  clientEarlyTrafficSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.derive(this.earlySecret, 'c e traffic', clientHelloHash);
  }

  /** Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE). */
  deriveHandshakeSecret(sharedSecret: Uint8Array): Uint8Array {
    const salt = this.withoutPsk
      ? noPskSecretsOf(this.provider, this.suite).handshakeSalt
      : this.derive(this.earlySecret, 'derived', emptyHashOf(this.provider, this.suite));
    this.handshakeSecret = this.provider.hkdfExtract(this.suite.hash, salt, sharedSecret);
    // The early secret stays: a server that defers its 0-RTT decision (anti-replay) derives
    // client_early_traffic_secret from it after this point.
    return this.handshakeSecret;
  }

  /** client_handshake_traffic_secret and server_handshake_traffic_secret, over ClientHello..ServerHello. */
  handshakeTrafficSecrets(helloHash: Uint8Array): { client: Uint8Array; server: Uint8Array } {
    const hs = this.required(this.handshakeSecret, 'handshake secret');
    return { client: this.derive(hs, 'c hs traffic', helloHash), server: this.derive(hs, 's hs traffic', helloHash) };
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0). */
  deriveMasterSecret(): Uint8Array {
    const salt = this.derive(this.required(this.handshakeSecret, 'handshake secret'), 'derived', emptyHashOf(this.provider, this.suite));
    this.masterSecret = this.provider.hkdfExtract(this.suite.hash, salt, zerosOf(this.suite.hashLength));
    this.handshakeSecret = undefined;
    return this.masterSecret;
  }

  /** client/server_application_traffic_secret_0 and exporter_master_secret, over ClientHello..server Finished. */
  applicationTrafficSecrets(serverFinishedHash: Uint8Array): { client: Uint8Array; server: Uint8Array; exporter: Uint8Array } {
    const ms = this.required(this.masterSecret, 'master secret');
    return {
      client: this.derive(ms, 'c ap traffic', serverFinishedHash),
      server: this.derive(ms, 's ap traffic', serverFinishedHash),
      exporter: this.derive(ms, 'exp master', serverFinishedHash),
    };
  }

  /** resumption_master_secret, over ClientHello..client Finished: the master secret's last use, so it (and the early secret) is dropped. */
  resumptionMasterSecret(clientFinishedHash: Uint8Array): Uint8Array {
    const secret = this.derive(this.required(this.masterSecret, 'master secret'), 'res master', clientFinishedHash);
    this.masterSecret = undefined;
    this.early = undefined; // past the client Finished no early secret is derived from
    return secret;
  }

  /** The PSK a NewSessionTicket with `nonce` stands for (section 4.6.1). */
  resumptionPsk(resumptionMasterSecret: Uint8Array, nonce: Uint8Array): Uint8Array {
    return this.expandLabel(resumptionMasterSecret, 'resumption', nonce, this.suite.hashLength);
  }

  /** [sender]_write_key and [sender]_write_iv from a traffic secret (section 7.3). */
  trafficKeys(secret: Uint8Array): TrafficKeys {
    return {
      key: this.expandLabel(secret, 'key', new Uint8Array(0), this.suite.keyLength),
      iv: this.expandLabel(secret, 'iv', new Uint8Array(0), 12),
    };
  }

  /** verify_data = HMAC(finished_key, Transcript-Hash) with finished_key from `baseKey` (section 4.4.4). */
  finishedVerifyData(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    const finishedKey = this.expandLabel(baseKey, 'finished', new Uint8Array(0), this.suite.hashLength);
    return this.provider.hmac(this.suite.hash, finishedKey, transcriptHash);
  }

  /** application_traffic_secret_N+1 (section 7.2). */
  nextApplicationSecret(secret: Uint8Array): Uint8Array {
    return this.expandLabel(secret, 'traffic upd', new Uint8Array(0), this.suite.hashLength);
  }

  private required(v: Uint8Array | undefined, what: string): Uint8Array {
    if (!v) throw new Error(`key schedule: ${what} is not derived yet`);
    return v;
  }
}

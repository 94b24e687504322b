/**
 * Credentials as node:tls takes them (`key`, `cert`, `pfx`, `passphrase`, `ca`), checked
 * and decoded at the Node edge with node:crypto, so every backend gets plain PEM: keys
 * decrypted to PKCS#8, PKCS#12 bundles unpacked (node-forge), certificates parsed, and a
 * key that does not match its certificate refused before anything listens.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { ConfigurationError } from '../errors.js';

/** A key as node:tls takes it in a list: PEM text or bytes, with its own passphrase. */
export interface KeyEntry {
  readonly pem: string | Uint8Array;
  readonly passphrase?: string | undefined;
}

/** A PKCS#12 bundle in a list, with its own passphrase. */
export interface PfxEntry {
  readonly buf: string | Uint8Array;
  readonly passphrase?: string | undefined;
}

/** PEM text or bytes (a Buffer is a Uint8Array). */
export type PemInput = string | Uint8Array;

/** The credential options of node:tls. */
export interface CredentialOptions {
  key?: PemInput | readonly (PemInput | KeyEntry)[] | undefined;
  cert?: PemInput | readonly PemInput[] | undefined;
  pfx?: PemInput | readonly (PemInput | PfxEntry)[] | undefined;
  passphrase?: string | undefined;
  ca?: PemInput | readonly PemInput[] | undefined;
}

/** A certificate chain (PEM, leaf first) with its decrypted private key (PKCS#8 PEM). */
export interface Identity {
  readonly cert: string[];
  readonly key: string;
}

/** What `loadCredentials` found: our identity (if any) and the trust anchors (if given), all PEM. */
export interface Credentials {
  readonly identity: Identity | undefined;
  readonly ca: string[] | undefined;
}

/** Decodes and checks node:tls credential options; throws ConfigurationError naming the option at fault. */
export function loadCredentials(options: CredentialOptions): Credentials {
  const identities: Identity[] = [];
  for (const entry of listOf('pfx', options.pfx)) identities.push(unpackPfx(entry, options.passphrase));
  const keys = listOf('key', options.key);
  const certs = listOf('cert', options.cert).map((input, i) => certificatesIn(`cert${indexSuffix(options.cert, i)}`, input));
  if (keys.length > 0 || certs.length > 0) {
    if (keys.length === 0) throw new ConfigurationError('cert was given without key');
    if (certs.length === 0) throw new ConfigurationError('key was given without cert');
    if (keys.length > 1) {
      throw new ConfigurationError('several key/certificate pairs (e.g. RSA and ECDSA) are not supported yet: give one key');
    }
    const key = privateKeyFrom('key', keys[0]!, options.passphrase);
    identities.push(checkedIdentity(certs.flat(), key, 'key'));
  }
  if (identities.length > 1) throw new ConfigurationError('give one identity: key/cert or one pfx, not several');
  const ca = options.ca === undefined ? undefined : listOf('ca', options.ca).flatMap((input, i) => certificatesIn(`ca${indexSuffix(options.ca, i)}`, input));
  return { identity: identities[0], ca };
}

function indexSuffix(option: unknown, index: number): string {
  return Array.isArray(option) ? `[${index}]` : '';
}

function listOf<T>(name: string, value: T | readonly T[] | undefined): T[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
  for (const [i, item] of list.entries()) {
    const ok =
      typeof item === 'string' ||
      item instanceof Uint8Array ||
      (item !== null && typeof item === 'object' && ('pem' in item || 'buf' in item));
    if (!ok) {
      throw new ConfigurationError(`${name}${Array.isArray(value) ? `[${i}]` : ''} must be a string or a Buffer (PEM), got ${describeType(item)}`);
    }
  }
  return list;
}

/** `typeof`, with arrays, null and Buffers told apart, for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value === 'object' ? `an object (${Object.keys(value as object).slice(0, 4).join(', ') || 'empty'})` : `a ${typeof value}`;
}

const PEM_BEGIN = '-----BEGIN ';

function text(input: PemInput): string {
  return typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
}

/** Refuses a string that is a file name rather than PEM, with the fix in the message. */
function requirePem(option: string, input: PemInput): string {
  const value = text(input);
  if (value.includes(PEM_BEGIN)) return value;
  const pathLike = typeof input === 'string' && !/\s/.test(value.trim()) && /[./\\]/.test(value) && value.length < 4096;
  if (pathLike) {
    throw new ConfigurationError(`${option} looks like a file path ("${value}"): pass the file's contents, e.g. fs.readFileSync(path)`);
  }
  throw new ConfigurationError(`${option} is not PEM (no "${PEM_BEGIN}" line)`);
}

/** Every certificate in one PEM input, parsed by node:crypto and returned as PEM. */
function certificatesIn(option: string, input: PemInput): string[] {
  const pem = requirePem(option, input);
  const blocks = pem.match(/-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----[\s\S]*?-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new ConfigurationError(`${option} holds no CERTIFICATE block`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block).toString();
    } catch (error) {
      throw new ConfigurationError(`${option}: certificate ${i + 1} cannot be parsed: ${(error as Error).message}`, { cause: error });
    }
  });
}

/** A private key (PEM; PKCS#8, SEC1 or PKCS#1, encrypted or not) as a KeyObject. */
function privateKeyFrom(option: string, entry: PemInput | KeyEntry, sharedPassphrase: string | undefined): KeyObject {
  const isEntry = typeof entry === 'object' && !(entry instanceof Uint8Array);
  const input = isEntry ? (entry as KeyEntry).pem : (entry as PemInput);
  const passphrase = (isEntry ? (entry as KeyEntry).passphrase : undefined) ?? sharedPassphrase;
  const pem = requirePem(option, input);
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem);
  if (encrypted && passphrase === undefined) {
    throw new ConfigurationError(`${option} is encrypted: give its passphrase (option passphrase, or { pem, passphrase })`);
  }
  try {
    return createPrivateKey({ key: pem, format: 'pem', ...(passphrase !== undefined ? { passphrase } : {}) });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MISSING_PASSPHRASE') {
      throw new ConfigurationError(`${option} is encrypted: give its passphrase (option passphrase, or { pem, passphrase })`, { cause: error });
    }
    if (encrypted) {
      throw new ConfigurationError(`${option}: the passphrase does not decrypt the key`, { cause: error });
    }
    throw new ConfigurationError(`${option} cannot be read as a private key: ${(error as Error).message}`, { cause: error });
  }
}

/** The identity if `key` belongs to the leaf of `chain`; ConfigurationError otherwise. */
function checkedIdentity(chain: string[], key: KeyObject, option: string): Identity {
  const leaf = new X509Certificate(chain[0]!);
  if (!leaf.checkPrivateKey(key)) {
    throw new ConfigurationError(`${option} does not match the certificate (${leaf.subject.replace(/\n/g, ', ')}): check that cert and key belong together`);
  }
  return { cert: chain, key: key.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/** The node-forge module, loaded on first use (only pfx needs it). */
let forgeModule: typeof import('node-forge') | undefined;
function forge(): typeof import('node-forge') {
  forgeModule ??= createRequire(import.meta.url)('node-forge') as typeof import('node-forge');
  return forgeModule;
}

/** Unpacks a PKCS#12 bundle into its certificate chain (leaf first) and key. */
function unpackPfx(entry: PemInput | PfxEntry, sharedPassphrase: string | undefined): Identity {
  const isEntry = typeof entry === 'object' && !(entry instanceof Uint8Array);
  const input = isEntry ? (entry as PfxEntry).buf : (entry as PemInput);
  const passphrase = (isEntry ? (entry as PfxEntry).passphrase : undefined) ?? sharedPassphrase ?? '';
  const bytes = typeof input === 'string' ? Buffer.from(input, 'latin1') : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const f = forge();
  let p12: ReturnType<typeof f.pkcs12.pkcs12FromAsn1>;
  try {
    p12 = f.pkcs12.pkcs12FromAsn1(f.asn1.fromDer(bytes.toString('binary')), passphrase);
  } catch (error) {
    const message = (error as Error).message;
    const hint = /MAC|password/i.test(message) ? ': wrong or missing passphrase' : `: ${message}`;
    throw new ConfigurationError(`pfx cannot be read as PKCS#12${hint}`, { cause: error });
  }
  const { oids } = f.pki;
  const keyBags = [
    ...(p12.getBags({ bagType: oids['pkcs8ShroudedKeyBag']! })[oids['pkcs8ShroudedKeyBag']!] ?? []),
    ...(p12.getBags({ bagType: oids['keyBag']! })[oids['keyBag']!] ?? []),
  ];
  const certBags = p12.getBags({ bagType: oids['certBag']! })[oids['certBag']!] ?? [];
  if (keyBags.length !== 1) throw new ConfigurationError(`pfx must hold one private key, it holds ${keyBags.length}`);
  const keyBag = keyBags[0]!;
  const keyDer = keyBag.key
    ? f.asn1.toDer(f.pki.wrapRsaPrivateKey(f.pki.privateKeyToAsn1(keyBag.key))).getBytes()
    : f.asn1.toDer(keyBag.asn1!).getBytes();
  const key = createPrivateKey({ key: Buffer.from(keyDer, 'binary'), format: 'der', type: 'pkcs8' });
  const certificates = certBags.map((bag) => {
    const der = bag.cert ? f.asn1.toDer(f.pki.certificateToAsn1(bag.cert)).getBytes() : f.asn1.toDer(bag.asn1!).getBytes();
    return new X509Certificate(Buffer.from(der, 'binary'));
  });
  const leafIndex = certificates.findIndex((c) => c.checkPrivateKey(key));
  if (leafIndex < 0) throw new ConfigurationError('pfx holds no certificate for its private key');
  const chain = [certificates[leafIndex]!, ...certificates.filter((_, i) => i !== leafIndex)];
  return checkedIdentity(chain.map((c) => c.toString()), key, 'pfx');
}

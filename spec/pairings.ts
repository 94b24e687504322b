/**
 * The pairings the contract suite runs: (client backend, server backend, transport).
 * A new backend joins the suite by adding entries here.
 */
import { NodeTLSService } from '../adapters/node-tls/index.js';
import { PlaintextService } from '../adapters/plaintext/index.js';
import { NobleTLSService } from '../adapters/noble/service.js';
import { nodeCryptoProvider } from '../src/crypto/node.js';
import type { TLSService } from '../src/tls-service.js';

/** A backend under test: its name and a factory for a fresh service. */
export interface Backend {
  /** The name in test titles. */
  readonly name: string;
  readonly create: () => TLSService;
  /** What `negotiated.backend` reports, when it differs from `name`. */
  readonly backend?: string;
  /** What `negotiated.cryptoProvider` reports, for backends with a choice. */
  readonly cryptoProvider?: string;
  /** The protocol version the backend is pinned to (maxVersion), when it is. */
  readonly pinnedVersion?: 'TLSv1.2';
}

/** How the two ends are connected: in memory, in memory with 1-byte reads, or real TCP on loopback. */
export type Transport = 'memory' | 'memory-1byte' | 'tcp';

/** One client x server x transport combination. */
export interface Pairing {
  readonly client: Backend;
  readonly server: Backend;
  readonly transport: Transport;
  /** False for backends without encryption: TLS-only cases are skipped (visibly). */
  readonly tls: boolean;
}

const nodeTLS: Backend = { name: 'node-tls', create: () => new NodeTLSService() };
const plaintext: Backend = { name: 'plaintext', create: () => new PlaintextService() };
const noble: Backend = { name: 'noble', create: () => new NobleTLSService(), cryptoProvider: 'noble' };
const nobleOnNodeCrypto: Backend = {
  name: 'noble+node-crypto',
  create: () => new NobleTLSService({ provider: nodeCryptoProvider }),
  backend: 'noble',
  cryptoProvider: 'node',
};

/** The same backend with every negotiation pinned to TLS 1.2 (maxVersion), for the TLS 1.2 pairings. */
function atTls12(backend: Backend): Backend {
  const pin = (inner: TLSService): TLSService =>
    new Proxy(inner, {
      get(target, property) {
        if (property === 'negotiateAsClient' || property === 'negotiateAsServer') {
          return (via: unknown, options: object = {}) =>
            (target[property] as (v: unknown, o: object) => Promise<void>).call(target, via, { ...options, maxVersion: 'TLSv1.2' });
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  return { ...backend, name: `${backend.name}@1.2`, backend: backend.backend ?? backend.name, pinnedVersion: 'TLSv1.2', create: () => pin(backend.create()) };
}
const nodeTLS12 = atTls12(nodeTLS);
const noble12 = atTls12(noble);

/** Every pairing the suite runs. */
export const pairings: readonly Pairing[] = [
  { client: nodeTLS, server: nodeTLS, transport: 'memory', tls: true },
  { client: nodeTLS, server: nodeTLS, transport: 'memory-1byte', tls: true },
  { client: nodeTLS, server: nodeTLS, transport: 'tcp', tls: true },
  { client: noble, server: noble, transport: 'memory', tls: true },
  { client: noble, server: noble, transport: 'memory-1byte', tls: true },
  { client: noble, server: noble, transport: 'tcp', tls: true },
  { client: noble, server: nodeTLS, transport: 'memory', tls: true },
  { client: noble, server: nodeTLS, transport: 'memory-1byte', tls: true },
  { client: noble, server: nodeTLS, transport: 'tcp', tls: true },
  { client: nodeTLS, server: noble, transport: 'memory', tls: true },
  { client: nodeTLS, server: noble, transport: 'memory-1byte', tls: true },
  { client: nodeTLS, server: noble, transport: 'tcp', tls: true },
  { client: nobleOnNodeCrypto, server: nobleOnNodeCrypto, transport: 'tcp', tls: true },
  { client: nobleOnNodeCrypto, server: noble, transport: 'memory', tls: true },
  { client: noble, server: nobleOnNodeCrypto, transport: 'memory', tls: true },
  { client: nobleOnNodeCrypto, server: nodeTLS, transport: 'tcp', tls: true },
  // TLS 1.2 (issue 16): the noble server with a client pinned to 1.2, and pinned to 1.2 itself.
  { client: nodeTLS12, server: noble, transport: 'memory', tls: true },
  { client: nodeTLS12, server: noble, transport: 'memory-1byte', tls: true },
  { client: nodeTLS12, server: noble, transport: 'tcp', tls: true },
  { client: nodeTLS, server: noble12, transport: 'tcp', tls: true },
  // The noble TLS 1.2 client: against our own 1.2 server, against OpenSSL, and a 1.3-capable noble client against OpenSSL pinned to 1.2.
  { client: noble12, server: noble12, transport: 'memory', tls: true },
  { client: noble12, server: noble12, transport: 'memory-1byte', tls: true },
  { client: noble12, server: noble12, transport: 'tcp', tls: true },
  { client: noble12, server: nodeTLS, transport: 'memory', tls: true },
  { client: noble12, server: nodeTLS, transport: 'tcp', tls: true },
  { client: noble, server: nodeTLS12, transport: 'tcp', tls: true },
  { client: plaintext, server: plaintext, transport: 'memory', tls: false },
  { client: plaintext, server: plaintext, transport: 'tcp', tls: false },
];

/** True when either end is pinned to TLS 1.2. */
export function isTls12(pairing: Pairing): boolean {
  return pairing.client.pinnedVersion === 'TLSv1.2' || pairing.server.pinnedVersion === 'TLSv1.2';
}

/** `[client x server / transport]`, the prefix of every test title. */
export function pairingTitle(pairing: Pairing): string {
  return `[${pairing.client.name} x ${pairing.server.name} / ${pairing.transport}]`;
}

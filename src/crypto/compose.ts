/**
 * Composition of crypto providers: a provider that takes each part (a hash, the AEADs, a
 * key-exchange group, a signature scheme for a given key, randomness) from the first provider
 * that has it. The node provider is node:crypto composed over noble, so groups node lacks
 * (ML-KEM on Node 20) still work.
 */
import type { CryptoProvider, KeyExchangeGroup, NamedGroupName } from './provider.js';

/**
 * A provider made of `primary`'s parts where it has them and `fallback`'s otherwise: groups
 * one by one, signatures per scheme and key (by `supportsScheme`), everything else per method.
 */
export function composeProviders(primary: Partial<CryptoProvider>, fallback: CryptoProvider): CryptoProvider {
  const signerFor = (...[scheme, key]: Parameters<CryptoProvider['supportsScheme']>): Partial<CryptoProvider> =>
    primary.supportsScheme?.(scheme, key) === true ? primary : fallback;
  const composed: CryptoProvider = {
    name: primary.name ?? fallback.name,
    hash: (name) => (primary.hash ? primary.hash(name) : fallback.hash(name)),
    hmac: (hash, key, data) => (primary.hmac ? primary.hmac(hash, key, data) : fallback.hmac(hash, key, data)),
    hkdfExtract: (hash, salt, ikm) =>
      primary.hkdfExtract ? primary.hkdfExtract(hash, salt, ikm) : fallback.hkdfExtract(hash, salt, ikm),
    hkdfExpand: (hash, prk, info, length) =>
      primary.hkdfExpand ? primary.hkdfExpand(hash, prk, info, length) : fallback.hkdfExpand(hash, prk, info, length),
    aead: (name, key) => (primary.aead ? primary.aead(name, key) : fallback.aead(name, key)),
    group: (name: NamedGroupName): KeyExchangeGroup | undefined => primary.group?.(name) ?? fallback.group(name),
    supportsScheme: (scheme, key) => primary.supportsScheme?.(scheme, key) === true || fallback.supportsScheme(scheme, key),
    verify(scheme, key, message, signature) {
      const provider = signerFor(scheme, key);
      return provider.verify ? provider.verify(scheme, key, message, signature) : fallback.verify(scheme, key, message, signature);
    },
    sign(scheme, key, message, random) {
      const provider = signerFor(scheme, key);
      return provider.sign ? provider.sign(scheme, key, message, random) : fallback.sign(scheme, key, message, random);
    },
    random: primary.random ?? fallback.random,
  };
  return Object.freeze(composed);
}

/**
 * The RFC 7919 FFDHE groups on node:crypto (OpenSSL's DH, constant-time exponentiation):
 * `createDiffieHellman` with each group's prime and generator 2 (Node has no names for these
 * groups), the private exponent from the injected RandomSource as on noble (ffdhe.ts), so
 * both providers make the same shares. Used by node.ts.
 */
import { Buffer } from 'node:buffer';
import { createDiffieHellman, type DiffieHellman } from 'node:crypto';
import {
  FFDHE_GENERATOR,
  FFDHE_GROUPS,
  type FfdheGroupName,
  ffdhePrimeBytes,
  ffdhePrimeLength,
  ffdhePrivateExponent,
  leftPad,
  requireFfdheShare,
} from './ffdhe.js';
import { asUint8Array } from './node-keys.js';
import { KeyExchangeError, type KeyExchangeGroup, NamedGroup, type RandomSource } from './provider.js';

function nodeFfdheGroup(group: FfdheGroupName): KeyExchangeGroup {
  const prime = Buffer.from(ffdhePrimeBytes(group));
  const length = ffdhePrimeLength(group);
  const makeKey = (random: RandomSource): DiffieHellman => {
    const dh = createDiffieHellman(prime, Number(FFDHE_GENERATOR));
    dh.setPrivateKey(ffdhePrivateExponent(group, random));
    dh.generateKeys(); // keeps the private key set above and derives g^x mod p
    return dh;
  };
  const sharedSecret = (dh: DiffieHellman, peerShare: Uint8Array): Uint8Array => {
    requireFfdheShare(group, peerShare);
    try {
      return leftPad(asUint8Array(dh.computeSecret(peerShare)), length);
    } catch {
      throw new KeyExchangeError(`${group} key share was refused by OpenSSL`);
    }
  };
  return {
    name: group,
    code: NamedGroup[group],
    start(random) {
      const dh = makeKey(random);
      return {
        group,
        share: leftPad(asUint8Array(dh.getPublicKey()), length),
        complete: (serverShare) => sharedSecret(dh, serverShare),
      };
    },
    respond(clientShare, random) {
      requireFfdheShare(group, clientShare);
      const dh = makeKey(random);
      return { share: leftPad(asUint8Array(dh.getPublicKey()), length), sharedSecret: sharedSecret(dh, clientShare) };
    },
  };
}

/** The FFDHE groups of the node provider. */
export const nodeFfdheGroups: Readonly<Record<FfdheGroupName, KeyExchangeGroup>> = Object.fromEntries(
  FFDHE_GROUPS.map((group) => [group, nodeFfdheGroup(group)]),
) as Record<FfdheGroupName, KeyExchangeGroup>;

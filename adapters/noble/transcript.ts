/**
 * The handshake transcript (RFC 8446 section 4.4.1): the running hash over every
 * handshake message. Messages sent before the cipher suite (and so the hash) is known
 * are buffered and replayed; after a HelloRetryRequest, ClientHello1 is replaced by the
 * synthetic `message_hash` message.
 */
import type { Hash, HashContext } from '../../src/crypto/provider.js';
import { frameHandshake, HandshakeType } from './codec/handshake.js';

/** Transcript-Hash over the handshake messages so far. */
export class Transcript {
  private buffered: Uint8Array[] = [];
  private context: HashContext | undefined;
  private hashFunction: Hash | undefined;
  private discarded = false;

  /** Adds a framed handshake message. */
  add(raw: Uint8Array): void {
    if (this.discarded) throw new Error('transcript: the handshake is over');
    if (this.context) this.context.update(raw);
    else this.buffered.push(raw);
  }

  /** Fixes the hash function (once the suite is known) and hashes what was buffered. */
  start(hash: Hash): void {
    if (this.context) return;
    this.hashFunction = hash;
    this.context = hash.create();
    for (const raw of this.buffered) this.context.update(raw);
    this.buffered = [];
  }

  /** Replaces everything so far with message_hash(Hash(ClientHello1)) (section 4.4.1). */
  replaceWithMessageHash(): void {
    const hash = this.required();
    const digest = this.context!.digest();
    this.context = hash.create();
    this.context.update(frameHandshake(HandshakeType.message_hash, digest).raw);
  }

  /** Transcript-Hash of the messages so far. */
  hash(): Uint8Array {
    this.required();
    return this.context!.digest();
  }

  /** Transcript-Hash of the messages so far followed by `partial` (a truncated ClientHello for PSK binders, section 4.2.11.2); nothing is added. */
  hashWith(partial: Uint8Array): Uint8Array {
    this.required();
    const copy = this.context!.clone();
    copy.update(partial);
    return copy.digest();
  }

  /** Drops the running hash once the handshake is over; the transcript is unusable afterwards. */
  discard(): void {
    this.context = undefined;
    this.hashFunction = undefined;
    this.buffered.length = 0;
    this.discarded = true;
  }

  private required(): Hash {
    if (this.discarded) throw new Error('transcript: the handshake is over');
    if (!this.hashFunction) throw new Error('transcript: the hash is not chosen yet');
    return this.hashFunction;
  }
}

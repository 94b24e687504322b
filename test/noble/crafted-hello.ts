/**
 * Crafted ClientHellos for hostile-peer tests and the bench: our client's real
 * ClientHello grown to an exact size, and any handshake message cut into records of a
 * given size (one byte per record is the worst case for reassembly).
 */
import { TLSEngine } from '../../adapters/noble/engine.js';
import { decodeClientHello, encodeClientHello, frameHandshake, type ClientHello } from '../../adapters/noble/codec/handshake.js';
import { ExtensionType, type Extension } from '../../adapters/noble/codec/extensions.js';
import { clientEngineSettings } from '../../adapters/noble/config.js';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';

/** `message` cut into handshake records of `size` bytes, as one byte string. */
export function inRecords(message: Uint8Array, size: number): Uint8Array {
  const count = Math.ceil(message.length / size);
  const out = new Uint8Array(message.length + 5 * count);
  let o = 0;
  for (let i = 0; i < message.length; i += size) {
    const piece = message.subarray(i, i + size);
    out.set([22, 3, 3, piece.length >> 8, piece.length & 0xff], o);
    out.set(piece, o + 5);
    o += 5 + piece.length;
  }
  return out;
}

/** A ClientHello of our noble client for `localhost`, decoded. */
export function ourClientHello(): ClientHello {
  const engine = TLSEngine.client(clientEngineSettings({ servername: 'localhost', rejectUnauthorized: false }, nobleCryptoProvider));
  const wire = engine.takeOutgoing();
  const first = wire[0]!;
  return decodeClientHello(first.subarray(9));
}

/**
 * A ClientHello of exactly `total` bytes (header included), grown by unknown cipher
 * suites and a padding extension (RFC 7685): each list has a 16-bit length, so a
 * ClientHello past 64 KiB needs both.
 */
export function clientHelloOfSize(total: number, hello: ClientHello = ourClientHello()): Uint8Array {
  const base = frameHandshake(1, encodeClientHello(hello)).raw.length;
  const room = total - base - 4;
  const suiteBytes = room > 60000 ? Math.min(65534 - 2 * hello.cipherSuites.length, room) & ~1 : 0;
  const cipherSuites = [...hello.cipherSuites, ...Array.from({ length: suiteBytes / 2 }, (_, i) => 0xfe00 + (i & 0xff))];
  const padding: Extension = { type: ExtensionType.padding, data: new Uint8Array(room - suiteBytes) };
  const message = frameHandshake(1, encodeClientHello({ ...hello, cipherSuites, extensions: [padding, ...hello.extensions] })).raw;
  if (message.length !== total) throw new Error(`built ${message.length} bytes, wanted ${total}`);
  return message;
}

/**
 * Property definitions shared by the seeded, time-boxed run in `npm test`
 * (properties.test.ts) and the long fuzz runner (`npm run fuzz -- --seconds N`):
 * codec round trips, decoders that only ever fail with a TLS alert, and real handshake
 * flights mutated, truncated and fragmented before they reach a client or a server
 * engine. The one allowed failure is a typed TLSAlertError; anything else, or a hang,
 * is a bug.
 */
import fc from 'fast-check';
import { TLSEngine } from '../../adapters/noble/engine.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateVerify,
  decodeClientHello,
  decodeEncryptedExtensions,
  decodeKeyUpdate,
  decodeNewSessionTicket,
  decodeServerHello,
  encodeCertificate,
  encodeClientHello,
  encodeNewSessionTicket,
  encodeServerHello,
} from '../../adapters/noble/codec/handshake.js';
import {
  decodeAlpn,
  decodeClientKeyShares,
  decodeCookie,
  decodePskModes,
  decodeServerName,
  decodeSupportedVersionsList,
  decodeU16List,
  type Extension,
} from '../../adapters/noble/codec/extensions.js';
import { RecordProtection, RecordReader } from '../../adapters/noble/record/record-layer.js';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { TLSAlertError } from '../../src/errors.js';
import { concat, seededRandom } from './helpers.js';
import { testClientSettings, testServerSettings } from './fixtures.js';

/** Runs `fn`; a TLSAlertError is an accepted outcome, any other exception is rethrown. */
export function onlyAlerts(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof TLSAlertError)) throw e;
  }
}

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const u16 = fc.integer({ min: 0, max: 0xffff });
const extensions = fc.uniqueArray(fc.record({ type: u16, data: bytes(0, 64) }), { selector: (e) => e.type, maxLength: 12 });
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const sameExtensions = (a: readonly Extension[], b: readonly Extension[]) =>
  a.length === b.length && a.every((e, i) => e.type === b[i]!.type && sameBytes(e.data, b[i]!.data));

/** decode(encode(m)) gives m back, for the messages we both send and receive. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each property has its own value type
export const codecRoundTrips: ReadonlyArray<fc.IProperty<any>> = [
  fc.property(
    fc.record({
      random: bytes(32, 32),
      legacySessionId: bytes(0, 32),
      cipherSuites: fc.array(u16, { minLength: 1, maxLength: 40 }),
      legacyCompressionMethods: bytes(1, 4),
      extensions,
    }),
    (m) => {
      const d = decodeClientHello(encodeClientHello(m));
      return (
        d.legacyVersion === 0x0303 &&
        sameBytes(d.random, m.random) &&
        sameBytes(d.legacySessionId, m.legacySessionId) &&
        d.cipherSuites.join() === m.cipherSuites.join() &&
        sameBytes(d.legacyCompressionMethods, m.legacyCompressionMethods) &&
        sameExtensions(d.extensions, m.extensions)
      );
    },
  ),
  fc.property(
    fc.record({ random: bytes(32, 32), legacySessionIdEcho: bytes(0, 32), cipherSuite: u16, legacyCompressionMethod: fc.constant(0), extensions }),
    (m) => {
      const d = decodeServerHello(encodeServerHello(m));
      return sameBytes(d.random, m.random) && d.cipherSuite === m.cipherSuite && sameExtensions(d.extensions, m.extensions);
    },
  ),
  fc.property(
    fc.record({ context: bytes(0, 8), entries: fc.array(fc.record({ data: bytes(1, 300), extensions }), { maxLength: 5 }) }),
    (m) => {
      const d = decodeCertificate(encodeCertificate(m));
      return sameBytes(d.context, m.context) && d.entries.length === m.entries.length && d.entries.every((e, i) => sameBytes(e.data, m.entries[i]!.data));
    },
  ),
  fc.property(
    fc.record({ lifetime: fc.integer({ min: 0, max: 604800 }), ageAdd: fc.integer({ min: 0, max: 0xffffffff }), nonce: bytes(0, 255), ticket: bytes(1, 500), extensions }),
    (m) => {
      const d = decodeNewSessionTicket(encodeNewSessionTicket(m));
      return d.lifetime === m.lifetime && d.ageAdd === m.ageAdd && sameBytes(d.nonce, m.nonce) && sameBytes(d.ticket, m.ticket);
    },
  ),
  // RFC 8446 section 5.2: a sealed TLSInnerPlaintext opens to the same type and content, whatever the padding.
  fc.property(fc.integer({ min: 20, max: 23 }), bytes(0, 2000), fc.integer({ min: 0, max: 300 }), bytes(16, 16), bytes(12, 12), (type, content, padding, key, iv) => {
    const writer = new RecordProtection(nobleCryptoProvider.aead('AES-128-GCM', key), iv);
    const reader = new RecordReader();
    reader.setProtection(new RecordProtection(nobleCryptoProvider.aead('AES-128-GCM', key), iv));
    reader.feed(writer.seal(type, content, padding));
    const record = reader.next()!;
    return record.type === type && sameBytes(record.fragment, content);
  }),
];

const decoders: ReadonlyArray<(b: Uint8Array) => unknown> = [
  decodeClientHello,
  decodeServerHello,
  decodeEncryptedExtensions,
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateVerify,
  decodeNewSessionTicket,
  decodeKeyUpdate,
  decodeClientKeyShares,
  decodeAlpn,
  decodeServerName,
  decodeSupportedVersionsList,
  decodePskModes,
  decodeCookie,
  (b) => decodeU16List(b, 'list'),
];

/** Every decoder, given any bytes, returns or fails with a TLS alert. */
export const decodersOnlyAlert = fc.property(fc.nat({ max: decoders.length - 1 }), bytes(0, 600), (i, input) => {
  onlyAlerts(() => decoders[i]!(input));
});

/** The record reader, given any byte stream in any fragmentation, yields records or fails with an alert. */
export const recordReaderOnlyAlerts = fc.property(bytes(0, 3000), fc.array(fc.integer({ min: 1, max: 700 }), { maxLength: 20 }), (input, cuts) => {
  const reader = new RecordReader();
  onlyAlerts(() => {
    let offset = 0;
    for (const cut of [...cuts, input.length]) {
      reader.feed(input.subarray(offset, offset + cut));
      offset += cut;
      while (reader.next());
    }
  });
});

// --- real flights, mutated ---

const client = () => TLSEngine.client(testClientSettings({}, { random: seededRandom(11) }));
const server = () => TLSEngine.server(testServerSettings('ecdsa', {}, { random: seededRandom(22) }));

/** The three flights of one reproducible handshake (seeded randomness on both sides). */
function recordFlights(): { clientHello: Uint8Array; serverFlight: Uint8Array; clientFinished: Uint8Array } {
  const c = client();
  const s = server();
  const clientHello = concat(c.takeOutgoing());
  s.feed(clientHello);
  const serverFlight = concat(s.takeOutgoing());
  c.feed(serverFlight);
  const clientFinished = concat(c.takeOutgoing());
  return { clientHello, serverFlight, clientFinished };
}
let flights: ReturnType<typeof recordFlights> | undefined;

/** One edit to a flight: flip a bit, cut it short, insert, delete or overwrite bytes. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), data: bytes(1, 8) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(flight: Uint8Array, edits: readonly Mutation[]): Uint8Array {
  let out: Uint8Array = flight.slice();
  for (const edit of edits) {
    const at = out.length === 0 ? 0 : edit.at % out.length;
    switch (edit.op) {
      case 'flip':
        if (out.length) out[at]! ^= 1 << edit.bit;
        break;
      case 'truncate':
        out = out.slice(0, at);
        break;
      case 'insert':
        out = concat([out.subarray(0, at), edit.data, out.subarray(at)]);
        break;
      case 'delete':
        out = concat([out.subarray(0, at), out.subarray(at + edit.length)]);
        break;
      case 'set':
        if (out.length) out[at] = edit.value;
        break;
    }
  }
  return out;
}

/** Feeds `wire` to `engine` in pieces of the given sizes (the rest in one). */
function feedFragmented(engine: TLSEngine, wire: Uint8Array, pieces: readonly number[]): void {
  let offset = 0;
  for (const size of [...pieces, wire.length]) {
    if (offset >= wire.length) break;
    engine.feed(wire.subarray(offset, offset + size));
    offset += size;
  }
}

/**
 * A mutated, fragmented flight reaches the engine that expects it: the ClientHello a
 * server, the server flight a client, the client Finished a server that sent its flight.
 * Only alerts may come out; after one, the engine stays failed and queues nothing new.
 */
export const mutatedFlights = fc.property(
  fc.constantFrom('clientHello' as const, 'serverFlight' as const, 'clientFinished' as const),
  fc.array(mutation, { minLength: 1, maxLength: 4 }),
  fc.array(fc.integer({ min: 1, max: 400 }), { maxLength: 12 }),
  (which, edits, pieces) => {
    flights ??= recordFlights();
    const wire = mutate(flights[which], edits);
    let engine: TLSEngine;
    if (which === 'serverFlight') {
      engine = client();
      engine.takeOutgoing();
    } else {
      engine = server();
      if (which === 'clientFinished') {
        engine.feed(flights.clientHello);
        engine.takeOutgoing();
      }
    }
    onlyAlerts(() => feedFragmented(engine, wire, pieces));
    if (engine.error) {
      engine.takeOutgoing();
      onlyAlerts(() => engine.feed(Uint8Array.of(23, 3, 3, 0, 1, 0)));
      if (engine.hasOutgoing) throw new Error('a failed engine queued more output');
    }
  },
);

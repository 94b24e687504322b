/**
 * The record layer on its own: deframing in any fragmentation, AEAD protection with the
 * per-record nonce, the inner content type, and every cap (record_overflow) and
 * authentication failure (bad_record_mac); handshake reassembly and its size cap.
 */
import test from 'ava';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { nodeCryptoProvider } from '../../src/crypto/node.js';
import {
  ContentType,
  MAX_PLAINTEXT,
  RecordProtection,
  RecordReader,
  RecordWriter,
} from '../../adapters/noble/record/record-layer.js';
import { HandshakeReassembler } from '../../adapters/noble/record/handshake-reassembly.js';
import { concat, alertOf } from './helpers.js';

const key = new Uint8Array(16).fill(7);
const iv = new Uint8Array(12).fill(9);
const protection = () => new RecordProtection(nobleCryptoProvider.aead('AES-128-GCM', key), iv);

function pair() {
  const writer = new RecordWriter();
  writer.setProtection(protection());
  const reader = new RecordReader();
  reader.setProtection(protection());
  return { writer, reader };
}

test('records fed one byte at a time come out whole, in order, decrypted', (t) => {
  const { writer, reader } = pair();
  const wire = concat([writer.record(ContentType.application_data, Uint8Array.of(1, 2, 3)), writer.record(ContentType.handshake, Uint8Array.of(4))]);
  const out = [];
  for (const b of wire) {
    reader.feed(Uint8Array.of(b));
    for (let r = reader.next(); r; r = reader.next()) out.push(r);
  }
  t.deepEqual(out.map((r) => [r.type, [...r.fragment]]), [[23, [1, 2, 3]], [22, [4]]]);
});

test('a flipped bit anywhere in a protected record is bad_record_mac', (t) => {
  const { writer } = pair();
  const wire = writer.record(ContentType.application_data, new Uint8Array(40).fill(5));
  for (let i = 5; i < wire.length; i++) {
    const reader = new RecordReader();
    reader.setProtection(protection());
    const bad = wire.slice();
    bad[i]! ^= 0x01;
    reader.feed(bad);
    t.is(alertOf(() => reader.next()), 'bad_record_mac', `byte ${i}`);
  }
});

test('a replayed record fails: the nonce moved on', (t) => {
  const { writer, reader } = pair();
  const wire = writer.record(ContentType.application_data, Uint8Array.of(1));
  reader.feed(concat([wire, wire]));
  t.truthy(reader.next());
  t.is(alertOf(() => reader.next()), 'bad_record_mac');
});

test('record size caps: 2^14 plaintext, 2^14 + 256 ciphertext, 2^14 + 1 inner plaintext', (t) => {
  const plain = new RecordReader();
  plain.feed(Uint8Array.of(22, 3, 3, (MAX_PLAINTEXT + 1) >> 8, (MAX_PLAINTEXT + 1) & 0xff));
  t.is(alertOf(() => plain.next()), 'record_overflow');

  const encrypted = new RecordReader();
  encrypted.setProtection(protection());
  const n = MAX_PLAINTEXT + 257;
  encrypted.feed(Uint8Array.of(23, 3, 3, n >> 8, n & 0xff));
  t.is(alertOf(() => encrypted.next()), 'record_overflow');

  const writer = new RecordWriter();
  writer.setProtection(protection());
  const reader = new RecordReader();
  reader.setProtection(protection());
  reader.feed(new RecordProtection(nobleCryptoProvider.aead('AES-128-GCM', key), iv).seal(23, new Uint8Array(MAX_PLAINTEXT + 1)));
  t.is(alertOf(() => reader.next()), 'record_overflow');
});

test('padding is stripped; an all-zero inner plaintext is unexpected_message', (t) => {
  const reader = new RecordReader();
  reader.setProtection(protection());
  const sealer = protection();
  reader.feed(sealer.seal(23, Uint8Array.of(9, 9), 100));
  t.deepEqual([...reader.next()!.fragment], [9, 9]);
  const zero = new RecordReader();
  zero.setProtection(protection());
  const inner = protection();
  // content type 0 with only padding: seal an empty content with type 0.
  zero.feed(inner.seal(0, new Uint8Array(0), 3));
  t.is(alertOf(() => zero.next()), 'unexpected_message');
});

test('an unknown content type, a non-TLS version or unprotected data after keys are refused', (t) => {
  const r1 = new RecordReader();
  r1.feed(new TextEncoder().encode('GET / HTTP/1.1\r\n'));
  t.is(alertOf(() => r1.next()), 'unexpected_message');
  const r2 = new RecordReader();
  r2.feed(Uint8Array.of(22, 0x16, 0x03, 0, 1, 1));
  t.is(alertOf(() => r2.next()), 'decode_error');
  const r3 = new RecordReader();
  r3.setProtection(protection());
  r3.feed(Uint8Array.of(22, 3, 3, 0, 1, 1));
  t.is(alertOf(() => r3.next()), 'unexpected_message');
  const r4 = new RecordReader();
  r4.feed(Uint8Array.of(23, 3, 3, 0, 1, 1));
  t.is(alertOf(() => r4.next()), 'unexpected_message');
});

test('handshake messages reassemble across records, several per record', (t) => {
  const h = new HandshakeReassembler();
  const m1 = Uint8Array.of(1, 0, 0, 3, 7, 7, 7);
  const m2 = Uint8Array.of(2, 0, 0, 1, 5);
  const all = concat([m1, m2]);
  h.push(all.subarray(0, 2));
  t.is(h.next(), undefined);
  h.push(all.subarray(2, 9));
  t.deepEqual([...h.next()!.raw], [...m1]);
  t.is(h.next(), undefined);
  h.push(all.subarray(9));
  t.deepEqual([...h.next()!.body], [5]);
  t.true(h.isEmpty);
});

test('a handshake message over the cap is refused from its header alone', (t) => {
  const h = new HandshakeReassembler(1000);
  h.push(Uint8Array.of(11, 0, 0x03, 0xe9));
  t.is(alertOf(() => h.next()), 'decode_error');
  const big = new HandshakeReassembler();
  big.push(Uint8Array.of(11, 0xff, 0xff, 0xff));
  t.is(alertOf(() => big.next()), 'decode_error');
});

test('the writer splits content over 2^14 into several records', (t) => {
  const writer = new RecordWriter();
  const out: Uint8Array[] = [];
  writer.records(ContentType.handshake, new Uint8Array(MAX_PLAINTEXT * 2 + 10), out);
  t.deepEqual(out.map((r) => r.length - 5), [MAX_PLAINTEXT, MAX_PLAINTEXT, 10]);
});

test('records built in one buffer are byte-identical across providers, past 2^32 sequence numbers', (t) => {
  const noble = new RecordProtection(nobleCryptoProvider.aead('AES-128-GCM', key), iv);
  const node = new RecordProtection(nodeCryptoProvider.aead('AES-128-GCM', key), iv);
  const content = Uint8Array.from({ length: MAX_PLAINTEXT - 2 }, (_, i) => i * 31);
  for (const protection of [noble, node]) (protection as unknown as { sequence: number }).sequence = 2 ** 32 - 1;
  for (let i = 0; i < 3; i++) {
    const sealed = noble.seal(23, content, i);
    t.deepEqual(node.seal(23, content, i), sealed);
    const reader = new RecordReader();
    reader.setProtection(new RecordProtection(nodeCryptoProvider.aead('AES-128-GCM', key), iv));
    (reader as unknown as { protection: { sequence: number } }).protection.sequence = 2 ** 32 - 1 + i;
    reader.feed(sealed);
    t.deepEqual(reader.next()!.fragment, content);
    if (i === 1) {
      // Sequence 2^32: the IV's byte 7 is XORed with 1.
      const nonce = iv.slice();
      nonce[7]! ^= 1;
      const inner = new Uint8Array(content.length + 1 + i);
      inner.set(content);
      inner[content.length] = 23;
      t.deepEqual(sealed.subarray(5), nobleCryptoProvider.aead('AES-128-GCM', key).seal(nonce, inner, sealed.subarray(0, 5)));
    }
  }
});

test('a framed seal from parts (short and long, joined or not) is header || seal(joined parts), against noble\'s own seal, and stays so after later seals', (t) => {
  const lengths = [[0], [1], [5, 1], [3000, 1], [200, 300, 5000, 1], [100, 0, 16384, 1], Array.from({ length: 40 }, () => 37)];
  const kept: { label: string; out: Uint8Array[]; expected: Uint8Array }[] = [];
  for (const provider of [nobleCryptoProvider, nodeCryptoProvider]) {
    for (const name of ['AES-128-GCM', 'AES-256-GCM', 'CHACHA20-POLY1305'] as const) {
      const key = new Uint8Array(name === 'AES-128-GCM' ? 16 : 32).fill(3);
      const aead = provider.aead(name, key);
      for (const shape of lengths) {
        let n = 0;
        const parts = shape.map((length) => Uint8Array.from({ length }, () => n++ * 7));
        const header = Uint8Array.of(23, 3, 3, 1, 2);
        const out: Uint8Array[] = [];
        aead.sealFramed(iv, header, parts, out);
        const label = `${provider.name} ${name} ${shape.length} parts`;
        const expected = concat([header, nobleCryptoProvider.aead(name, key).seal(iv, concat(parts), header)]);
        t.deepEqual(concat(out), expected, label);
        t.true(out.every((piece) => piece.length > 0), label);
        kept.push({ label, out, expected });
      }
    }
  }
  // node's pieces may come from a shared pool (src/crypto/node.ts transientBytes): none is overwritten by a later seal.
  for (const { label, out, expected } of kept) t.deepEqual(concat(out), expected, `${label}, afterwards`);
});

test('records cut off by the end of a read, on two connections at once, each come out whole and unchanged (the reused record buffer never mixes them)', (t) => {
  const a = pair();
  const b = pair();
  const contentA = new Uint8Array(MAX_PLAINTEXT).fill(0xaa);
  const contentB = new Uint8Array(MAX_PLAINTEXT).fill(0xbb);
  const wireA = concat([0, 1, 2].map(() => a.writer.record(ContentType.application_data, contentA)));
  const wireB = concat([0, 1, 2].map(() => b.writer.record(ContentType.application_data, contentB)));
  const kept: Uint8Array[] = [];
  // Reads of 10,000 bytes cut every record; the two readers alternate, so a buffer one gives back is the next one the other takes.
  for (let at = 0; at < wireA.length; at += 10_000) {
    for (const [{ reader }, wire] of [[a, wireA], [b, wireB]] as const) {
      reader.feed(wire.slice(at, at + 10_000));
      for (let r = reader.next(); r; r = reader.next()) kept.push(r.fragment);
    }
  }
  t.is(kept.length, 6);
  t.is(kept.filter((f) => f.every((x) => x === 0xaa)).length, 3);
  t.is(kept.filter((f) => f.every((x) => x === 0xbb)).length, 3);
});

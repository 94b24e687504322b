/**
 * Known-answer tests of the TLS 1.2 key derivation (RFC 5246 section 5, RFC 7627, section
 * 6.3, section 7.4.9) and of the TLS 1.2 AEAD record protection (RFC 5288, RFC 7905).
 * The PRF vectors are the widely used TLS 1.2 PRF test vectors (posted to the IETF TLS
 * list, checked in many stacks); the EMS, key-block and Finished vectors were computed
 * with OpenSSL 3 (`openssl kdf ... TLS1-PRF`), an independent implementation.
 */
import test from 'ava';
import { createCipheriv } from 'node:crypto';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { nodeCryptoProvider } from '../../src/crypto/node.js';
import { extendedMasterSecret, finishedVerifyData, keyBlock, prf } from '../../adapters/noble/tls12/prf.js';
import { Tls12RecordProtection } from '../../adapters/noble/tls12/record-protection.js';
import { TLSAlertError } from '../../src/errors.js';
import { hex, unhex } from './helpers.js';

const providers = [nobleCryptoProvider, nodeCryptoProvider];
const clientRandom = unhex('948fe603f61dc036b5c596dc09fe3ce3f3d30dc90f024c85f3c82db2ccab679d');
const serverRandom = unhex('b3eacd33433b31b5252351032c9b3e7a2e7aa7738d5decdf0dd6c62680853c06');
const preMaster = unhex('0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20');
const sessionHash = unhex('3f3af1ecebbd1410ab417ec0d27bbfcb5d340e177ae159b59fc8626c2dfd9175');
const master = unhex('09a34bbb0e6c10532765de396c7ee762585c0ab2f412bad8d6aff78f0a24eb5d3f807d14a298c8676f51e0250558d5e1');

for (const provider of providers) {
  test(`[${provider.name}] PRF with SHA-256: the published TLS 1.2 vector (RFC 5246 section 5)`, (t) => {
    const out = prf(provider, 'SHA-256', unhex('9bbe436ba940f017b17652849a71db35'), 'test label', unhex('a0ba9f936cda311827a6f796ffd5198c'), 100);
    t.is(hex(out), 'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66');
  });

  test(`[${provider.name}] PRF with SHA-384: the published TLS 1.2 vector (RFC 5246 section 5)`, (t) => {
    const out = prf(provider, 'SHA-384', unhex('b80b733d6ceefcdc71566ea48e5567df'), 'test label', unhex('cd665cf6a8447dd6ff8b27555edb7465'), 148);
    t.is(hex(out), '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f');
  });

  test(`[${provider.name}] extended master secret from the session hash (RFC 7627 section 4)`, (t) => {
    t.is(hex(extendedMasterSecret(provider, 'SHA-256', preMaster, sessionHash)), hex(master));
  });

  test(`[${provider.name}] key expansion: AES-128-GCM (16-byte keys, 4-byte salts) and AES-256-GCM with SHA-384 (RFC 5246 section 6.3)`, (t) => {
    const block = keyBlock(provider, 'SHA-256', master, clientRandom, serverRandom, 16, 4);
    t.is(hex(block.clientWriteKey) + hex(block.serverWriteKey) + hex(block.clientWriteIv) + hex(block.serverWriteIv),
      'a6644bf4b2d2dd35b67d7cbb14d71f1b1af9f0a7be2cae335542aba809ae058c7d2df34062a66e71');
    const block384 = keyBlock(provider, 'SHA-384', master, clientRandom, serverRandom, 32, 12);
    t.is(hex(block384.clientWriteKey) + hex(block384.serverWriteKey) + hex(block384.clientWriteIv) + hex(block384.serverWriteIv),
      '34fe59cb27882edea00f0f1646dc203cb66c3e8d5f8b1bab007b769fd22be4a440d003d134227207adde9fa7ddefb4bd3f5e23adcea30e3c7577987f15153a24fc9456743f5b1b245e21df7ae63623cf66a3e9ec15a891e2');
  });

  test(`[${provider.name}] Finished verify_data is 12 bytes of PRF(master, "client finished", hash) (section 7.4.9)`, (t) => {
    t.is(hex(finishedVerifyData(provider, 'SHA-256', master, 'client', sessionHash)), '4c1efbe5aeb45fd50b60fa3a');
  });
}

test('AES-GCM record: 8-byte explicit nonce = sequence number, nonce = salt || explicit, AAD = seq || type || version || length (RFC 5288 section 3)', (t) => {
  const key = unhex('000102030405060708090a0b0c0d0e0f');
  const salt = unhex('a0a1a2a3');
  const sealer = new Tls12RecordProtection(nobleCryptoProvider.aead('AES-128-GCM', key), salt);
  sealer.seal(23, new Uint8Array(3)); // sequence 0
  const record = sealer.seal(23, new TextEncoder().encode('hello')); // sequence 1
  t.is(hex(record.subarray(0, 5)), '1703030' + (8 + 5 + 16).toString(16).padStart(3, '0'));
  t.is(hex(record.subarray(5, 13)), '0000000000000001');
  const cipher = createCipheriv('aes-128-gcm', key, Buffer.concat([salt, unhex('0000000000000001')]));
  cipher.setAAD(unhex('0000000000000001' + '17' + '0303' + '0005'));
  const expected = Buffer.concat([cipher.update('hello'), cipher.final(), cipher.getAuthTag()]);
  t.is(hex(record.subarray(13)), expected.toString('hex'));
});

test('ChaCha20-Poly1305 record: nonce = IV xor sequence, nothing explicit on the wire (RFC 7905 section 2)', (t) => {
  const key = new Uint8Array(32).fill(7);
  const iv = unhex('0102030405060708090a0b0c');
  const sealer = new Tls12RecordProtection(nobleCryptoProvider.aead('CHACHA20-POLY1305', key), iv);
  const record = sealer.seal(22, Uint8Array.of(20, 0, 0, 0));
  t.is(record.length, 5 + 4 + 16);
  const cipher = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
  cipher.setAAD(unhex('0000000000000000' + '16' + '0303' + '0004'), { plaintextLength: 4 });
  const expected = Buffer.concat([cipher.update(Uint8Array.of(20, 0, 0, 0)), cipher.final(), cipher.getAuthTag()]);
  t.is(hex(record.subarray(5)), expected.toString('hex'));
  const opener = new Tls12RecordProtection(nodeCryptoProvider.aead('CHACHA20-POLY1305', key), iv);
  const opened = opener.open(record.subarray(0, 5), record.subarray(5));
  t.is(opened.type, 22);
  t.is(hex(opened.fragment), '14000000');
});

test('a TLS 1.2 record that fails authentication, or is opened out of sequence, is bad_record_mac (RFC 5246 section 6.2.3.3)', (t) => {
  const key = new Uint8Array(16).fill(1);
  const salt = unhex('01020304');
  const sealer = new Tls12RecordProtection(nobleCryptoProvider.aead('AES-128-GCM', key), salt);
  const first = sealer.seal(23, Uint8Array.of(1, 2, 3));
  const second = sealer.seal(23, Uint8Array.of(4, 5, 6));
  const opener = new Tls12RecordProtection(nobleCryptoProvider.aead('AES-128-GCM', key), salt);
  const tampered = first.slice();
  tampered[tampered.length - 1]! ^= 1;
  t.is(t.throws(() => opener.open(tampered.subarray(0, 5), tampered.subarray(5)), { instanceOf: TLSAlertError })?.alert, 'bad_record_mac');
  // The header's type is authenticated: the same bytes as a handshake record do not open.
  const retyped = first.slice();
  retyped[0] = 22;
  t.is(opener.tryOpen(retyped.subarray(0, 5), retyped.subarray(5)), null);
  // The implicit sequence number is authenticated: record 1 does not open as record 0.
  t.is(opener.tryOpen(second.subarray(0, 5), second.subarray(5)), null);
  t.is(hex(opener.open(first.subarray(0, 5), first.subarray(5)).fragment), '010203');
  t.is(hex(opener.open(second.subarray(0, 5), second.subarray(5)).fragment), '040506');
});

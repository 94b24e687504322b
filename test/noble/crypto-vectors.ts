/**
 * Published test vectors for the crypto-provider tests (crypto.test.ts): RFC 5869 test case 1,
 * the GCM specification's test cases 4 and 16, RFC 8439 section 2.8.2, and the RFC 8448 simple
 * 1-RTT handshake's X25519 keys and server CertificateVerify. Copied here so the tests read
 * nothing outside the repository.
 */
import { Buffer } from 'node:buffer';
import type { AeadName } from '../../src/crypto/provider.js';

/** Bytes from hex (whitespace ignored), as a plain Uint8Array. */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
}
/** Hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
/** UTF-8 bytes of a string. */
export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** RFC 5869 appendix A.1: HKDF-SHA256 (its PRK is also an HMAC-SHA256 vector). */
export const rfc5869Case1 = {
  ikm: hex('0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b'),
  salt: hex('000102030405060708090a0b0c'),
  info: hex('f0f1f2f3f4f5f6f7f8f9'),
  prk: '077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5',
  okm: '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
};

const gcmPlaintext =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39';
/** AEAD vectors: GCM spec test cases 4 (AES-128) and 16 (AES-256); RFC 8439 section 2.8.2. */
export const aeadVectors: readonly { name: AeadName; key: string; nonce: string; aad: string; plaintext: string; sealed: string }[] = [
  {
    name: 'AES-128-GCM',
    key: 'feffe9928665731c6d6a8f9467308308',
    nonce: 'cafebabefacedbaddecaf888',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    plaintext: gcmPlaintext,
    sealed:
      '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091' +
      '5bc94fbc3221a5db94fae95ae7121a47',
  },
  {
    name: 'AES-256-GCM',
    key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
    nonce: 'cafebabefacedbaddecaf888',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    plaintext: gcmPlaintext,
    sealed:
      '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662' +
      '76fc6ece0f4e1768cddf8853bb2d551b',
  },
  {
    name: 'CHACHA20-POLY1305',
    key: '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f',
    nonce: '070000004041424344454647',
    aad: '50515253c0c1c2c3c4c5c6c7',
    plaintext: toHex(
      utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it."),
    ),
    sealed:
      'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116' +
      '1ae10b594f09e26a7e902ecbd0600691',
  },
];

/** RFC 8448 section 3: the X25519 key pairs and shared secret of the simple 1-RTT handshake. */
export const rfc8448 = {
  clientPrivate: '49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005',
  clientPublic: '99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c',
  serverPrivate: 'b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e',
  serverPublic: 'c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f',
  sharedSecret: '8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d',
  /** The server certificate (RSA-1024); its trailing zero bytes are in the original. */
  serverCertificate: `-----BEGIN CERTIFICATE-----
MIIBrDCCARWgAwIBAgIBAjANBgkqhkiG9w0BAQsFADAOMQwwCgYDVQQDEwNyc2EwHhcNM
TYwNzMwMDEyMzU5WhcNMjYwNzMwMDEyMzU5WjAOMQwwCgYDVQQDEwNyc2EwgZ8wDQYJKo
ZIhvcNAQEBBQADgY0AMIGJAoGBALS7SY+CeTA9mAg2OZs2xpiMDGjeVeG9uCbTkBokYer
9LeSakdAVq7yalRN6zmwa8Z6qavmMfO1DEgmY4YeoDuDMsFJLGwGMPgtjJk1Emm044ipf
2kMIRnSAMFMO8EYcjKnZ77+ujqbR0D4r0ZPv8KuagALEdCim01qNiNeffx4/AgMBAAGjG
jAYMAkGA1UdEwQCMAAwCwYDVR0PBAQDAgWgMA0GCSqGSIb3DQEBCwUAA4GBAIWq0qDluS
drkIxl9zpyZxcGGKVMX4p7M30t96WUNlQX8uro+KWMj4Fy+TGc82t/1sVbgPIaAwFRVnJ
glv0zXl5n8tvxAnAuYIzK5r7B/GOkKpm+XD63EHw8VOm56yvVIDscO4TgqLL3WUCbo+rJ
2R1ALcwMyPiWEimskYe0K03hAAA=
-----END CERTIFICATE-----`,
  /** The server's CertificateVerify input (64 spaces, context string, 0, transcript hash). */
  messageToSign:
    '2020202020202020202020202020202020202020202020202020202020202020' +
    '2020202020202020202020202020202020202020202020202020202020202020' +
    '544c5320312e332c207365727665722043657274696669636174655665726966790076' +
    '4d6632b3c35c3f3205e3499ac3edbaabb88295fba751461d3678e2e5ea0687',
  /** Its rsa_pss_rsae_sha256 signature, as sent in the trace. */
  signature:
    '5a747c5d88fa9bd2e55ab085a61015b7211f824cd484145ab3ff52f1fda8477b0b7abc90db78e2d33a5c141a078653fa' +
    '6bef780c5ea248eeaaa785c4f394cab6d30bbe8d4859ee511f602957b15411ac027671459e46445c9ea58c181e818e95' +
    'b8c3fb0bf3278409d3be152a3da5043e063dda65cdf5aea20d53dfacd42f74f3',
};

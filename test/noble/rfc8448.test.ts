/**
 * Byte-exact RFC 8448 section 3 ("Simple 1-RTT Handshake"): our client and our server,
 * given the RFC's randomness, produce the RFC's records exactly. The RFC's hello offers
 * extensions we do not (renegotiation_info, session_ticket, FFDHE
 * groups), so the tests shape the extension lists with `editExtensions`; the RSA-PSS
 * signature is randomised, so it is injected with `signer`.
 */
import test from 'ava';
import { TLSEngine } from '../../adapters/noble/engine.js';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { ByteReader } from '../../adapters/noble/codec/reader.js';
import { readExtensions, ExtensionType, type Extension } from '../../adapters/noble/codec/extensions.js';
import { decodeClientHello, decodeEncryptedExtensions, decodeNewSessionTicket } from '../../adapters/noble/codec/handshake.js';
import { KeySchedule } from '../../adapters/noble/key-schedule.js';
import { RecordProtection, RecordReader } from '../../adapters/noble/record/record-layer.js';
import { TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 } from '../../adapters/noble/suites.js';
import { parseCertificate, parseCertificateChain, parsePrivateKey, verifyCertificateChainSync } from '../../src/x509/index.js';
import type { PeerVerifier } from '../../adapters/noble/handshake-context.js';
import { concat, hex, replayRandom, unhex } from './helpers.js';
import { middlebox, serverCertificatePem, serverKeyPem, simple1Rtt as v } from './rfc8448-vectors.js';

const provider = nobleCryptoProvider;
const now = () => Number(v.CurrentTimestamp);
/** The RFC's certificate. The PEM carries two stray trailing bytes (the CertificateEntry's empty extensions); the DER length says where it ends. */
const serverCertificate = ((der: Uint8Array) => der.subarray(0, 4 + ((der[2]! << 8) | der[3]!)))(parseCertificateChain(serverCertificatePem)[0]!);
const rfcClientHello = decodeClientHello(unhex(v.Record_ClientHello_1).subarray(9));
const rfcEncryptedExtensions = decodeEncryptedExtensions(unhex(v.Message_EncryptedExtensions).subarray(4));
const ours = [ExtensionType.server_name, ExtensionType.key_share, ExtensionType.supported_versions, ExtensionType.psk_key_exchange_modes];

/** The RFC's extension order and contents, except those we generate ourselves (which must then match). */
function shapeLike(rfc: readonly Extension[], generated: readonly Extension[], own: readonly number[]): Extension[] {
  return rfc.map((e) => (own.includes(e.type) ? generated.find((g) => g.type === e.type) ?? e : e));
}

/** Trusts the RFC's self-signed RSA-1024 certificate at the RFC's time (it has no subjectAltName, so no name check). */
const trustRfcCertificate: PeerVerifier = (chain, context) =>
  verifyCertificateChainSync({
    leaf: chain[0]!,
    trustAnchors: [parseCertificate(serverCertificate)],
    at: new Date(context.now),
    provider,
    minimumRsaModulusBits: 1024,
  })[0]!.publicKey;

/** The RFC's NewSessionTicket, decrypted with the server application traffic key (RFC 8448 section 3 values). */
function rfcNewSessionTicket() {
  const ks = new KeySchedule(provider, TLS_AES_128_GCM_SHA256);
  const keys = ks.trafficKeys(unhex('a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643'));
  const reader = new RecordReader();
  reader.setProtection(new RecordProtection(provider.aead('AES-128-GCM', keys.key), keys.iv));
  reader.feed(unhex(v.Record_NewSessionTicket));
  return decodeNewSessionTicket(reader.next()!.fragment.subarray(4));
}

test('client: ClientHello, Finished, application data and close_notify match RFC 8448 byte for byte', (t) => {
  const client = TLSEngine.client({
    minVersion: 'TLSv1.3', // the trace's client offers TLS 1.3 only
    provider,
    random: replayRandom(unhex(v.Client_RNG_Pool)),
    now,
    serverName: 'server',
    cipherSuites: [TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_256_GCM_SHA384],
    groups: ['x25519', 'secp256r1', 'secp384r1'],
    middleboxCompatibility: false,
    verifyServer: trustRfcCertificate,
    editExtensions: (message, generated) => (message === 'client_hello' ? shapeLike(rfcClientHello.extensions, generated, ours) : generated),
  });
  t.is(hex(concat(client.takeOutgoing())), v.Record_ClientHello_1);

  client.feed(unhex(v.Record_ServerHello + v.Record_ServerHandshakeMessages));
  t.true(client.handshakeComplete);
  t.is(client.outcome.signatureScheme, 'rsa_pss_rsae_sha256');
  t.is(hex(concat(client.takeOutgoing())), v.Record_ClientFinished);

  client.feed(unhex(v.Record_NewSessionTicket));
  t.is(client.tickets.length, 1);
  t.is(hex(client.tickets[0]!.ticket), hex(rfcNewSessionTicket().ticket));

  client.writePlaintext(unhex(v.Client_AppData));
  t.is(hex(concat(client.takeOutgoing())), v.Record_Client_AppData);
  client.feed(unhex(v.Record_Server_AppData));
  t.is(hex(client.readPlaintext()), v.Server_AppData);
  client.close();
  t.is(hex(concat(client.takeOutgoing())), v.Record_Client_CloseNotify);
  client.feed(unhex(v.Record_Server_CloseNotify));
  t.false(client.readOpen);
});

test('server: ServerHello, encrypted flight, ticket, application data and close_notify match RFC 8448 byte for byte', (t) => {
  const signed: Uint8Array[] = [];
  const rfcTicket = rfcNewSessionTicket();
  const server = TLSEngine.server({
    provider,
    random: replayRandom(unhex(v.Server_RNG_Pool)),
    now,
    certificateChain: [serverCertificate],
    privateKey: parsePrivateKey(serverKeyPem),
    signer: (scheme, content) => {
      t.is(scheme, 'rsa_pss_rsae_sha256');
      signed.push(content);
      return unhex(v.Server_MessageSignature);
    },
    issueTicket: () => rfcTicket,
    ticketCount: 1,
    editExtensions: (message, generated) =>
      message === 'encrypted_extensions' ? shapeLike(rfcEncryptedExtensions, generated, [ExtensionType.server_name]) : generated,
  });
  server.feed(unhex(v.Record_ClientHello_1));
  t.is(hex(signed[0]!), v.Server_MessageToSign);
  t.is(hex(concat(server.takeOutgoing())), v.Record_ServerHello + v.Record_ServerHandshakeMessages);
  t.is(server.outcome.serverName, 'server');

  server.feed(unhex(v.Record_ClientFinished));
  t.true(server.handshakeComplete);
  t.is(hex(concat(server.takeOutgoing())), v.Record_NewSessionTicket);

  server.feed(unhex(v.Record_Client_AppData));
  t.is(hex(server.readPlaintext()), v.Client_AppData);
  server.writePlaintext(unhex(v.Server_AppData));
  t.is(hex(concat(server.takeOutgoing())), v.Record_Server_AppData);
  server.feed(unhex(v.Record_Client_CloseNotify));
  t.false(server.readOpen);
  server.close();
  t.is(hex(concat(server.takeOutgoing())), v.Record_Server_CloseNotify);
});

test('the RFC ClientHello parses into the extensions the tests shape from', (t) => {
  const body = unhex(v.Record_ClientHello_1).subarray(9);
  t.is(rfcClientHello.extensions.length, 9);
  t.is(hex(rfcClientHello.random), v.Client_RNG_Pool.slice(0, 64));
  const r = new ByteReader(body, body.length - 2 - rfcClientHello.extensions.reduce((n, e) => n + 4 + e.data.length, 0));
  t.deepEqual(readExtensions(r, 'ClientHello').map((e) => e.type), rfcClientHello.extensions.map((e) => e.type));
});

test('middlebox compatibility (RFC 8448 section 7): session id, CCS before Finished, byte for byte, both roles', (t) => {
  const m = middlebox;
  const hello = decodeClientHello(unhex(m.Record_ClientHello_1).subarray(9));
  t.is(hello.legacySessionId.length, 32);
  const client = TLSEngine.client({
    minVersion: 'TLSv1.3', // the trace's client offers TLS 1.3 only
    provider,
    random: replayRandom(unhex(m.Client_RNG_Pool)),
    now,
    serverName: 'server',
    cipherSuites: [TLS_AES_128_GCM_SHA256, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_256_GCM_SHA384],
    groups: ['x25519', 'secp256r1', 'secp384r1'],
    middleboxCompatibility: true,
    verifyServer: trustRfcCertificate,
    editExtensions: (message, generated) => (message === 'client_hello' ? shapeLike(hello.extensions, generated, ours) : generated),
  });
  t.is(hex(concat(client.takeOutgoing())), m.Record_ClientHello_1);

  const server = TLSEngine.server({
    provider,
    random: replayRandom(unhex(m.Server_RNG_Pool)),
    now,
    certificateChain: [serverCertificate],
    privateKey: parsePrivateKey(serverKeyPem),
    signer: () => unhex(m.Server_MessageSignature),
    ticketCount: 0,
    editExtensions: (message, generated) =>
      message === 'encrypted_extensions'
        ? shapeLike(decodeEncryptedExtensions(unhex(m.Message_EncryptedExtensions).subarray(4)), generated, [ExtensionType.server_name])
        : generated,
  });
  server.feed(unhex(m.Record_ClientHello_1));
  const serverFlight = hex(concat(server.takeOutgoing()));
  t.is(serverFlight, m.Record_ServerHello + m.Record_ServerHandshakeMessages);

  client.feed(unhex(serverFlight));
  t.is(hex(concat(client.takeOutgoing())), m.Record_ClientFinished);
  server.feed(unhex(m.Record_ClientFinished));
  t.true(server.handshakeComplete);
  client.close();
  t.is(hex(concat(client.takeOutgoing())), m.Record_Client_CloseNotify);
  server.close();
  t.is(hex(concat(server.takeOutgoing())), m.Record_Server_CloseNotify);
});

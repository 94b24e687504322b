/**
 * The key schedule against RFC 8448 section 3 (Simple 1-RTT Handshake), line by line:
 * every secret of the RFC's trace, then the server's encrypted flight decrypted with
 * the derived keys.
 */
import test from 'ava';
import { nobleCryptoProvider } from '../../src/crypto/noble.js';
import { KeySchedule, hkdfExpandLabel } from '../../adapters/noble/key-schedule.js';
import { TLS_AES_128_GCM_SHA256 } from '../../adapters/noble/suites.js';
import { RecordProtection, RecordReader } from '../../adapters/noble/record/record-layer.js';
import { concat, hex, replayRandom, unhex } from './helpers.js';
import { simple1Rtt as v } from './rfc8448-vectors.js';

const provider = nobleCryptoProvider;
const suite = TLS_AES_128_GCM_SHA256;
const sha256 = (data: Uint8Array) => provider.hash('SHA-256').digest(data);

const clientHello = unhex(v.Record_ClientHello_1).subarray(5);
const serverHello = unhex(v.Message_ServerHello);
const serverFlight = [v.Message_EncryptedExtensions, v.Message_Server_Certificate, v.Message_Server_CertificateVerify, v.Message_Server_Finished].map(unhex);

// Intermediate values printed in RFC 8448 section 3.
const rfc = {
  sharedSecret: '8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d',
  earlySecret: '33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a',
  handshakeSecret: '1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac',
  clientHandshakeTraffic: 'b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21',
  serverHandshakeTraffic: 'b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38',
  masterSecret: '18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919',
  clientApplicationTraffic: '9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5',
  serverApplicationTraffic: 'a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643',
  resumptionMaster: '7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c',
};

function clientSharedSecret(): Uint8Array {
  const pool = unhex(v.Client_RNG_Pool);
  const share = provider.group('x25519')!.start(replayRandom(pool.subarray(32)));
  const serverShare = serverHello.subarray(serverHello.length - 38, serverHello.length - 6); // key_share precedes supported_versions
  return share.complete(serverShare);
}

test('ECDHE shared secret matches RFC 8448', (t) => {
  t.is(hex(clientSharedSecret()), rfc.sharedSecret);
});

test('early, handshake and master secrets and traffic secrets match RFC 8448', (t) => {
  const ks = new KeySchedule(provider, suite);
  t.is(hex(ks.earlySecret), rfc.earlySecret);
  t.is(hex(ks.deriveHandshakeSecret(clientSharedSecret())), rfc.handshakeSecret);
  const hs = ks.handshakeTrafficSecrets(sha256(concat([clientHello, serverHello])));
  t.is(hex(hs.client), rfc.clientHandshakeTraffic);
  t.is(hex(hs.server), rfc.serverHandshakeTraffic);
  t.is(hex(ks.deriveMasterSecret()), rfc.masterSecret);
  const app = ks.applicationTrafficSecrets(sha256(concat([clientHello, serverHello, ...serverFlight])));
  t.is(hex(app.client), rfc.clientApplicationTraffic);
  t.is(hex(app.server), rfc.serverApplicationTraffic);
});

test('server handshake keys decrypt the RFC 8448 server flight into EE, Certificate, CertificateVerify, Finished', (t) => {
  const ks = new KeySchedule(provider, suite);
  ks.deriveHandshakeSecret(clientSharedSecret());
  const hs = ks.handshakeTrafficSecrets(sha256(concat([clientHello, serverHello])));
  const keys = ks.trafficKeys(hs.server);
  t.is(hex(keys.key), '3fce516009c21727d0f2e4e86ee403bc');
  t.is(hex(keys.iv), '5d313eb2671276ee13000b30');
  const reader = new RecordReader();
  reader.setProtection(new RecordProtection(provider.aead(suite.aead, keys.key), keys.iv));
  reader.feed(unhex(v.Record_ServerHandshakeMessages));
  const record = reader.next()!;
  t.is(record.type, 22);
  t.is(hex(record.fragment), hex(concat(serverFlight)));
});

test('server Finished verify_data and resumption master secret match RFC 8448', (t) => {
  const ks = new KeySchedule(provider, suite);
  ks.deriveHandshakeSecret(clientSharedSecret());
  const hs = ks.handshakeTrafficSecrets(sha256(concat([clientHello, serverHello])));
  const beforeFinished = sha256(concat([clientHello, serverHello, ...serverFlight.slice(0, 3)]));
  t.is(hex(ks.finishedVerifyData(hs.server, beforeFinished)), hex(serverFlight[3]!.subarray(4)));
  ks.deriveMasterSecret();
  const clientFinished = concat([unhex('14000020'), ks.finishedVerifyData(hs.client, sha256(concat([clientHello, serverHello, ...serverFlight])))]);
  const resumption = ks.resumptionMasterSecret(sha256(concat([clientHello, serverHello, ...serverFlight, clientFinished])));
  t.is(hex(resumption), rfc.resumptionMaster);
  // Its last use: an established connection keeps no stage secret (RFC 8446 section 7.1), the early secret included.
  t.throws(() => ks.earlySecret);
  t.is(ks.masterSecret, undefined);
  t.is(ks.handshakeSecret, undefined);
});

test('HKDF-Expand-Label builds the tls13 label', (t) => {
  const secret = unhex(rfc.serverApplicationTraffic);
  const iv = hkdfExpandLabel(provider, suite, secret, 'iv', new Uint8Array(0), 12);
  t.is(hex(iv), 'cf782b88dd83549aadf1e984');
});

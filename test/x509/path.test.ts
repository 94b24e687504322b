/**
 * Path building and validation with certificates made for each rule: validity,
 * missing intermediates, untrusted roots, cA and pathLen, keyUsage, signatures, name
 * constraints, EKU, unknown critical extensions, alternatives (cross-signed, duplicate,
 * several anchors), depth, and the work budget on an adversarial bundle.
 */
import test from 'ava';
import * as der from '../../src/x509/der-writer.js';
import { ConfigurationError } from '../../src/errors.js';
import {
  type DevelopmentCertificate, alertForCertificateError, createDevelopmentCA, issueCertificate, verifyCertificateChain, verifyCertificateChainSync,
} from '../../src/x509/index.js';
import { failsWith } from './helpers.js';

const DAY = 86_400_000;
const now = new Date();

function pki() {
  const root = createDevelopmentCA({ commonName: 'Path Root' });
  const intermediate = issueCertificate(root, { commonName: 'Path Intermediate', isCA: true });
  const leaf = issueCertificate(intermediate, { dnsNames: ['www.example.com', 'example.com'] });
  return { root, intermediate, leaf };
}
const shared = pki();

function names(chain: readonly { subject: { text: string } }[]): string[] {
  return chain.map((certificate) => certificate.subject.text);
}

test('a leaf, its intermediate and a trusted root validate; the chain is leaf first, anchor last', async (t) => {
  const { root, intermediate, leaf } = shared;
  const chain = await verifyCertificateChain({ leaf: leaf.der, intermediates: [intermediate.der], trustAnchors: [root.der], hostname: 'www.example.com' });
  t.deepEqual(names(chain), ['CN=www.example.com', 'CN=Path Intermediate', 'CN=Path Root']);
});

test('a trust anchor presented as the leaf validates as a one-certificate chain', (t) => {
  const chain = verifyCertificateChainSync({ leaf: shared.root.der, trustAnchors: [shared.root.der] });
  t.deepEqual(names(chain), ['CN=Path Root']);
});

test('expired and not-yet-valid leaves are rejected', async (t) => {
  const root = createDevelopmentCA({ commonName: 'Old Root', notBefore: new Date(now.getTime() - 60 * DAY) });
  const expired = issueCertificate(root, { dnsNames: ['a.test'], notBefore: new Date(now.getTime() - 30 * DAY), notAfter: new Date(now.getTime() - DAY) });
  const future = issueCertificate(root, { dnsNames: ['a.test'], notBefore: new Date(now.getTime() + DAY), notAfter: new Date(now.getTime() + 30 * DAY) });
  await failsWith(t, 'expired', () => verifyCertificateChain({ leaf: expired.der, trustAnchors: [root.der] }));
  await failsWith(t, 'not_yet_valid', () => verifyCertificateChain({ leaf: future.der, trustAnchors: [root.der] }));
  const chain = verifyCertificateChainSync({ leaf: expired.der, trustAnchors: [root.der], at: new Date(now.getTime() - 2 * DAY) });
  t.is(chain.length, 2);
});

test('validity bounds are inclusive', (t) => {
  const { root } = shared;
  const notBefore = new Date('2030-01-01T00:00:00Z');
  const notAfter = new Date('2030-02-01T00:00:00Z');
  const leaf = issueCertificate(root, { notBefore, notAfter });
  const rootAt = { trustAnchors: [root.der] };
  t.notThrows(() => verifyCertificateChainSync({ leaf: leaf.der, ...rootAt, at: notBefore }));
  t.notThrows(() => verifyCertificateChainSync({ leaf: leaf.der, ...rootAt, at: notAfter }));
  t.throws(() => verifyCertificateChainSync({ leaf: leaf.der, ...rootAt, at: new Date(notAfter.getTime() + 1000) }));
});

test('an expired intermediate is rejected', async (t) => {
  const { root } = shared;
  const intermediate = issueCertificate(root, { commonName: 'Old Intermediate', isCA: true, notBefore: new Date(now.getTime() - 30 * DAY), notAfter: new Date(now.getTime() - DAY) });
  const leaf = issueCertificate(intermediate, {});
  await failsWith(t, 'expired', () => verifyCertificateChainSync({ leaf: leaf.der, intermediates: [intermediate.der], trustAnchors: [root.der] }));
});

test('a missing intermediate gives unknown_issuer, an untrusted root self_signed, each with OpenSSL\'s code for its depth', async (t) => {
  const { root, intermediate, leaf } = shared;
  const noIntermediate = await failsWith(t, 'unknown_issuer', () => verifyCertificateChainSync({ leaf: leaf.der, trustAnchors: [root.der] }));
  t.is(noIntermediate.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  t.regex(noIntermediate.message, /`ca` option/, 'the message says what to do');
  const otherRoot = createDevelopmentCA({ commonName: 'Other Root' });
  const inChain = await failsWith(t, 'self_signed', () => verifyCertificateChainSync({ leaf: leaf.der, intermediates: [intermediate.der, root.der], trustAnchors: [otherRoot.der] }));
  t.is(inChain.code, 'SELF_SIGNED_CERT_IN_CHAIN');
  const noRoot = await failsWith(t, 'unknown_issuer', () => verifyCertificateChainSync({ leaf: leaf.der, intermediates: [intermediate.der], trustAnchors: [] }));
  t.is(noRoot.code, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  const selfSigned = createDevelopmentCA({ commonName: 'localhost', isCA: false, dnsNames: ['localhost'] });
  const depthZero = await failsWith(t, 'self_signed', () => verifyCertificateChainSync({ leaf: selfSigned.der, trustAnchors: [root.der] }));
  t.is(depthZero.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
});

test('a root with the right name but another key is not the issuer', async (t) => {
  const { intermediate, leaf } = shared;
  const impostor = createDevelopmentCA({ commonName: 'Path Root', keyIdentifiers: false });
  await failsWith(t, 'bad_signature', () => verifyCertificateChainSync({ leaf: leaf.der, intermediates: [intermediate.der], trustAnchors: [impostor.der] }));
});

test('an intermediate without cA (or without basicConstraints) may not issue', async (t) => {
  const { root } = shared;
  for (const options of [{ isCA: false }, { isCA: true, omitBasicConstraints: true }]) {
    const notCA = issueCertificate(root, { commonName: 'Not a CA', keyUsage: ['digitalSignature', 'keyCertSign'], extKeyUsage: null, ...options });
    const leaf = issueCertificate(notCA, {});
    await failsWith(t, 'not_a_ca', () => verifyCertificateChainSync({ leaf: leaf.der, intermediates: [notCA.der], trustAnchors: [root.der] }));
  }
});

test('a CA whose keyUsage lacks keyCertSign may not issue', async (t) => {
  const { root } = shared;
  const intermediate = issueCertificate(root, { commonName: 'No keyCertSign', isCA: true, keyUsage: ['digitalSignature', 'cRLSign'] });
  const leaf = issueCertificate(intermediate, {});
  await failsWith(t, 'key_usage', () => verifyCertificateChainSync({ leaf: leaf.der, intermediates: [intermediate.der], trustAnchors: [root.der] }));
});

test('pathLenConstraint limits the intermediates below a CA', async (t) => {
  const root = createDevelopmentCA({ commonName: 'PathLen Root', pathLen: 1 });
  const first = issueCertificate(root, { commonName: 'First', isCA: true, pathLen: 0 });
  const second = issueCertificate(first, { commonName: 'Second', isCA: true });
  const leafUnderFirst = issueCertificate(first, {});
  const leafUnderSecond = issueCertificate(second, {});
  t.is(verifyCertificateChainSync({ leaf: leafUnderFirst.der, intermediates: [first.der], trustAnchors: [root.der] }).length, 3);
  await failsWith(t, 'path_length_exceeded', () =>
    verifyCertificateChainSync({ leaf: leafUnderSecond.der, intermediates: [second.der, first.der], trustAnchors: [root.der] }));
  // The anchor's own pathLen (1) is exceeded by two intermediates as well.
  const third = issueCertificate(root, { commonName: 'Third', isCA: true });
  const fourth = issueCertificate(third, { commonName: 'Fourth', isCA: true });
  const leafUnderFourth = issueCertificate(fourth, {});
  await failsWith(t, 'path_length_exceeded', () =>
    verifyCertificateChainSync({ leaf: leafUnderFourth.der, intermediates: [fourth.der, third.der], trustAnchors: [root.der] }));
});

function flipSignatureByte(certificate: DevelopmentCertificate): Uint8Array {
  const copy = Uint8Array.from(certificate.der);
  copy[copy.length - 5]! ^= 0x01;
  return copy;
}

test('a flipped byte in a signature or in the signed data is detected', async (t) => {
  const { root, intermediate, leaf } = shared;
  await failsWith(t, 'bad_signature', () =>
    verifyCertificateChainSync({ leaf: flipSignatureByte(leaf), intermediates: [intermediate.der], trustAnchors: [root.der] }));
  await failsWith(t, 'bad_signature', () =>
    verifyCertificateChainSync({ leaf: leaf.der, intermediates: [flipSignatureByte(intermediate)], trustAnchors: [root.der] }));
  // Flip a byte of the subject's public key inside the TBSCertificate.
  const tampered = Uint8Array.from(leaf.der);
  const spki = leaf.certificate.subjectPublicKeyInfo;
  tampered[spki.byteOffset - leaf.certificate.der.byteOffset + spki.length - 3]! ^= 0x40;
  await failsWith(t, 'bad_signature', () => verifyCertificateChainSync({ leaf: tampered, intermediates: [intermediate.der], trustAnchors: [root.der] }));
});

test('extendedKeyUsage: serverAuth, clientAuth, anyExtendedKeyUsage, absent, and a wrong purpose', async (t) => {
  const { root } = shared;
  const anchors = [root.der];
  const serverOnly = issueCertificate(root, { extKeyUsage: ['serverAuth'] });
  const clientOnly = issueCertificate(root, { extKeyUsage: ['clientAuth'] });
  const any = issueCertificate(root, { extKeyUsage: ['2.5.29.37.0'] });
  const absent = issueCertificate(root, { extKeyUsage: null });
  const codeSigning = issueCertificate(root, { extKeyUsage: ['codeSigning'] });
  t.notThrows(() => verifyCertificateChainSync({ leaf: serverOnly.der, trustAnchors: anchors }));
  t.notThrows(() => verifyCertificateChainSync({ leaf: clientOnly.der, trustAnchors: anchors, purpose: 'clientAuth' }));
  // CA/Browser Forum BRs 7.1.2.7.10: a subscriber certificate must not claim anyExtendedKeyUsage.
  await failsWith(t, 'extended_key_usage', () => verifyCertificateChainSync({ leaf: any.der, trustAnchors: anchors, purpose: 'clientAuth' }));
  t.notThrows(() => verifyCertificateChainSync({ leaf: absent.der, trustAnchors: anchors }));
  await failsWith(t, 'extended_key_usage', () => verifyCertificateChainSync({ leaf: serverOnly.der, trustAnchors: anchors, purpose: 'clientAuth' }));
  await failsWith(t, 'extended_key_usage', () => verifyCertificateChainSync({ leaf: clientOnly.der, trustAnchors: anchors }));
  await failsWith(t, 'extended_key_usage', () => verifyCertificateChainSync({ leaf: codeSigning.der, trustAnchors: anchors }));
});

test('an intermediate restricted to clientAuth cannot vouch for a server', async (t) => {
  const { root } = shared;
  const clientCA = issueCertificate(root, { commonName: 'Client CA', isCA: true, extKeyUsage: ['clientAuth'] });
  const leaf = issueCertificate(clientCA, {});
  await failsWith(t, 'extended_key_usage', () => verifyCertificateChainSync({ leaf: leaf.der, intermediates: [clientCA.der], trustAnchors: [root.der] }));
  t.notThrows(() => verifyCertificateChainSync({ leaf: leaf.der, intermediates: [clientCA.der], trustAnchors: [root.der], purpose: 'clientAuth' }));
});

test('an unknown critical extension rejects the certificate; an unknown non-critical one is ignored', async (t) => {
  const { root } = shared;
  const value = der.sequence([]);
  const critical = issueCertificate(root, { extraExtensions: [{ oid: '1.3.6.1.4.1.55555.1', critical: true, value }] });
  const plain = issueCertificate(root, { extraExtensions: [{ oid: '1.3.6.1.4.1.55555.1', critical: false, value }] });
  await failsWith(t, 'unknown_critical_extension', () => verifyCertificateChainSync({ leaf: critical.der, trustAnchors: [root.der] }));
  t.notThrows(() => verifyCertificateChainSync({ leaf: plain.der, trustAnchors: [root.der] }));
  const criticalCA = issueCertificate(root, { isCA: true, commonName: 'Odd CA', extraExtensions: [{ oid: '1.3.6.1.4.1.55555.2', critical: true, value }] });
  const leaf = issueCertificate(criticalCA, {});
  await failsWith(t, 'unknown_critical_extension', () => verifyCertificateChainSync({ leaf: leaf.der, intermediates: [criticalCA.der], trustAnchors: [root.der] }));
});

test('name constraints: permitted DNS subtrees', async (t) => {
  const root = createDevelopmentCA({ commonName: 'Constrained Root', nameConstraints: { permitted: ['example.com', '10.0.0.0/8'] } });
  const anchors = [root.der];
  const inside = issueCertificate(root, { dnsNames: ['example.com', 'www.example.com', '*.api.example.com'], ipAddresses: ['10.1.2.3'] });
  t.notThrows(() => verifyCertificateChainSync({ leaf: inside.der, trustAnchors: anchors }));
  for (const options of [{ dnsNames: ['www.example.org'] }, { dnsNames: ['badexample.com'] }, { dnsNames: ['www.example.com'], ipAddresses: ['192.168.1.1'] }]) {
    const outside = issueCertificate(root, options);
    await failsWith(t, 'name_constraints', () => verifyCertificateChainSync({ leaf: outside.der, trustAnchors: anchors }));
  }
});

test('name constraints: excluded subtrees, including wildcards that could reach them', async (t) => {
  const root = createDevelopmentCA({ commonName: 'Excluding Root' });
  const intermediate = issueCertificate(root, { commonName: 'Excluding CA', isCA: true, nameConstraints: { excluded: ['secret.example.com', '192.168.0.0/16', 'fd00::/8'] } });
  const verify = (leaf: DevelopmentCertificate) => verifyCertificateChainSync({ leaf: leaf.der, intermediates: [intermediate.der], trustAnchors: [root.der] });
  t.notThrows(() => verify(issueCertificate(intermediate, { dnsNames: ['public.example.com'], ipAddresses: ['10.0.0.1', 'fe80::1'] })));
  for (const options of [
    { dnsNames: ['secret.example.com'] },
    { dnsNames: ['a.b.SECRET.example.com'] },
    { dnsNames: ['*.example.com'] },
    { ipAddresses: ['192.168.3.4'] },
    { ipAddresses: ['fd12::1'] },
  ]) {
    await failsWith(t, 'name_constraints', () => verify(issueCertificate(intermediate, options)));
  }
});

test('name constraints of an intermediate apply through further intermediates', async (t) => {
  const root = createDevelopmentCA({ commonName: 'NC Root' });
  const constrained = issueCertificate(root, { commonName: 'NC Constrained', isCA: true, nameConstraints: { permitted: ['corp.test'] } });
  const issuing = issueCertificate(constrained, { commonName: 'NC Issuing', isCA: true });
  const good = issueCertificate(issuing, { dnsNames: ['host.corp.test'] });
  const bad = issueCertificate(issuing, { dnsNames: ['corp.example'] });
  const intermediates = [issuing.der, constrained.der];
  t.notThrows(() => verifyCertificateChainSync({ leaf: good.der, intermediates, trustAnchors: [root.der] }));
  await failsWith(t, 'name_constraints', () => verifyCertificateChainSync({ leaf: bad.der, intermediates, trustAnchors: [root.der] }));
});

test('cross-signed intermediates: an expired cross-sign is passed over for a valid one', (t) => {
  const oldRoot = createDevelopmentCA({ commonName: 'Old Root' });
  const newRoot = createDevelopmentCA({ commonName: 'New Root' });
  const intermediateKey = createDevelopmentCA({ commonName: 'Cross Intermediate' }).privateKey;
  const common = { commonName: 'Cross Intermediate', isCA: true, key: intermediateKey };
  const byOld = issueCertificate(oldRoot, { ...common, notBefore: new Date(now.getTime() - 30 * DAY), notAfter: new Date(now.getTime() - DAY) });
  const byNew = issueCertificate(newRoot, common);
  // Both cross-signs carry the same subject and key, so the leaf's AKI matches both.
  const issuer = { certificate: byNew.certificate, privateKey: intermediateKey };
  const leaf = issueCertificate(issuer, { dnsNames: ['cross.test'] });
  const chain = verifyCertificateChainSync({ leaf: leaf.der, intermediates: [byOld.der, byNew.der], trustAnchors: [oldRoot.der, newRoot.der] });
  t.deepEqual(names(chain), ['CN=cross.test', 'CN=Cross Intermediate', 'CN=New Root']);
  // With only the old root trusted, the expired cross-sign is the reason.
  const error = t.throws(() => verifyCertificateChainSync({ leaf: leaf.der, intermediates: [byOld.der, byNew.der], trustAnchors: [oldRoot.der] }));
  t.is((error as { reason?: string }).reason, 'expired');
});

test('duplicate intermediates and several anchors are fine', (t) => {
  const { root, intermediate, leaf } = shared;
  const others = [createDevelopmentCA({ commonName: 'A' }), createDevelopmentCA({ commonName: 'B' })];
  const chain = verifyCertificateChainSync({
    leaf: leaf.der,
    intermediates: [intermediate.der, intermediate.der, root.der, intermediate.der],
    trustAnchors: [others[0]!.der, root.der, others[1]!.der, root.der],
  });
  t.deepEqual(names(chain), ['CN=www.example.com', 'CN=Path Intermediate', 'CN=Path Root']);
});

test('issuer matching uses AKI/SKI to pick between same-named CAs', (t) => {
  const rootA = createDevelopmentCA({ commonName: 'Same Name' });
  const rootB = createDevelopmentCA({ commonName: 'Same Name' });
  const leaf = issueCertificate(rootB, {});
  const chain = verifyCertificateChainSync({ leaf: leaf.der, trustAnchors: [rootA.der, rootB.der], maxSignatureChecks: 1 });
  t.deepEqual([...chain[1]!.subjectPublicKeyInfo], [...rootB.certificate.subjectPublicKeyInfo]);
});

test('a path longer than the depth limit is rejected with too_deep', async (t) => {
  const root = createDevelopmentCA({ commonName: 'Deep Root' });
  let issuer: DevelopmentCertificate = root;
  const intermediates: Uint8Array[] = [];
  for (let i = 0; i < 8; i++) {
    issuer = issueCertificate(issuer, { commonName: `Deep ${i}`, isCA: true });
    intermediates.unshift(issuer.der);
  }
  const leaf = issueCertificate(issuer, {});
  await failsWith(t, 'too_deep', () => verifyCertificateChainSync({ leaf: leaf.der, intermediates, trustAnchors: [root.der] }));
  t.is(verifyCertificateChainSync({ leaf: leaf.der, intermediates, trustAnchors: [root.der], maxChainLength: 10 }).length, 10);
});

test('an adversarial bundle of cross-signed same-name CAs ends quickly in work_limit', async (t) => {
  const keys = Array.from({ length: 8 }, () => createDevelopmentCA({ commonName: 'Loop CA' }));
  const bundle: Uint8Array[] = [];
  for (const subject of keys) {
    for (const issuer of keys) bundle.push(issueCertificate(issuer, { commonName: 'Loop CA', isCA: true, key: subject.privateKey }).der);
  }
  const leaf = issueCertificate(keys[0]!, {});
  const unrelated = createDevelopmentCA({ commonName: 'Unrelated Root' });
  const started = Date.now();
  const error = await failsWith(t, 'work_limit', () => verifyCertificateChainSync({ leaf: leaf.der, intermediates: bundle, trustAnchors: [unrelated.der] }));
  t.regex(error.message, /work budget/);
  t.true(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  // The candidate budget bounds the search even when signature checks are unlimited.
  const candidates = await failsWith(t, 'work_limit', () =>
    verifyCertificateChainSync({ leaf: leaf.der, intermediates: bundle, trustAnchors: [unrelated.der], maxSignatureChecks: Infinity, maxCandidates: 300 }));
  t.regex(candidates.message, /work budget/);
  // More intermediates than anyone sends is refused before any work.
  await failsWith(t, 'work_limit', () => verifyCertificateChainSync({ leaf: leaf.der, intermediates: [...bundle, ...bundle], trustAnchors: [unrelated.der] }));
});

test('the same bundle with a way out still terminates, with a path or work_limit', (t) => {
  const root = createDevelopmentCA({ commonName: 'Exit Root' });
  const keys = Array.from({ length: 6 }, () => createDevelopmentCA({ commonName: 'Maze CA' }));
  const bundle: Uint8Array[] = [];
  for (const subject of keys) {
    for (const issuer of keys) bundle.push(issueCertificate(issuer, { commonName: 'Maze CA', isCA: true, key: subject.privateKey }).der);
  }
  bundle.push(issueCertificate(root, { commonName: 'Maze CA', isCA: true, key: keys[5]!.privateKey }).der);
  const leaf = issueCertificate(keys[0]!, {});
  const started = Date.now();
  try {
    const chain = verifyCertificateChainSync({ leaf: leaf.der, intermediates: bundle, trustAnchors: [root.der] });
    t.is(chain[chain.length - 1]!.subject.text, 'CN=Exit Root');
  } catch (error) {
    t.is((error as { reason?: string }).reason, 'work_limit');
  }
  t.true(Date.now() - started < 10_000);
});

test('a leaf self-signed with a re-issued copy of its key as the anchor validates', (t) => {
  const original = createDevelopmentCA({ commonName: 'Pinned' });
  const reissued = createDevelopmentCA({ commonName: 'Pinned', key: original.privateKey });
  t.is(verifyCertificateChainSync({ leaf: original.der, trustAnchors: [reissued.der] }).length, 2);
});

test('directoryName constraints apply to the subject', async (t) => {
  const subtree = der.sequence([der.explicit(4, der.sequence([der.setOf([der.sequence([der.oid('2.5.4.10'), der.utf8String('Allowed')])])]))]);
  const value = der.sequence([der.explicit(0, [subtree])]);
  const root = createDevelopmentCA({ commonName: 'Directory Root', extraExtensions: [{ oid: '2.5.29.30', critical: true, value }] });
  t.truthy(root.certificate.extensions.nameConstraints?.permitted?.[0]);
  const inside = issueCertificate(root, { organization: 'Allowed', commonName: 'in', dnsNames: ['in'] });
  const outside = issueCertificate(root, { organization: 'Other', commonName: 'out', dnsNames: ['out'] });
  t.notThrows(() => verifyCertificateChainSync({ leaf: inside.der, trustAnchors: [root.der] }));
  await failsWith(t, 'name_constraints', () => verifyCertificateChainSync({ leaf: outside.der, trustAnchors: [root.der] }));
});

test('without trustAnchors the defaults are Node\'s bundled roots, which do not know a development CA', async (t) => {
  await failsWith(t, 'unknown_issuer', () => verifyCertificateChain({ leaf: shared.leaf.der, intermediates: [shared.intermediate.der] }));
});

test('parsed anchors are accepted, and failures map to TLS alerts', async (t) => {
  const { root, intermediate, leaf } = shared;
  t.is(verifyCertificateChainSync({ leaf: leaf.certificate, intermediates: [intermediate.certificate], trustAnchors: [root.certificate] }).length, 3);
  const error = await failsWith(t, 'unknown_issuer', () => verifyCertificateChainSync({ leaf: leaf.der, trustAnchors: [root.certificate] }));
  t.is(alertForCertificateError(error), 'unknown_ca');
  const mismatch = await failsWith(t, 'hostname_mismatch', () =>
    verifyCertificateChainSync({ leaf: leaf.der, intermediates: [intermediate.der], trustAnchors: [root.der], hostname: 'other.example.com' }));
  t.is(alertForCertificateError(mismatch), 'bad_certificate');
  t.throws(() => verifyCertificateChainSync({ leaf: leaf.der, trustAnchors: [root.der], at: new Date('nonsense') }), { instanceOf: ConfigurationError });
});

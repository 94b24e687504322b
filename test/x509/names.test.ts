/**
 * Name rules, one case each with the exact reason: DNS syntax of subjectAltName entries
 * and dNSName constraints (RFC 5280 4.2.1.6, RFC 1034 3.5), commonName repeated among
 * the SANs in canonical form (CA/Browser Forum BRs 7.1.4.3), no wildcard over a public
 * suffix (BRs 3.2.2.6, Public Suffix List via tldts), and rfc822Name and directoryName
 * constraints (RFC 5280 4.2.1.10, comparison per section 7.1).
 */
import test from 'ava';
import { AttributeOid } from '../../src/x509/oids.js';
import {
  type CertificateOptions, type DevelopmentCertificate, type Purpose, createDevelopmentCA, isWildcardForPublicSuffix, issueCertificate,
  verifyCertificateChainSync,
} from '../../src/x509/index.js';
import { failsWith } from './helpers.js';

const root = createDevelopmentCA({ commonName: 'Names Root' });

function verify(leaf: DevelopmentCertificate, issuer: DevelopmentCertificate = root, purpose: Purpose = 'serverAuth') {
  const intermediates = issuer === root ? [] : [issuer.der];
  return verifyCertificateChainSync({ leaf: leaf.der, intermediates, trustAnchors: [root.der], purpose });
}

function leafWith(options: CertificateOptions, issuer: DevelopmentCertificate = root) {
  return issueCertificate(issuer, options);
}

test('RFC 1034 3.5: subjectAltName dNSNames must be LDH labels of 1..63 octets, no leading dot, no underscore', async (t) => {
  for (const bad of ['.example.com', 'a..example.com', 'under_score.example.com', `${'a'.repeat(64)}.example.com`, 'example.com.', '-dash.example.com', 'sp ace.example.com']) {
    const error = await failsWith(t, 'invalid_name', () => verify(leafWith({ commonName: 'ok.example.com', dnsNames: ['ok.example.com', bad] })));
    t.regex(error.message, /dNSName/, bad);
  }
  t.notThrows(() => verify(leafWith({ dnsNames: ['xn--bcher-kva.example', '*.wild.example.com', `${'a'.repeat(63)}.example.com`] })));
});

test('RFC 5280 4.2.1.10: dNSName constraints are DNS names too (a leading dot is refused)', async (t) => {
  const dotted = issueCertificate(root, { commonName: 'Dotted NC', isCA: true, nameConstraints: { permitted: ['.example.com'] } });
  await failsWith(t, 'invalid_name', () => verify(leafWith({ dnsNames: ['www.example.com'] }, dotted), dotted));
  const underscore = issueCertificate(root, { commonName: 'Underscore NC', isCA: true, nameConstraints: { excluded: ['bad_name.example'] } });
  await failsWith(t, 'invalid_name', () => verify(leafWith({ dnsNames: ['www.example.com'] }, underscore), underscore));
});

test('BRs 7.1.4.3: a commonName must be one of the SANs, byte for byte in canonical form', async (t) => {
  t.notThrows(() => verify(leafWith({ commonName: 'www.example.com', dnsNames: ['example.com', 'www.example.com'] })));
  await failsWith(t, 'invalid_name', () => verify(leafWith({ commonName: 'WWW.example.com', dnsNames: ['www.example.com'] })));
  await failsWith(t, 'invalid_name', () => verify(leafWith({ commonName: 'bücher.example', dnsNames: ['xn--bcher-kva.example'] })));
  t.notThrows(() => verify(leafWith({ commonName: 'xn--bcher-kva.example', dnsNames: ['xn--bcher-kva.example'] })));
  t.notThrows(() => verify(leafWith({ commonName: '2001:db8::1', ipAddresses: ['2001:db8::1'] })));
  await failsWith(t, 'invalid_name', () => verify(leafWith({ commonName: '2001:0db8:0:0:0:0:0:1', ipAddresses: ['2001:db8::1'] })));
  // A commonName without any SAN breaks the rule too.
  await failsWith(t, 'invalid_name', () => verify(leafWith({ commonName: 'nowhere.example', subject: [[AttributeOid.commonName, 'nowhere.example']] })));
  t.notThrows(() => verify(leafWith({ commonName: 'test client', dnsNames: ['client.test'] }), root, 'clientAuth'), 'client certificates are not held to the server rule');
});

test('BRs 3.2.2.6: no wildcard for a public suffix (Public Suffix List, ICANN and private sections)', async (t) => {
  t.true(isWildcardForPublicSuffix('*.co.uk'));
  t.true(isWildcardForPublicSuffix('*.s3.amazonaws.com'));
  t.true(isWildcardForPublicSuffix('*.github.io'));
  t.false(isWildcardForPublicSuffix('*.example.co.uk'));
  t.false(isWildcardForPublicSuffix('*.internal.test'), 'a name under no listed suffix is not a public suffix');
  for (const wildcard of ['*.co.uk', '*.s3.amazonaws.com']) {
    await failsWith(t, 'invalid_name', () => verify(leafWith({ commonName: 'a.example.org', dnsNames: ['a.example.org', wildcard] })));
  }
  t.notThrows(() => verify(leafWith({ dnsNames: ['*.example.co.uk'] })));
});

function emailCA(permittedOrExcluded: 'permitted' | 'excluded', base: string) {
  return issueCertificate(root, { commonName: `Email NC ${base}`, isCA: true, nameConstraints: { [permittedOrExcluded]: [{ email: base }] } });
}

function emailLeaf(issuer: DevelopmentCertificate, address: string) {
  return leafWith({ commonName: 'mail client', emailAddresses: [address], extKeyUsage: ['clientAuth', 'emailProtection'] }, issuer);
}

test('RFC 5280 4.2.1.10: rfc822Name constraints: a mailbox, a host, a domain', async (t) => {
  const check = (issuer: DevelopmentCertificate, address: string) => () => verify(emailLeaf(issuer, address), issuer, 'clientAuth');
  const mailbox = emailCA('permitted', 'admin@example.com');
  t.notThrows(check(mailbox, 'admin@EXAMPLE.com'), 'the host compares without case');
  await failsWith(t, 'name_constraints', check(mailbox, 'Admin@example.com'));
  await failsWith(t, 'name_constraints', check(mailbox, 'other@example.com'));
  const host = emailCA('permitted', 'example.com');
  t.notThrows(check(host, 'anyone@example.com'));
  await failsWith(t, 'name_constraints', check(host, 'anyone@mail.example.com'));
  const domain = emailCA('permitted', '.example.com');
  t.notThrows(check(domain, 'anyone@mail.example.com'));
  await failsWith(t, 'name_constraints', check(domain, 'anyone@example.com'));
  const excluded = emailCA('excluded', 'example.com');
  await failsWith(t, 'name_constraints', check(excluded, 'anyone@example.com'));
  t.notThrows(check(excluded, 'anyone@example.org'));
  // Without a subjectAltName, the emailAddress attributes of the subject are what the constraint applies to.
  const legacy = leafWith({ subject: [[AttributeOid.emailAddress, 'anyone@example.org']], extKeyUsage: ['clientAuth'] }, host);
  await failsWith(t, 'name_constraints', () => verify(legacy, host, 'clientAuth'));
});

test('RFC 5280 7.1: directoryName constraints fold case and insignificant spaces', async (t) => {
  const ca = issueCertificate(root, { commonName: 'Directory NC', isCA: true, nameConstraints: { permitted: [{ directory: [[AttributeOid.countryName, 'DE'], [AttributeOid.organizationName, 'Allowed Org']] }] } });
  const subject = (org: string) => leafWith({ subject: [[AttributeOid.countryName, 'de'], [AttributeOid.organizationName, org], [AttributeOid.commonName, 'in.example']], dnsNames: ['in.example'] }, ca);
  t.notThrows(() => verify(subject('  allowed   ORG '), ca));
  await failsWith(t, 'name_constraints', () => verify(subject('Other Org'), ca));
  const excluded = issueCertificate(root, { commonName: 'Directory Exclusion', isCA: true, nameConstraints: { excluded: [{ directory: [[AttributeOid.organizationName, 'Banned']] }] } });
  const banned = leafWith({ subject: [[AttributeOid.organizationName, 'BANNED'], [AttributeOid.commonName, 'x.example']], dnsNames: ['x.example'] }, excluded);
  await failsWith(t, 'name_constraints', () => verify(banned, excluded));
  const directoryAltName = leafWith({ dnsNames: ['y.example'], directoryNames: [[[AttributeOid.organizationName, 'banned']]] }, excluded);
  // directoryName SANs are constrained as well.
  await failsWith(t, 'name_constraints', () => verify(directoryAltName, excluded));
});

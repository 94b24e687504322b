/**
 * Host-name verification (RFC 6125, CA/B Forum): wildcard edge cases, IP literals only
 * against iPAddress entries, case and trailing dot, and no common-name fallback.
 */
import test from 'ava';
import {
  createDevelopmentCA, dnsNameMatches, issueCertificate, parseIPAddress, verifyCertificateChainSync,
} from '../../src/x509/index.js';
import { failsWith } from './helpers.js';

test('wildcards match exactly one whole left-most label', (t) => {
  t.true(dnsNameMatches('*.example.com', 'a.example.com'));
  t.true(dnsNameMatches('*.example.com', 'xn--bcher-kva.example.com'));
  t.false(dnsNameMatches('*.example.com', 'example.com'));
  t.false(dnsNameMatches('*.example.com', 'a.b.example.com'));
  t.false(dnsNameMatches('*.example.com', 'aexample.com'));
  t.false(dnsNameMatches('f*.example.com', 'foo.example.com'));
  t.false(dnsNameMatches('*f.example.com', 'ff.example.com'));
  t.false(dnsNameMatches('a.*.example.com', 'a.b.example.com'));
  t.false(dnsNameMatches('*.*.example.com', 'a.b.example.com'));
  t.false(dnsNameMatches('*', 'localhost'));
  t.false(dnsNameMatches('*.com', 'example.com'));
  t.false(dnsNameMatches('*.', 'example.'));
});

test('exact names compare ASCII case-insensitively; one trailing dot is tolerated on either side', (t) => {
  t.true(dnsNameMatches('WWW.Example.COM', 'www.example.com'));
  t.true(dnsNameMatches('www.example.com.', 'www.example.com'));
  t.false(dnsNameMatches('www.example.com', 'www.example.co'));
  t.false(dnsNameMatches('bad name.example.com', 'bad name.example.com'));
});

test('IP literal parsing: IPv4 dotted quads and IPv6 forms', (t) => {
  t.deepEqual([...parseIPAddress('192.0.2.1')!], [192, 0, 2, 1]);
  t.is(parseIPAddress('192.0.2.01'), undefined);
  t.is(parseIPAddress('192.0.2'), undefined);
  t.is(parseIPAddress('256.0.0.1'), undefined);
  t.deepEqual([...parseIPAddress('::1')!], [...new Array(15).fill(0), 1]);
  t.deepEqual([...parseIPAddress('[2001:db8::7]')!], [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 7]);
  t.deepEqual([...parseIPAddress('::ffff:192.0.2.1')!].slice(10), [0xff, 0xff, 192, 0, 2, 1]);
  t.deepEqual([...parseIPAddress('1:2:3:4:5:6:7:8')!].slice(14), [0, 8]);
  for (const bad of ['1::2::3', ':1', '1:2:3:4:5:6:7:8:9', '12345::', 'fe80::1%eth0', '1:2:3:4:5:6:7::8:9']) {
    t.is(parseIPAddress(bad), undefined, bad);
  }
});

const root = createDevelopmentCA({ commonName: 'Hostname Root' });
const anchors = [root.der];
const leaf = issueCertificate(root, {
  commonName: 'www.example.com',
  dnsNames: ['www.example.com', '*.wild.example.com', '192.0.2.9'],
  ipAddresses: ['192.0.2.1', '2001:db8::1'],
});

function verify(hostname: string, certificate = leaf) {
  return verifyCertificateChainSync({ leaf: certificate.der, trustAnchors: anchors, hostname });
}

test('a certificate validates for its DNS names, wildcard names and IP addresses', (t) => {
  for (const hostname of ['www.example.com', 'WWW.EXAMPLE.COM', 'www.example.com.', 'a.wild.example.com', '192.0.2.1', '2001:db8::1', '[2001:DB8:0::1]', '2001:0db8:0000:0000:0000:0000:0000:0001']) {
    t.notThrows(() => verify(hostname), hostname);
  }
});

test('wrong hosts, wildcard edge cases and IP/DNS confusion are hostname_mismatch', async (t) => {
  for (const hostname of [
    'example.com', 'wild.example.com', 'a.b.wild.example.com', 'www.example.org', '192.0.2.2',
    // A dNSName that spells an IP address never matches an IP literal.
    '192.0.2.9',
    // An IPv4 address never matches its IPv4-mapped IPv6 form.
    '::ffff:192.0.2.1',
    '', '.', 'www..example.com', '*.wild.example.com', 'www.example.com..',
  ]) {
    await failsWith(t, 'hostname_mismatch', () => verify(hostname));
  }
});

test('the common name is never used for host-name checks: one outside the SANs is itself an error (BRs 7.1.4.3)', async (t) => {
  const cnOnly = issueCertificate(root, { commonName: 'cn-only.example.com', dnsNames: ['other.example.com'] });
  await failsWith(t, 'invalid_name', () => verify('cn-only.example.com', cnOnly));
  const ipCn = issueCertificate(root, { commonName: '192.0.2.5', dnsNames: ['other.example.com'] });
  await failsWith(t, 'invalid_name', () => verify('192.0.2.5', ipCn));
  const both = issueCertificate(root, { commonName: 'other.example.com', dnsNames: ['other.example.com'] });
  const error = await failsWith(t, 'hostname_mismatch', () => verify('cn.example.com', both));
  t.regex(error.message, /valid for DNS:other\.example\.com/, 'the message lists the names the certificate carries');
});

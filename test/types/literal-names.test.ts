/**
 * Type test: backend names, crypto provider names and certificate-rejection reasons are
 * string-literal unions, so a misspelling does not compile. Every `@ts-expect-error` below
 * must meet an error: if a name type widens to `string`, the directive is unused and
 * `npm run build` (which compiles this file before any test runs) fails. The runtime half
 * checks the guards that catch the same mistakes from plain JavaScript.
 */
import test from 'ava';
import { createContainer, moduleFor, nobleModule, type BackendName, type CryptoProviderName } from '../../src/di/container.js';
import { alertForCertificateReason, CertificateVerificationError, ConfigurationError, type CertificateRejectionReason } from '../../src/errors.js';
import { isBackendName, isCryptoProviderName } from '../../src/names.js';
import tls from '../../src/node-api/tls.js';
import https from '../../src/node-api/https.js';
import type { NegotiatedParameters } from '../../src/tls-service.js';

/** Never called: only compiled. */
export function misspellingsDoNotCompile(negotiated: NegotiatedParameters): void {
  // @ts-expect-error 'nobel' is not a BackendName
  const backend: BackendName = 'nobel';
  // @ts-expect-error 'openssl' is not a BackendName
  createContainer('openssl');
  // @ts-expect-error 'node-crypto' is not a CryptoProviderName
  const provider: CryptoProviderName = 'node-crypto';
  // @ts-expect-error 'nodecrypto' is not a CryptoProviderName
  nobleModule('nodecrypto');
  // @ts-expect-error backend 'node_tls' is misspelt
  moduleFor('node_tls');
  // @ts-expect-error the option `backend` takes a BackendName
  tls.connect({ port: 443, backend: 'node:tls' });
  // @ts-expect-error the option `crypto` takes a CryptoProviderName
  https.createServer({ crypto: 'webcrypto' });
  // @ts-expect-error 'expird' is not a CertificateRejectionReason
  const reason: CertificateRejectionReason = 'expird';
  // @ts-expect-error CertificateVerificationError takes a known reason
  new CertificateVerificationError('hostname-mismatch', 'x');
  // @ts-expect-error alertForCertificateReason takes a known reason
  alertForCertificateReason('unknown-issuer');
  // @ts-expect-error negotiated.backend is a BackendName: comparing with a misspelling is an error
  if (negotiated.backend === 'node-tsl') return;
  void [backend, provider, reason];
}

test('the right spellings compile and work: names are unions of the known values', (t) => {
  const names: BackendName[] = ['noble', 'node-tls', 'plaintext'];
  const providers: CryptoProviderName[] = ['node', 'noble'];
  const reason: CertificateRejectionReason = 'expired';
  t.true(names.every(isBackendName));
  t.true(providers.every(isCryptoProviderName));
  t.is(alertForCertificateReason(reason), 'certificate_expired');
  t.is(new CertificateVerificationError('hostname_mismatch', 'x').code, 'ERR_TLS_CERT_ALTNAME_INVALID');
});

test('plain JavaScript that bypasses the types still gets a ConfigurationError naming the known values', (t) => {
  t.false(isBackendName('nobel'));
  t.false(isCryptoProviderName('node-crypto'));
  t.throws(() => moduleFor('nobel' as unknown as BackendName), { instanceOf: ConfigurationError, message: /unknown backend "nobel" \(known: noble, node-tls, plaintext\)/ });
  t.throws(() => nobleModule('node-crypto' as unknown as CryptoProviderName), { instanceOf: ConfigurationError, message: /known: node, noble/ });
  t.is(alertForCertificateReason('expird' as unknown as CertificateRejectionReason), 'bad_certificate');
});

/**
 * Shared pieces of the X.509 tests: fixture loading (the OpenSSL-made files committed in
 * test/fixtures/x509) and an assertion that a verification fails for a given reason.
 */
import type { ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { CertificateVerificationError, type CertificateRejectionReason } from '../../src/errors.js';
import { parseCertificateChain } from '../../src/x509/index.js';

const fixtureDirectory = new URL('../../../test/fixtures/x509/', import.meta.url);

/** The text of a fixture file. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(name, fixtureDirectory), 'latin1');
}

/** The bytes of a fixture file. */
export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, fixtureDirectory)));
}

/** The DER of the single certificate in a PEM fixture. */
export function fixtureDer(name: string): Uint8Array {
  const [der] = parseCertificateChain(fixtureText(name));
  return der!;
}

/** A time inside the validity of every OpenSSL fixture (they run 100 years from generation). */
export const FIXTURE_TIME = new Date('2030-06-01T00:00:00Z');

/** Asserts that `run` throws (or rejects with) a CertificateVerificationError with `reason`. */
export async function failsWith(t: ExecutionContext, reason: CertificateRejectionReason, run: () => unknown): Promise<CertificateVerificationError> {
  const error = await t.throwsAsync(async () => run(), { instanceOf: CertificateVerificationError });
  t.is(error?.reason, reason, error?.message);
  return error!;
}

/**
 * Property-based tests (fast-check), seeded and time-boxed so `npm test` stays quick and
 * repeatable: codec round trips, decoders and the record reader on arbitrary bytes, and
 * real handshake flights mutated and fragmented. `npm run fuzz -- --seconds N` runs the
 * same properties for longer with fresh seeds.
 */
import test from 'ava';
import fc from 'fast-check';
import { codecRoundTrips, decodersOnlyAlert, mutatedFlights, recordReaderOnlyAlerts } from './properties.js';

const SEED = 20261201;
const settings = (numRuns: number, ms: number) => ({ seed: SEED, numRuns, interruptAfterTimeLimit: ms });

test('codec round trips: decode(encode(m)) = m for ClientHello, ServerHello, Certificate, NewSessionTicket, protected records', (t) => {
  for (const property of codecRoundTrips) fc.assert(property, settings(200, 1500));
  t.pass();
});

test('every decoder, on arbitrary bytes, returns or fails with a TLS alert', (t) => {
  fc.assert(decodersOnlyAlert, settings(3000, 1500));
  t.pass();
});

test('the record reader, on arbitrary fragmented bytes, yields records or fails with an alert', (t) => {
  fc.assert(recordReaderOnlyAlerts, settings(2000, 1500));
  t.pass();
});

test('mutated, truncated and fragmented handshake flights end in a typed alert, never a crash (RFC 8446 section 6.2)', (t) => {
  fc.assert(mutatedFlights, settings(300, 4000));
  t.pass();
});

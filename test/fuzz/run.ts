/**
 * The long fuzz run: `npm run fuzz -- --seconds N [--seed S]`. Runs every property of
 * test/noble/properties.ts with fresh seeds until the time is up, printing the seed and
 * the counter-example of any failure (fast-check shrinks it), and exits 1 on a failure.
 */
import fc from 'fast-check';
import { codecRoundTrips, decodersOnlyAlert, mutatedFlights, recordReaderOnlyAlerts } from '../noble/properties.js';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const seconds = Number(option('seconds') ?? 60);
let seed = Number(option('seed') ?? Date.now() % 2 ** 31);
if (!Number.isFinite(seconds) || seconds <= 0) {
  console.error('usage: npm run fuzz -- --seconds N [--seed S]');
  process.exit(2);
}

/** Each property with its share of the time. */
const properties: ReadonlyArray<readonly [string, fc.IProperty<unknown>, number]> = [
  ...codecRoundTrips.map((p, i) => [`codec round trip ${i}`, p, 0.05] as const),
  ['decoders only alert', decodersOnlyAlert as fc.IProperty<unknown>, 0.1],
  ['record reader only alerts', recordReaderOnlyAlerts as fc.IProperty<unknown>, 0.1],
  ['mutated flights', mutatedFlights as fc.IProperty<unknown>, 0.55],
];
const counts = new Map<string, number>();

const deadline = Date.now() + seconds * 1000;
let runs = 0;
let rounds = 0;
while (Date.now() < deadline) {
  rounds++;
  for (const [name, property, share] of properties) {
    const budget = Math.max(200, Math.min(deadline - Date.now(), seconds * 1000 * share));
    if (Date.now() >= deadline) break;
    const result = fc.check(property, { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: budget });
    runs += result.numRuns;
    counts.set(name, (counts.get(name) ?? 0) + result.numRuns);
    if (result.failed) {
      console.error(`FAIL ${name} (seed ${seed}): ${fc.defaultReportMessage(result)}`);
      process.exit(1);
    }
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
  }
}
for (const [name, n] of counts) console.log(`  ${name}: ${n} cases`);
console.log(`fuzz: ${runs} cases over ${rounds} round(s) in ${seconds} s, no failure`);

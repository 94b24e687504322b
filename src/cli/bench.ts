/**
 * `tlsservice bench`: runs the benchmark suite of `bench/` (`--quick` for a sub-minute run).
 * The benchmarks use the test PKI and write their reports into the checkout, so they are
 * not part of the published package: an installed CLI says how to run them from a clone.
 */
import { ConfigurationError } from '../errors.js';
import { benchOptions, list, parse, usage } from './args.js';

/** What an installed CLI says for `bench`. */
export const BENCH_FROM_CHECKOUT =
  'the benchmarks run from a checkout of tlsservice, not from the installed package: clone the repository, then `npm ci && npm run bench -- --quick`';

/** Runs `tlsservice bench ...`. */
export async function runBenchCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, benchOptions);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  let runBenchmarks: typeof import('../../bench/run.js').runBenchmarks;
  try {
    ({ runBenchmarks } = await import('../../bench/run.js'));
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') throw new ConfigurationError(BENCH_FROM_CHECKOUT);
    throw error;
  }
  const only = list(values.only);
  await runBenchmarks({ quick: values.quick === true, ...(values.out ? { out: values.out } : {}), ...(only ? { only } : {}) });
  return 0;
}

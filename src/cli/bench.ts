/**
 * `tlsservice bench`: runs the benchmark suite of `bench/` (`--quick` for a sub-minute run).
 */
import { benchOptions, list, parse, usage } from './args.js';

/** Runs `tlsservice bench ...`. */
export async function runBenchCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, benchOptions);
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const { runBenchmarks } = await import('../../bench/run.js');
  const only = list(values.only);
  await runBenchmarks({ quick: values.quick === true, ...(values.out ? { out: values.out } : {}), ...(only ? { only } : {}) });
  return 0;
}

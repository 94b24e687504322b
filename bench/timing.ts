/**
 * Timing loops for synchronous operations: warm up, then run in growing batches until a
 * time budget is spent, so fast operations are not dominated by clock reads and slow
 * ones still run at least a few times.
 */

/** How often an operation ran and how long that took. */
export interface OperationTiming {
  readonly iterations: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/** Runs `operation` repeatedly for about `budgetSeconds` (after a warm-up) and times it. */
export function timeOperation(operation: () => unknown, budgetSeconds: number, minIterations = 3): OperationTiming {
  const budgetMs = budgetSeconds * 1000;
  // Warm-up (the JIT, lazily built tables): a third of the budget, at least 50 ms and three calls.
  const warmupEnd = performance.now() + Math.max(50, budgetMs / 3);
  for (let i = 0; i < 3 || performance.now() < warmupEnd; i++) operation();

  let iterations = 0;
  let batch = 1;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs || iterations < minIterations) {
    const batchStart = performance.now();
    for (let i = 0; i < batch; i++) operation();
    iterations += batch;
    const now = performance.now();
    elapsed = now - start;
    if (now - batchStart < 5) batch *= 2;
  }
  const seconds = elapsed / 1000;
  return { iterations, seconds, perSecond: iterations / seconds };
}

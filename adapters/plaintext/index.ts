/** The plaintext backend: no encryption; the baseline for tests and benchmarks. */
export { PlaintextService } from './service.js';

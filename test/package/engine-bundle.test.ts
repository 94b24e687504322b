/**
 * tlsservice/engine is browser-clean: esbuild bundles it for platform=browser (where a
 * `node:` import cannot resolve and fails the build), and the bundle names no Buffer and
 * holds no inversify.
 */
import test from 'ava';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../src/engine.js', import.meta.url));

test('tlsservice/engine bundles for the browser: no node: import, no Buffer, no inversify', async (t) => {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  t.true(inputs.some((path) => path.includes('adapters/noble/engine.js')), 'the engine is in the bundle');
  t.deepEqual(inputs.filter((path) => /inversify|reflect-metadata|node-forge/.test(path)), []);
  const code = result.outputFiles[0]!.text;
  t.notRegex(code, /from ["']node:|require\(["']node:/);
  t.notRegex(code, /\bBuffer\.(from|alloc|concat)\b/);
});

test('the package root is not browser-clean (it is the Node entry): bundling it for the browser fails on node: imports', async (t) => {
  const root = fileURLToPath(new URL('../../src/index.js', import.meta.url));
  const error = await t.throwsAsync(build({ entryPoints: [root], bundle: true, platform: 'browser', write: false, logLevel: 'silent' }));
  t.regex(error!.message, /node:/);
});

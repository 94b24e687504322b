/**
 * The README's TypeScript snippets compile as pasted: each ```ts block becomes a module
 * under dist/ (inside the package, so `tlsservice` resolves to this build by self-reference)
 * and tsc checks them strictly with NodeNext resolution.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));

test('every ```ts snippet in the README type-checks against the package', async (t) => {
  t.timeout(180_000, 'tsc on a loaded machine');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  t.true(snippets.length >= 3, 'the README has its examples');
  const directory = join(root, 'dist', 'readme-snippets');
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const files = snippets.map((code, i) => {
    const file = join(directory, `snippet-${i + 1}.ts`);
    writeFileSync(file, `${code}\nexport {};\n`);
    return file;
  });
  writeFileSync(
    join(directory, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022', lib: ['ES2023', 'ESNext.Disposable'], module: 'NodeNext', moduleResolution: 'NodeNext',
        strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')],
      },
      files,
    }),
  );
  try {
    await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(directory, 'tsconfig.json')], { timeout: 120_000 });
    t.pass();
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    t.fail(`README snippets do not compile:\n${stdout ?? ''}${stderr ?? ''}`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

/// <reference path="../../docs/examples/express-server.ts" />
/// <reference path="../../docs/examples/fastify-server.ts" />
/**
 * The docs/examples programs, run as a user would (`node dist/docs/examples/...`) on
 * every backend, with real clients: express over HTTP/1.1, fastify over HTTP/1.1 and
 * (where ALPN exists) HTTP/2. The references above make tsc build the examples.
 */
import test from 'ava';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BACKEND_NAMES } from '../../src/di/container.js';
import { encrypts, run, schemeOf, testCAFile } from './helpers.js';

/** A running example and the port it printed. */
interface RunningExample {
  readonly port: number;
  stop(): Promise<void>;
}

function startExample(name: string, backend: string): Promise<RunningExample> {
  const script = fileURLToPath(new URL(`../../docs/examples/${name}.js`, import.meta.url));
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [script], {
    env: { ...process.env, TLS_BACKEND: backend, PORT: '0' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }
  };
  return new Promise((resolve, reject) => {
    let timedOut = false;
    // Generous: under load, starting node with express or fastify takes seconds.
    const timer = setTimeout(() => {
      timedOut = true;
      void stop().then(() => reject(new Error(`${name} did not start in 30 s: ${stderr}`)));
    }, 30_000);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /listening on [\d.]+:(\d+)/.exec(stdout)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ port: Number(port), stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!timedOut) reject(new Error(`${name} exited with ${code}: ${stderr}`));
    });
  });
}

async function curlJSON(url: string, http2: boolean): Promise<Record<string, unknown>> {
  const result = await run('curl', ['-sS', http2 ? '--http2' : '--http1.1', '--cacert', testCAFile, url]);
  if (result.code !== 0) throw new Error(`curl failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

for (const backend of BACKEND_NAMES) {
  test(`${backend}: the express example serves over our server`, async (t) => {
    const example = await startExample('express-server', backend);
    try {
      const answer = await curlJSON(`${schemeOf(backend)}://localhost:${example.port}/`, false);
      t.deepEqual(answer, { framework: 'express', secure: encrypts(backend), httpVersion: '1.1' });
    } finally {
      await example.stop();
    }
  });

  test(`${backend}: the fastify example serves HTTP/1.1 and HTTP/2 by ALPN`, async (t) => {
    const example = await startExample('fastify-server', backend);
    try {
      const url = `${schemeOf(backend)}://localhost:${example.port}/`;
      t.deepEqual(await curlJSON(url, false), { framework: 'fastify', secure: encrypts(backend), httpVersion: '1.1' });
      const viaHTTP2 = await curlJSON(url, true);
      t.deepEqual(viaHTTP2, { framework: 'fastify', secure: encrypts(backend), httpVersion: encrypts(backend) ? '2.0' : '1.1' });
    } finally {
      await example.stop();
    }
  });
}

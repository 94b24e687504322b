/**
 * undici's `fetch` through `undiciConnector`, against node:https and against our own
 * server, on every backend.
 */
import test from 'ava';
import { Agent, fetch } from 'undici';
import { BACKEND_NAMES } from '../../src/di/container.js';
import { undiciConnector } from '../../src/http/index.js';
import { startNodeServer, startServer, testContainer } from './helpers.js';

for (const backend of BACKEND_NAMES) {
  test(`${backend}: fetch through the undici connector against node's server`, async (t) => {
    const peer = await startNodeServer(backend, (request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ url: request.url, method: request.method }));
    });
    const dispatcher = new Agent({ connect: undiciConnector({ container: testContainer(backend) }) });
    try {
      const response = await fetch(`${peer.url}/json`, { dispatcher });
      t.is(response.status, 200);
      t.deepEqual(await response.json(), { url: '/json', method: 'GET' });
      const again = await fetch(`${peer.url}/again`, { dispatcher, method: 'POST', body: 'abc' });
      t.deepEqual(await again.json(), { url: '/again', method: 'POST' });
    } finally {
      await dispatcher.close();
      await peer.close();
    }
  });

  test(`${backend}: fetch through the undici connector against our server`, async (t) => {
    const running = await startServer(backend, (request, response) => {
      let size = 0;
      request.on('data', (chunk: Buffer) => (size += chunk.length));
      request.on('end', () => response.end(`${request.method} ${request.url} ${size}`));
    });
    const dispatcher = new Agent({ connect: undiciConnector({ container: testContainer(backend) }) });
    try {
      const response = await fetch(`${running.url}/hello`, { dispatcher });
      t.is(await response.text(), 'GET /hello 0');
      const posted = await fetch(`${running.url}/upload`, { dispatcher, method: 'POST', body: 'y'.repeat(100_000) });
      t.is(await posted.text(), 'POST /upload 100000');
    } finally {
      await dispatcher.close();
      await running.close();
    }
  });
}

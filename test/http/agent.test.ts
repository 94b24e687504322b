/**
 * `https.get` through TLSServiceAgent, against node:https and against our own server,
 * on every backend: the request reaches the server, keep-alive reuses the connection.
 */
import test from 'ava';
import http from 'node:http';
import https from 'node:https';
import { BACKEND_NAMES, createContainer } from '../../src/di/container.js';
import { TLSServiceAgent } from '../../src/http/index.js';
import { bodyText, encrypts, startNodeServer, startServer, testContainer } from './helpers.js';

interface Answer {
  readonly status: number | undefined;
  readonly body: string;
  readonly reused: boolean;
}

function get(url: string, agent: http.Agent): Promise<Answer> {
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { agent }, (response) => {
      bodyText(response).then((body) => resolve({ status: response.statusCode, body, reused: request.reusedSocket }), reject);
    });
    request.on('error', reject);
  });
}

const greet: http.RequestListener = (request, response) => {
  response.end(`${request.url} secure=${(request.socket as { encrypted?: boolean }).encrypted === true}`);
};

for (const backend of BACKEND_NAMES) {
  const protocol = encrypts(backend) ? 'https:' : 'http:';

  test(`${backend}: https.get through the agent against node's server, reusing the connection`, async (t) => {
    const peer = await startNodeServer(backend, greet);
    const agent = new TLSServiceAgent({ container: testContainer(backend), protocol });
    try {
      const first = await get(`${peer.url}/one`, agent);
      const second = await get(`${peer.url}/two`, agent);
      t.deepEqual(first, { status: 200, body: `/one secure=${encrypts(backend)}`, reused: false });
      t.deepEqual(second, { status: 200, body: `/two secure=${encrypts(backend)}`, reused: true });
    } finally {
      agent.destroy();
      await peer.close();
    }
  });

  test(`${backend}: https.get through the agent against our server`, async (t) => {
    const running = await startServer(backend, greet);
    const agent = new TLSServiceAgent({ container: testContainer(backend), protocol });
    try {
      const first = await get(`${running.url}/one`, agent);
      const second = await get(`${running.url}/two`, agent);
      t.deepEqual(first, { status: 200, body: `/one secure=${encrypts(backend)}`, reused: false });
      t.deepEqual(second, { status: 200, body: `/two secure=${encrypts(backend)}`, reused: true });
    } finally {
      agent.destroy();
      await running.close();
    }
  });

  test(`${backend}: a POST body streams through the agent`, async (t) => {
    const running = await startServer(backend, (request, response) => {
      void bodyText(request).then((body) => response.end(`got ${body.length}`));
    });
    const agent = new TLSServiceAgent({ container: testContainer(backend), protocol });
    try {
      const payload = 'x'.repeat(200_000);
      const answer = await new Promise<string>((resolve, reject) => {
        const client = protocol === 'https:' ? https : http;
        const request = client.request(`${running.url}/upload`, { method: 'POST', agent }, (response) => {
          bodyText(response).then(resolve, reject);
        });
        request.on('error', reject);
        request.end(payload);
      });
      t.is(answer, 'got 200000');
    } finally {
      agent.destroy();
      await running.close();
    }
  });
}

for (const backend of BACKEND_NAMES.filter(encrypts)) {
  test(`${backend}: the agent rejects a server whose certificate it does not trust`, async (t) => {
    const running = await startServer(backend, greet);
    const agent = new TLSServiceAgent({ container: createContainer(backend) });
    try {
      const failure = await t.throwsAsync(get(`${running.url}/`, agent));
      t.log(`${failure?.name}: ${failure?.message}`);
    } finally {
      agent.destroy();
      await running.close();
    }
  });
}

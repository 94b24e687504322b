/**
 * Serves docs/examples/browser for a person to look at: `npm run example:browser`
 * bundles the pages and serves them on 127.0.0.1:8000 (PORT overrides). Start a relay
 * beside it (`tlsservice relay --listen 8080 --to 127.0.0.1:4433` or `--expose 8443`).
 */
import { readFileSync } from 'node:fs';
import { bundleExample, ROOT, servePages } from './pages.js';

const pages = await servePages(await bundleExample(), Number(process.env.PORT ?? 8000));
pages.put('ca.pem', readFileSync(`${ROOT}test/fixtures/certs/ca.pem`));
console.log(`client page: ${pages.origin}/client.html?relay=ws://127.0.0.1:8080&ca=ca.pem (trusts test/fixtures/certs/ca.pem)`);
console.log(`server page: ${pages.origin}/server.html?relay=ws://127.0.0.1:8080`);

/**
 * The default trust anchors: Node's bundled Mozilla roots (`tls.rootCertificates`),
 * parsed lazily on first use and cached. node:tls is reached through
 * `process.getBuiltinModule` at call time, so importing this file never pulls a Node
 * module into a browser bundle; there, the default set is empty.
 */

import type { Certificate } from './certificate.js';
import { parseCertificate } from './certificate.js';
import { parsePemBlocks } from './pem.js';

let cached: readonly Certificate[] | undefined;

function bundledRootPems(): readonly string[] {
  const nodeProcess = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const tls = nodeProcess?.getBuiltinModule?.('node:tls') as { rootCertificates?: readonly string[] } | undefined;
  return tls?.rootCertificates ?? [];
}

/** Node's bundled root certificates as trust anchors; ones we cannot parse or use are skipped. */
export function nodeRootTrustAnchors(): readonly Certificate[] {
  if (cached) return cached;
  const anchors: Certificate[] = [];
  for (const pem of bundledRootPems()) {
    try {
      for (const block of parsePemBlocks(pem)) {
        if (block.label === 'CERTIFICATE') anchors.push(parseCertificate(block.der));
      }
    } catch {
      // A root with contents this module does not support is left out, never fatal.
    }
  }
  cached = Object.freeze(anchors);
  return cached;
}

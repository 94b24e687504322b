/** ContentCache: equal content shares one value, different content does not, and the LRU stays bounded. */
import test from 'ava';
import { ContentCache } from '../src/content-cache.js';

test('equal content built once, different content built again', (t) => {
  const cache = new ContentCache<object>(4);
  let builds = 0;
  const build = () => ({ n: ++builds });
  const a = cache.get(['pem-a', Uint8Array.of(1, 2), ['x', 'y'], undefined], build);
  const b = cache.get(['pem-a', Uint8Array.of(1, 2), ['x', 'y'], undefined], build);
  t.is(a, b);
  t.is(builds, 1);
  t.not(cache.get(['pem-a', Uint8Array.of(1, 3), ['x', 'y'], undefined], build), a);
  t.not(cache.get(['pem-a', Uint8Array.of(1, 2), ['x,y'], undefined], build), a, 'list boundaries are part of the key');
  t.not(cache.get(['pem-a', Uint8Array.of(1, 2), ['x', 'y'], 'TLSv1.3'], build), a);
  t.is(builds, 4);
});

test('the least recently used entry is dropped past the limit', (t) => {
  const cache = new ContentCache<number>(2);
  let builds = 0;
  cache.get(['a'], () => ++builds);
  cache.get(['b'], () => ++builds);
  cache.get(['a'], () => ++builds); // refresh a
  cache.get(['c'], () => ++builds); // evicts b
  t.is(cache.get(['a'], () => ++builds), 1);
  t.is(cache.get(['b'], () => ++builds), 4);
});

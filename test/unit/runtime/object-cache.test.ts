// The informer's cache: whole objects and summaries under one key space.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectCache } from '../../../src/runtime/object-cache.ts';
import type { KubeObject } from '../../../src/runtime/resource.ts';

const object = (name: string, rv: string, extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name, namespace: 'n', resourceVersion: rv }, ...extra });

describe('ObjectCache', () => {
  it('get returns whole objects only; peek returns summaries too', () => {
    const cache = new ObjectCache<KubeObject>();
    cache.upsert(object('a', '1', { spec: { big: true } }));
    cache.upsert(object('b', '1', { spec: { big: true } }), { summary: object('b', '1') });
    assert.deepEqual(cache.get('n/a'), object('a', '1', { spec: { big: true } }));
    assert.equal(cache.get('n/b'), undefined);
    assert.deepEqual(cache.peek('n/b'), object('b', '1'));
    assert.equal(cache.isCompact('n/b'), true);
    assert.deepEqual(cache.list().map((o) => o.metadata.name), ['a']);
    assert.deepEqual([...cache.entries()].map((o) => o.metadata.name), ['a', 'b']);
    assert.deepEqual(cache.keys(), ['n/a', 'n/b']);
    assert.equal(cache.size, 2);
    assert.equal(cache.compactSize, 1);
  });

  it('an object moves between whole and summary with its updates, and upsert returns what was there', () => {
    const cache = new ObjectCache<KubeObject>();
    cache.upsert(object('a', '1'));
    const before = cache.upsert(object('a', '2'), { summary: object('a', '2'), evicted: true });
    assert.equal(cache.isEvicted('n/a'), true);
    assert.equal(before?.metadata.resourceVersion, '1');
    assert.equal(cache.get('n/a'), undefined);
    const summary = cache.upsert(object('a', '3'));
    assert.equal(summary?.metadata.resourceVersion, '2');
    assert.equal(cache.isCompact('n/a'), false);
    assert.equal(cache.isEvicted('n/a'), false);
    assert.equal(cache.size, 1);
    assert.equal(cache.remove(object('a', '3'))?.metadata.resourceVersion, '3');
    assert.equal(cache.size, 0);
  });
});

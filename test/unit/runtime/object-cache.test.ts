// The informer's cache: whole objects and summaries under one key space.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectCache, type Summary } from '../../../src/runtime/object-cache.ts';
import type { KubeObject } from '../../../src/runtime/resource.ts';

const object = (name: string, rv: string, extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name, namespace: 'n', resourceVersion: rv }, ...extra });
const summary = (rv: string): Summary & { note: string } => ({ resourceVersion: rv, note: 'small' });

describe('ObjectCache', () => {
  it('get returns whole objects only, summary the summaries; both count as held', () => {
    const cache = new ObjectCache<KubeObject, ReturnType<typeof summary>>();
    cache.upsert(object('a', '1', { spec: { big: true } }));
    cache.upsert(object('b', '1', { spec: { big: true } }), { summary: summary('1') });
    assert.deepEqual(cache.get('n/a'), object('a', '1', { spec: { big: true } }));
    assert.equal(cache.get('n/b'), undefined);
    assert.equal(cache.summary('n/a'), undefined);
    assert.deepEqual(cache.summary('n/b'), summary('1'));
    assert.equal(cache.has('n/b'), true);
    assert.equal(cache.has('n/c'), false);
    assert.equal(cache.versionOf('n/a'), '1');
    assert.equal(cache.versionOf('n/b'), '1');
    assert.equal(cache.isCompact('n/b'), true);
    assert.deepEqual(cache.list().map((o) => o.metadata.name), ['a']);
    assert.deepEqual([...cache.summaryEntries()].map(([key]) => key), ['n/b']);
    assert.deepEqual(cache.keys(), ['n/a', 'n/b']);
    assert.equal(cache.size, 2);
    assert.equal(cache.compactSize, 1);
  });

  it('an object moves between whole and summary with its updates', () => {
    const cache = new ObjectCache<KubeObject>();
    cache.upsert(object('a', '1'));
    cache.upsert(object('a', '2'), { summary: summary('2'), evicted: true });
    assert.equal(cache.isEvicted('n/a'), true);
    assert.equal(cache.versionOf('n/a'), '2');
    assert.equal(cache.get('n/a'), undefined);
    cache.upsert(object('a', '3'));
    assert.equal(cache.isCompact('n/a'), false);
    assert.equal(cache.isEvicted('n/a'), false);
    assert.equal(cache.size, 1);
    assert.equal(cache.remove('n/a')?.metadata.resourceVersion, '3', 'remove returns what was held whole');
    assert.equal(cache.size, 0);
    cache.upsert(object('b', '1'), { summary: summary('1') });
    assert.equal(cache.remove('n/b'), undefined, 'a summary is not an object');
    assert.equal(cache.has('n/b'), false);
  });

  it('recompact holds the whole objects the rule picks as summaries', () => {
    const cache = new ObjectCache<KubeObject>();
    cache.upsert(object('a', '1'));
    cache.upsert(object('b', '1'));
    assert.equal(cache.recompact((o) => (o.metadata.name === 'a' ? { summary: summary('1'), evicted: true } : undefined)), 1);
    assert.equal(cache.isEvicted('n/a'), true);
    assert.ok(cache.get('n/b'));
  });
});

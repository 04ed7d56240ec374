import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shrinkForCache } from '../../../src/runtime/informer.ts';

describe('shrinkForCache', () => {
  it('drops managedFields and the last-applied-configuration annotation, keeping every other annotation', () => {
    const object = {
      metadata: {
        name: 'r',
        managedFields: [{ manager: 'kubectl' }],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}', 'approval.cp.ei.telekom.de/requested-by': 'bob' },
      },
      spec: { a: 1 },
    };
    assert.deepEqual(shrinkForCache(object), {
      metadata: { name: 'r', annotations: { 'approval.cp.ei.telekom.de/requested-by': 'bob' } },
      spec: { a: 1 },
    });
  });

  it('leaves an object without them unchanged', () => {
    const object = { metadata: { name: 'r' } };
    assert.deepEqual(shrinkForCache(structuredClone(object)), object);
  });
});

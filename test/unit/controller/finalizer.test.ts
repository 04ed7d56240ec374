// The withdrawal finalizer (ADR 0006): on while a request is open, off once it settles; the
// merge-patch list and the JSON patch the mutating webhook can apply in the writer's own write.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WITHDRAWAL_FINALIZER } from '../../../src/api/resources.ts';
import { finalizerPatch, finalizersFor, hasFinalizer, isOpen } from '../../../src/controller/finalizer.ts';
import type { KubeObject } from '../../../src/runtime/resource.ts';

const object = (finalizers?: string[], deletionTimestamp?: string): KubeObject => ({ metadata: { name: 'r', namespace: 'n', finalizers, deletionTimestamp } });

describe('withdrawal finalizer', () => {
  it('is on in Pending and Semigranted only', () => {
    assert.deepEqual((['Pending', 'Semigranted', 'Granted', 'Rejected', 'Expired'] as const).filter(isOpen), ['Pending', 'Semigranted']);
  });

  it('finalizersFor: the list with ours set or removed, others kept; undefined when nothing changes, null when it empties', () => {
    assert.deepEqual(finalizersFor(object(), true), [WITHDRAWAL_FINALIZER]);
    assert.deepEqual(finalizersFor(object(['other/x']), true), ['other/x', WITHDRAWAL_FINALIZER]);
    assert.equal(finalizersFor(object([WITHDRAWAL_FINALIZER]), true), undefined);
    assert.equal(finalizersFor(object([WITHDRAWAL_FINALIZER]), false), null);
    assert.deepEqual(finalizersFor(object(['other/x', WITHDRAWAL_FINALIZER]), false), ['other/x']);
    assert.equal(finalizersFor(object(), false), undefined);
    assert.equal(hasFinalizer(object(['other/x', WITHDRAWAL_FINALIZER])), true);
    assert.equal(hasFinalizer(object()), false);
  });

  it('finalizerPatch: added on an open create, removed by the settling vote, never added to an object being deleted', () => {
    assert.deepEqual(finalizerPatch(object(), 'Pending'), [{ op: 'add', path: '/metadata/finalizers', value: [WITHDRAWAL_FINALIZER] }]);
    assert.deepEqual(finalizerPatch(object(['other/x']), 'Semigranted'), [{ op: 'replace', path: '/metadata/finalizers', value: ['other/x', WITHDRAWAL_FINALIZER] }]);
    assert.deepEqual(finalizerPatch(object([WITHDRAWAL_FINALIZER]), 'Granted'), [{ op: 'remove', path: '/metadata/finalizers' }]);
    assert.deepEqual(finalizerPatch(object(['other/x', WITHDRAWAL_FINALIZER]), 'Rejected'), [{ op: 'replace', path: '/metadata/finalizers', value: ['other/x'] }]);
    assert.deepEqual(finalizerPatch(object([WITHDRAWAL_FINALIZER]), 'Semigranted'), []);
    assert.deepEqual(finalizerPatch(object(undefined, '2026-11-27T10:00:00Z'), 'Pending'), [], 'the API server refuses new finalizers on a terminating object');
    assert.deepEqual(finalizerPatch(object([WITHDRAWAL_FINALIZER], '2026-11-27T10:00:00Z'), 'Granted'), [{ op: 'remove', path: '/metadata/finalizers' }]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allSettledOrThrow } from '../../../src/controller/settle.ts';

describe('allSettledOrThrow', () => {
  it('resolves with every value in order', async () => {
    assert.deepEqual(await allSettledOrThrow([Promise.resolve(1), Promise.resolve('two')] as const), [1, 'two']);
  });

  it('rejects with the first failure, but only after the others have settled', async () => {
    let slowDone = false;
    const slow = new Promise<void>((resolve) => setTimeout(() => { slowDone = true; resolve(); }, 30));
    await assert.rejects(allSettledOrThrow([Promise.reject(new Error('first')), slow, Promise.reject(new Error('second'))] as const), /first/);
    assert.equal(slowDone, true);
  });
});

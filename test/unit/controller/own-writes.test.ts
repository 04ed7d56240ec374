import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OwnWrites } from '../../../src/controller/own-writes.ts';
import { allSettledOrThrow } from '../../../src/controller/settle.ts';

describe('OwnWrites', () => {
  it('a cache older than our last write is behind; once it catches up the key is forgotten', () => {
    const own = new OwnWrites();
    own.remember('ns/a', '120');
    assert.equal(own.isBehind('ns/a', '119'), true);
    assert.equal(own.isBehind('ns/a', '120'), false);
    assert.equal(own.size, 0);
    assert.equal(own.isBehind('ns/a', '5'), false, 'nothing remembered any more');
  });

  it('compares resourceVersions as integers, not strings', () => {
    const own = new OwnWrites();
    own.remember('ns/a', '100');
    assert.equal(own.isBehind('ns/a', '99'), true);
    assert.equal(own.isBehind('ns/a', '1000'), false);
  });

  it('keeps the newest of several writes', () => {
    const own = new OwnWrites();
    own.remember('ns/a', '10');
    own.remember('ns/a', '12');
    own.remember('ns/a', '11');
    assert.equal(own.isBehind('ns/a', '11'), true);
    assert.equal(own.isBehind('ns/a', '12'), false);
  });

  it('ignores resourceVersions that are not integers, and keys are independent', () => {
    const own = new OwnWrites();
    own.remember('ns/a', 'abc');
    own.remember('ns/b', undefined);
    assert.equal(own.size, 0);
    own.remember('ns/a', '7');
    assert.equal(own.isBehind('ns/b', '1'), false);
    assert.equal(own.isBehind('ns/a', 'not-a-number'), false, 'an unreadable cached version is never held back');
  });

  it('forget drops a deleted key', () => {
    const own = new OwnWrites();
    own.remember('ns/a', '7');
    own.forget('ns/a');
    assert.equal(own.isBehind('ns/a', '1'), false);
  });
});

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

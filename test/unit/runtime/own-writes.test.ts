import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OwnWrites } from '../../../src/runtime/own-writes.ts';

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

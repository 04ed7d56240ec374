import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimiter } from '../../../src/runtime/rate-limiter.ts';
import { WorkQueue } from '../../../src/runtime/work-queue.ts';


describe('WorkQueue', () => {
  it('holds a delay beyond what a Node timer keeps (720h) instead of firing it at once', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const queue = new WorkQueue();
    try {
      queue.addAfter('ns/month', 720 * 3_600_000);
      queue.addAfter('ns/forever', Number.POSITIVE_INFINITY);
      await sleep(50);
      assert.equal(queue.length, 0, 'nothing is due yet');
      assert.deepEqual(warnings.filter((w) => w.name === 'TimeoutOverflowWarning'), []);
    } finally {
      queue.shutDown();
      process.off('warning', onWarning);
    }
  });

  it('hands out a key added several times only once (de-duplication)', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    queue.add('ns/a');
    queue.add('ns/b');
    queue.add('ns/a');
    assert.equal(queue.length, 2);
    assert.equal(await queue.get(), 'ns/a');
    assert.equal(await queue.get(), 'ns/b');
    assert.equal(queue.length, 0);
  });

  it('never hands a key to two workers at once; a key added while in progress comes back after done', async () => {
    const queue = new WorkQueue();
    queue.add('ns/a');
    const first = await queue.get();
    assert.equal(first, 'ns/a');
    queue.add('ns/a');
    queue.add('ns/a');
    assert.equal(queue.length, 0, 'a key in progress is not handed to a second worker');
    const waiting = queue.get();
    queue.done('ns/a');
    assert.equal(await waiting, 'ns/a', 'the key added during processing is queued again, after done');
    queue.done('ns/a');
    assert.equal(queue.length, 0, 'and only once');
  });

  it('serves waiting workers in FIFO order', async () => {
    const queue = new WorkQueue();
    const w1 = queue.get();
    const w2 = queue.get();
    queue.add('x');
    queue.add('y');
    assert.deepEqual(await Promise.all([w1, w2]), ['x', 'y']);
  });

  it('adds a key after a delay, keeping the earliest pending delay', async () => {
    const queue = new WorkQueue();
    queue.addAfter('k', 200);
    queue.addAfter('k', 30);
    queue.addAfter('k', 500);
    const started = Date.now();
    assert.equal(await queue.get(), 'k');
    const waited = Date.now() - started;
    assert.ok(waited >= 25 && waited < 180, `waited ${waited} ms`);
    queue.done('k');
    await sleep(550);
    assert.equal(queue.length, 0, 'the later delays were merged into the first');
  });

  it('retries a failing key with exponential backoff and resets it on forget', async () => {
    const queue = new WorkQueue({ baseDelayMs: 20, maxDelayMs: 1000 });
    const waits: number[] = [];
    queue.add('k');
    for (let attempt = 0; attempt < 4; attempt++) {
      const started = Date.now();
      const key = await queue.get();
      waits.push(Date.now() - started);
      assert.equal(key, 'k');
      queue.addRateLimited(key);
      queue.done(key);
    }
    // Waits before attempts 2..4 follow 20, 40, 80 ms.
    assert.ok(waits[1]! >= 15 && waits[2]! >= 35 && waits[3]! >= 75, `waits ${waits.join(',')}`);
    assert.ok(waits[3]! > waits[1]!, 'backoff grows');
    assert.equal(queue.failuresOf('k'), 4);
    queue.forget('k');
    assert.equal(queue.failuresOf('k'), 0);
    queue.shutDown();
  });

  it('returns undefined to waiting workers after shutdown and ignores new keys', async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutDown();
    assert.equal(await waiting, undefined);
    queue.add('late');
    assert.equal(await queue.get(), undefined);
  });
});

describe('RateLimiter', () => {
  it('doubles the per-key delay up to the cap', () => {
    const limiter = new RateLimiter({ baseDelayMs: 100, maxDelayMs: 1000, qps: 1000, burst: 1000 });
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => limiter.when('a')), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(limiter.when('b'), 100, 'keys back off independently');
  });

  it('spaces retries out once the global burst is spent', () => {
    let now = 0;
    const limiter = new RateLimiter({ baseDelayMs: 1, qps: 10, burst: 2, now: () => now });
    assert.equal(limiter.when('a'), 1);
    assert.equal(limiter.when('b'), 1);
    assert.equal(limiter.when('c'), 100, 'third retry within the same instant waits one token (100 ms at 10 qps)');
    now += 1000;
    assert.equal(limiter.when('d'), 1, 'tokens refill over time');
  });
});

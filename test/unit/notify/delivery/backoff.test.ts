import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, DEFAULT_CALLBACK_MAX_AGE_MS, DEFAULT_MAX_AGE_MS } from '../../../../src/notify/delivery/backoff.ts';
import { failedState, isDue, hasGivenUp, nextRequeueMs, sentState } from '../../../../src/notify/delivery/status.ts';

describe('backoff', () => {
  it('starts at 1 s, doubles and caps at 1 h', () => {
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n)), [1000, 2000, 4000, 8000, 16000]);
    assert.equal(backoffDelayMs(12), 2_048_000);
    assert.equal(backoffDelayMs(13), 3_600_000);
    assert.equal(backoffDelayMs(10_000), 3_600_000);
    assert.equal(backoffDelayMs(0), 1000);
  });

  it('takes a base and a cap', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelayMs(n, { baseDelayMs: 100, maxDelayMs: 300 })), [100, 200, 300, 300]);
  });

  it('defaults to 72 h and 3 days', () => {
    assert.equal(DEFAULT_MAX_AGE_MS, 72 * 3600_000);
    assert.equal(DEFAULT_CALLBACK_MAX_AGE_MS, 3 * 24 * 3600_000);
  });
});

describe('channel states', () => {
  const created = new Date('2030-01-01T00:00:00.000Z');
  const hour = 3600_000;

  it('counts attempts and schedules the next one', () => {
    const now = new Date(created.getTime() + 10_000);
    const first = failedState(undefined, now, 'boom', created, 72 * hour, {});
    assert.deepEqual(first, { sent: false, timestamp: now.toISOString(), attempts: 1, errorMessage: 'boom', nextAttemptAt: new Date(now.getTime() + 1000).toISOString() });
    const second = failedState(first, now, 'boom', created, 72 * hour, {});
    assert.equal(second.attempts, 2);
    assert.equal(second.nextAttemptAt, new Date(now.getTime() + 2000).toISOString());
    const sent = sentState(second, now);
    assert.deepEqual(sent, { sent: true, timestamp: now.toISOString(), attempts: 3 });
  });

  it('gives up when the next attempt would be past the maximum age', () => {
    const late = new Date(created.getTime() + 72 * hour - 500);
    const state = failedState({ sent: false, attempts: 20 }, late, 'down', created, 72 * hour, {});
    assert.equal(state.nextAttemptAt, undefined);
    assert.equal(hasGivenUp(state), true);
    assert.equal(isDue(state, new Date(late.getTime() + 10 * hour)), false);
  });

  it('is due when never tried or when its time has come; never once sent', () => {
    const now = new Date(created.getTime() + 5000);
    assert.equal(isDue(undefined, now), true);
    assert.equal(isDue({ sent: false, attempts: 1, nextAttemptAt: new Date(now.getTime() + 1).toISOString() }, now), false);
    assert.equal(isDue({ sent: false, attempts: 1, nextAttemptAt: now.toISOString() }, now), true);
    assert.equal(isDue({ sent: true, attempts: 1 }, now), false);
  });

  it('requeues at the earliest pending retry', () => {
    const now = new Date(created.getTime() + 5000);
    const targets = [
      { key: 'a/x', kind: 'channel' as const },
      { key: 'b/y', kind: 'channel' as const },
      { key: 'callback', kind: 'callback' as const },
    ];
    const states = {
      'a/x': { sent: false, attempts: 2, nextAttemptAt: new Date(now.getTime() + 4000).toISOString() },
      'b/y': { sent: false, attempts: 1, nextAttemptAt: new Date(now.getTime() + 1500).toISOString() },
      callback: { sent: true, attempts: 1 },
    };
    assert.equal(nextRequeueMs(targets, states, now), 1500);
    assert.equal(nextRequeueMs(targets, { ...states, 'a/x': { sent: true, attempts: 3 }, 'b/y': { sent: true, attempts: 2 } }, now), undefined);
    assert.equal(nextRequeueMs(targets, {}, now), 0);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Notification } from '../../../../src/api/types.ts';
import { isSettled } from '../../../../src/notify/delivery/delivery-controller.ts';

const withCondition = (condition: Record<string, unknown> | undefined, generation = 1) =>
  ({ metadata: { name: 'n', generation }, spec: { purpose: 'p' }, status: condition ? { conditions: [{ type: 'Delivered', ...condition }] } : {} }) as unknown as Notification;

describe('isSettled (a Notification the delivery cache lets go)', () => {
  it('is delivered or given up on, for the current generation', () => {
    assert.equal(isSettled(withCondition({ status: 'True', reason: 'Delivered', observedGeneration: 1 })), true);
    assert.equal(isSettled(withCondition({ status: 'True', reason: 'NoChannels', observedGeneration: 1 })), true);
    assert.equal(isSettled(withCondition({ status: 'False', reason: 'GaveUp', observedGeneration: 1 })), true);
  });

  it('is not while retrying, before the first attempt, or when the spec changed since', () => {
    assert.equal(isSettled(withCondition({ status: 'False', reason: 'Retrying', observedGeneration: 1 })), false);
    assert.equal(isSettled(withCondition(undefined)), false);
    assert.equal(isSettled(withCondition({ status: 'True', reason: 'Delivered', observedGeneration: 1 }, 2)), false);
  });
});

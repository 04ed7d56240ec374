import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ignoresPurpose } from '../../../../src/notify/delivery/delivery-controller.ts';
import { deliveredCondition, deliveryStatusPatch, targetsOf, type Target } from '../../../../src/notify/delivery/status.ts';
import type { Notification } from '../../../../src/notify/delivery/types.ts';

const base: Notification = {
  metadata: { name: 'n', namespace: 'team-a', uid: 'u', generation: 1 },
  spec: { purpose: 'p', sender: { type: 'System' }, channels: [], properties: {} },
};

describe('targetsOf', () => {
  it('lists channel refs (namespace defaulting to the notification’s), without duplicates', () => {
    const n = { ...base, spec: { ...base.spec, channels: [{ name: 'mail', namespace: '' }, { name: 'chat', namespace: 'shared' }, { name: 'mail', namespace: 'team-a' }] } };
    assert.deepEqual(
      targetsOf(n).map((t) => t.key),
      ['team-a/mail', 'shared/chat'],
    );
  });

  it('uses the fallback e-mail only without channels, and adds the callback', () => {
    const fallback = { ...base, spec: { ...base.spec, fallbackEmail: { recipients: ['t@example.com'] }, callback: { url: 'http://x' } } };
    assert.deepEqual(
      targetsOf(fallback).map((t) => t.key),
      ['fallback-email', 'callback'],
    );
    const both = { ...fallback, spec: { ...fallback.spec, channels: [{ name: 'c', namespace: 'team-a' }] } };
    assert.deepEqual(
      targetsOf(both).map((t) => t.key),
      ['team-a/c', 'callback'],
    );
    assert.deepEqual(targetsOf(base), []);
  });
});

describe('Delivered condition', () => {
  const now = new Date('2030-01-01T00:00:10.123Z');
  const targets: Target[] = [
    { key: 'a/mail', kind: 'channel' },
    { key: 'callback', kind: 'callback' },
  ];

  it('True/Delivered when all are sent', () => {
    const c = deliveredCondition(targets, { 'a/mail': { sent: true, attempts: 1 }, callback: { sent: true, attempts: 3 } }, [], now, 1, undefined);
    assert.equal(c.status, 'True');
    assert.equal(c.reason, 'Delivered');
    assert.equal(c.lastTransitionTime, '2030-01-01T00:00:10Z');
    assert.equal(c.observedGeneration, 1);
  });

  it('False/Retrying while any is pending, False/GaveUp when the rest gave up', () => {
    const retrying = deliveredCondition(targets, { 'a/mail': { sent: true, attempts: 1 }, callback: { sent: false, attempts: 2, errorMessage: 'HTTP 500', nextAttemptAt: 'soon' } }, [], now, 1, undefined);
    assert.equal(retrying.status, 'False');
    assert.equal(retrying.reason, 'Retrying');
    assert.match(retrying.message, /1 of 2 delivered; pending: callback \(attempt 2 failed: HTTP 500/);
    const gaveUp = deliveredCondition(targets, { 'a/mail': { sent: true, attempts: 1 }, callback: { sent: false, attempts: 80, errorMessage: 'HTTP 500' } }, [], now, 1, retrying);
    assert.equal(gaveUp.reason, 'GaveUp');
    assert.equal(gaveUp.lastTransitionTime, retrying.lastTransitionTime, 'same status keeps its transition time');
  });

  it('True/NoChannels when there is nothing to deliver', () => {
    const c = deliveredCondition([], {}, ['a/chat'], now, 1, undefined);
    assert.equal(c.status, 'True');
    assert.equal(c.reason, 'NoChannels');
    assert.match(c.message, /a\/chat ignore this purpose/);
  });
});

describe('deliveryStatusPatch', () => {
  const condition = deliveredCondition([{ key: 'a/m', kind: 'channel' }], { 'a/m': { sent: true, attempts: 1 } }, [], new Date(), 1, undefined);

  it('writes only what differs, and nothing when nothing does', () => {
    const states = { 'a/m': { sent: true, attempts: 1, timestamp: 't' } };
    const patch = deliveryStatusPatch(undefined, states, condition, 1);
    assert.deepEqual(patch, {
      states: { 'a/m': { sent: true, attempts: 1, timestamp: 't', errorMessage: null, nextAttemptAt: null } },
      conditions: [condition],
      observedGeneration: 1,
    });
    assert.equal(deliveryStatusPatch({ states, conditions: [condition], observedGeneration: 1 }, states, condition, 1), undefined);
  });

  it('keeps other conditions', () => {
    const other = { type: 'Other', status: 'True' as const, reason: 'R', message: '', lastTransitionTime: 't' };
    const patch = deliveryStatusPatch({ conditions: [other] }, {}, condition, undefined);
    assert.deepEqual(patch, { conditions: [other, condition] });
  });
});

describe('ignoresPurpose', () => {
  it('matches exact purposes and * patterns', () => {
    assert.equal(ignoresPurpose(['approvalrequest--subscribe--created--decider'], 'approvalrequest--subscribe--created--decider'), true);
    assert.equal(ignoresPurpose(['approval--*--reminder--*'], 'approval--subscribe--reminder--decider'), true);
    assert.equal(ignoresPurpose(['approval--*--reminder--*'], 'approvalrequest--subscribe--created--decider'), false);
    assert.equal(ignoresPurpose(['a.b'], 'axb'), false);
    assert.equal(ignoresPurpose(undefined, 'x'), false);
  });
});

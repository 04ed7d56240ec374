// Which requests and Approvals the caches may hold as summaries, and what a summary keeps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Approval, ApprovalRequest } from '../../../src/api/types.ts';
import { BASELINE_ANNOTATION, WITHDRAWAL_FINALIZER } from '../../../src/api/resources.ts';
import { compactRequests, grantNeedsWork, settledApprovalSummary, settledRequestSummary } from '../../../src/controller/settled-summary.ts';
import { requestSettledAt } from '../../../src/retention/rules.ts';

const meta = { name: 'r', namespace: 'team-a', uid: 'u-1', resourceVersion: '42', generation: 2, labels: { env: 'prod' }, annotations: { a: 'b' } };


function request(state: string, status: Record<string, unknown> = { lastState: state, observedGeneration: 2, approval: { name: 'apisubscription--x', namespace: 'team-a' } }, extra: Partial<ApprovalRequest['metadata']> = {}): ApprovalRequest {
  return {
    metadata: { ...meta, ...extra },
    spec: { state, requester: { teamName: 'shop' }, decider: { teamName: 'orders' }, target: { name: 'x' }, decisions: [{ name: 'alice' }], action: 'subscribe', strategy: 'Simple', properties: { big: 'x'.repeat(1000) } },
    status,
  } as unknown as ApprovalRequest;
}

function approval(state: string, status: Record<string, unknown> = { lastState: state, observedGeneration: 2 }, annotations: Record<string, string> = { [BASELINE_ANNOTATION]: 'Granted/1' }): Approval {
  return {
    metadata: { ...meta, annotations },
    spec: { state, approvedRequest: { name: 'r', namespace: 'team-a', uid: 'u-0' }, requester: { teamName: 'shop' }, target: { name: 'x' }, decisions: [{ name: 'alice' }] },
    status,
  } as unknown as Approval;
}

describe('settled request summary', () => {
  it('summarises Granted, Rejected and Expired requests whose status is published for this generation', () => {
    for (const state of ['Granted', 'Rejected', 'Expired']) assert.ok(settledRequestSummary(request(state)), state);
  });

  it('keeps open, unpublished, finalized or deleting requests whole', () => {
    assert.equal(settledRequestSummary(request('Pending')), undefined);
    assert.equal(settledRequestSummary(request('Semigranted')), undefined);
    assert.equal(settledRequestSummary(request('Granted', { lastState: 'Pending', observedGeneration: 2 })), undefined, 'status not yet written');
    assert.equal(settledRequestSummary(request('Granted', { lastState: 'Granted', observedGeneration: 1, approval: { name: 'a' } })), undefined, 'older generation');
    assert.equal(settledRequestSummary(request('Granted', { lastState: 'Granted', observedGeneration: 2 })), undefined, 'Granted without its Approval');
    assert.equal(settledRequestSummary(request('Rejected', undefined, { finalizers: [WITHDRAWAL_FINALIZER] })), undefined);
    assert.equal(settledRequestSummary(request('Rejected', undefined, { deletionTimestamp: '2026-01-01T00:00:00Z' })), undefined);
  });

  it('keeps identity, version, state and the Approval; drops content', () => {
    const granted = request('Granted', {
      lastState: 'Granted',
      observedGeneration: 2,
      approval: { name: 'apisubscription--x', namespace: 'team-a' },
      conditions: [{ type: 'Processing', status: 'False', lastTransitionTime: '2026-11-01T10:00:00Z' }],
    });
    assert.deepEqual(JSON.parse(JSON.stringify(settledRequestSummary(granted))), {
      metadata: { name: 'r', namespace: 'team-a', uid: 'u-1', resourceVersion: '42', generation: 2, labels: { env: 'prod' } },
      spec: { state: 'Granted', action: 'subscribe', strategy: 'Simple', target: {}, requester: { teamName: 'shop' }, decider: { teamName: 'orders' } },
      status: {
        lastState: 'Granted',
        approval: { name: 'apisubscription--x', namespace: 'team-a' },
        conditions: [{ type: 'Processing', status: 'False', lastTransitionTime: '2026-11-01T10:00:00.000Z' }],
      },
    });
    const rejected = request('Rejected', { lastState: 'Rejected', observedGeneration: 2 });
    assert.deepEqual(settledRequestSummary(rejected)?.status, { lastState: 'Rejected' });
  });

  it('keeps what retention reads: the policy match and when it settled', () => {
    const granted = request('Granted', {
      lastState: 'Granted',
      observedGeneration: 2,
      approval: { name: 'a' },
      conditions: [{ type: 'Processing', status: 'False', lastTransitionTime: '2026-11-01T10:00:00Z' }],
    });
    assert.equal(requestSettledAt(settledRequestSummary(granted)!)?.toISOString(), requestSettledAt(granted)?.toISOString());
  });

  it('a summarised grant owes its Approval work when the Approval is not cached, or lacks the labels of the grant it holds', () => {
    const summary = settledRequestSummary(request('Granted'))!;
    const held = (labels: Record<string, string> | undefined, uid = 'u-1') =>
      ({ metadata: { name: 'apisubscription--x', namespace: 'team-a', labels }, spec: { approvedRequest: { uid } } }) as unknown as Approval;
    assert.equal(grantNeedsWork(summary, () => undefined), true, 'no Approval');
    assert.equal(grantNeedsWork(summary, (key) => (key === 'team-a/apisubscription--x' ? held({ env: 'prod' }) : undefined)), false);
    assert.equal(grantNeedsWork(summary, () => held({ env: 'dev', owner: 'me' })), true, 'a label changed on the request');
    assert.equal(grantNeedsWork(summary, () => held({}, 'u-other')), false, "another request's grant: not this one's labels");
    assert.equal(grantNeedsWork(settledRequestSummary(request('Rejected'))!, () => undefined), false);
  });
});

describe('settled Approval summary', () => {
  it('summarises a published Approval without an expiry, in any state', () => {
    for (const state of ['Granted', 'Suspended', 'Rejected', 'Expired']) assert.ok(settledApprovalSummary(approval(state)), state);
  });

  it('keeps whole an Approval with an expiry (timed), without a baseline (first seen) or not yet published', () => {
    assert.equal(settledApprovalSummary(approval('Granted', { lastState: 'Granted', observedGeneration: 2, expiresAt: '2027-01-01T00:00:00Z' })), undefined);
    assert.equal(settledApprovalSummary(approval('Granted', undefined, {})), undefined);
    assert.equal(settledApprovalSummary(approval('Suspended', { lastState: 'Granted', observedGeneration: 2 })), undefined);
  });

  it('keeps the request whose content it holds (the request controller maps Approval events by it)', () => {
    assert.deepEqual(settledApprovalSummary(approval('Granted')), {
      metadata: { name: 'r', namespace: 'team-a', uid: 'u-1', resourceVersion: '42', generation: 2, labels: { env: 'prod' } },
      spec: { state: 'Granted', approvedRequest: { name: 'r', namespace: 'team-a', uid: 'u-0' } },
      status: { lastState: 'Granted' },
    });
  });
});

describe('how the caches hold requests', () => {
  it('settled: a summary; open: whole, or an evicted summary under memory pressure', () => {
    let pressure = false;
    const compact = compactRequests(() => pressure);
    assert.deepEqual(compact(request('Granted'))?.evicted, undefined);
    assert.ok(compact(request('Granted'))?.summary);
    assert.equal(compact(request('Pending')), undefined, 'open, no pressure: whole');
    pressure = true;
    const evicted = compact(request('Pending'))!;
    assert.equal(evicted.evicted, true);
    assert.equal(evicted.summary.spec.state, 'Pending');
    assert.equal(evicted.summary.spec.decisions, undefined, 'no content');
    assert.equal(compact(request('Granted'))?.evicted, undefined, 'settled stays a plain summary');
  });
});

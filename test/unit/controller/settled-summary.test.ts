// Which requests and Approvals the caches may hold as summaries, and what a summary keeps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Approval, ApprovalRequest } from '../../../src/api/types.ts';
import { BASELINE_ANNOTATION, WITHDRAWAL_FINALIZER } from '../../../src/api/resources.ts';
import { approvalCompaction, grantNeedsWork, requestCompaction, settledApprovalSummary, settledRequestSummary, type ApprovalSummary } from '../../../src/controller/settled-summary.ts';
import { ObjectCache } from '../../../src/runtime/object-cache.ts';
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

  it('keeps version, state, labels, the Approval and what policies match on; drops content', () => {
    const granted = request('Granted', {
      lastState: 'Granted',
      observedGeneration: 2,
      approval: { name: 'apisubscription--x', namespace: 'team-a' },
      conditions: [{ type: 'Processing', status: 'False', lastTransitionTime: '2026-11-01T10:00:00Z' }],
    });
    assert.deepEqual(JSON.parse(JSON.stringify(settledRequestSummary(granted))), {
      resourceVersion: '42',
      state: 'Granted',
      subject: { action: 'subscribe', strategy: 'Simple', target: {}, requester: { teamName: 'shop' }, decider: { teamName: 'orders' } },
      labels: { env: 'prod' },
      approvalName: 'apisubscription--x',
      approvalNamespace: 'team-a',
      settledAtSeconds: Date.parse('2026-11-01T10:00:00Z') / 1000,
      createdAtSeconds: 0,
    });
    assert.equal(settledRequestSummary(request('Rejected', { lastState: 'Rejected', observedGeneration: 2 }))?.approvalName, undefined);
  });

  it('keeps when it settled as retention reads it, rounded up to the second', () => {
    const settled = (time: string) =>
      request('Granted', { lastState: 'Granted', observedGeneration: 2, approval: { name: 'a' }, conditions: [{ type: 'Processing', status: 'False', lastTransitionTime: time }] });
    assert.equal(settledRequestSummary(settled('2026-11-01T10:00:00Z'))!.settledAt()?.toISOString(), requestSettledAt(settled('2026-11-01T10:00:00Z'))?.toISOString());
    assert.equal(settledRequestSummary(settled('2026-11-01T10:00:00.200Z'))!.settledAt()?.toISOString(), '2026-11-01T10:00:01.000Z', 'never due earlier than the object');
  });

  it('shares what repeats: label sets and policy subjects alike are one object', () => {
    const [a, b] = [settledRequestSummary(request('Granted'))!, settledRequestSummary(request('Rejected'))!];
    assert.equal(a.labels, b.labels);
    assert.equal(a.subject, b.subject);
    const other = request('Granted', undefined, { labels: { env: 'dev' } });
    assert.notEqual(settledRequestSummary(other)!.labels, a.labels);
    assert.ok(Object.isFrozen(a.labels), 'a shared label set cannot be changed through one summary');
  });

  it('a summarised grant owes its Approval work when the Approval is not cached, or lacks the labels of the grant it holds', () => {
    const summary = settledRequestSummary(request('Granted'))!;
    const approvals = (labels: Record<string, string> | undefined, requestName = 'r', summarised = false) => {
      const cache = new ObjectCache<Approval, ApprovalSummary>();
      const held = approval('Granted');
      held.metadata = { ...held.metadata, name: 'apisubscription--x', labels };
      held.spec.approvedRequest = { name: requestName, namespace: 'team-a', uid: 'u' };
      cache.upsert(held, summarised ? { summary: settledApprovalSummary(held)! } : undefined);
      return cache;
    };
    assert.equal(grantNeedsWork('team-a/r', summary, new ObjectCache()), true, 'no Approval');
    assert.equal(grantNeedsWork('team-a/r', summary, approvals({ env: 'prod' })), false);
    assert.equal(grantNeedsWork('team-a/r', summary, approvals({ env: 'prod' }, 'r', true)), false, 'summarised Approval');
    assert.equal(grantNeedsWork('team-a/r', summary, approvals({ env: 'dev', owner: 'me' })), true, 'a label changed on the request');
    assert.equal(grantNeedsWork('team-a/r', summary, approvals({ env: 'dev' }, 'r', true)), true, 'a label changed, summarised Approval');
    assert.equal(grantNeedsWork('team-a/r', summary, approvals({}, 'other')), false, "another request's grant: not this one's labels");
    assert.equal(grantNeedsWork('team-a/r', settledRequestSummary(request('Rejected'))!, new ObjectCache()), false);
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

  it('keeps version, state, labels and the request whose content it holds', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(settledApprovalSummary(approval('Granted')))), {
      resourceVersion: '42',
      state: 'Granted',
      labels: { env: 'prod' },
      requestName: 'r',
      requestNamespace: 'team-a',
      createdAtSeconds: 0,
    });
  });
});

describe('how the caches hold requests and Approvals', () => {
  it('settled: a summary; open: whole, or an evicted summary under memory pressure', () => {
    let pressure = false;
    const { compact } = requestCompaction(() => pressure);
    assert.deepEqual(compact(request('Granted'))?.evicted, undefined);
    assert.ok(compact(request('Granted'))?.summary);
    assert.equal(compact(request('Pending')), undefined, 'open, no pressure: whole');
    pressure = true;
    const evicted = compact(request('Pending'))!;
    assert.equal(evicted.evicted, true);
    assert.equal(evicted.summary.state, 'Pending');
    assert.equal(evicted.summary.settledAt(), undefined, 'an open request is never due for retention');
    assert.equal(compact(request('Granted'))?.evicted, undefined, 'settled stays a plain summary');
  });

  it('a summarised object that went is reported with what its summary knows: the request an Approval holds', () => {
    const { compact, expand } = approvalCompaction(() => false);
    const gone = expand('team-a/apisubscription--x', compact(approval('Granted'))!.summary);
    assert.deepEqual(gone.metadata, { name: 'apisubscription--x', namespace: 'team-a', resourceVersion: '42', labels: { env: 'prod' } });
    assert.deepEqual(gone.spec.approvedRequest, { name: 'r', namespace: 'team-a' });
    const request_ = requestCompaction(() => false);
    const goneRequest = request_.expand('team-a/r', request_.compact(request('Granted'))!.summary);
    assert.equal(goneRequest.spec.state, 'Granted');
    assert.equal(goneRequest.status?.approval?.name, 'apisubscription--x');
  });
});

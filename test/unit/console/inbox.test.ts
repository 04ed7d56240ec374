import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApprovalRequest } from '../../../src/api/types.ts';
import { canActNow, inbox, type InboxContext } from '../../../src/console/inbox.ts';
import { actionsOf } from '../../../src/console/view-model.ts';

const context: InboxContext = { policies: [], teamGroupPrefix: 'team:', decideIn: new Set() };
const alice = { username: 'alice', groups: ['team:orders'] };
const carol = { username: 'carol', groups: ['team:shop'] };

function request(name: string, spec: Record<string, unknown> = {}, requestedBy = 'carol'): ApprovalRequest {
  return {
    apiVersion: 'approval.cp.ei.telekom.de/v1',
    kind: 'ApprovalRequest',
    metadata: { name, namespace: 'shop', annotations: { 'approval.cp.ei.telekom.de/requested-by': requestedBy }, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      action: 'subscribe',
      strategy: 'FourEyes',
      state: 'Pending',
      requester: { teamName: 'shop', teamEmail: 'shop@example.com' },
      decider: { teamName: 'orders' },
      target: { kind: 'ApiSubscription', name: 't', namespace: 'shop' },
      ...spec,
    },
  } as unknown as ApprovalRequest;
}

describe('inbox: where a person can act now', () => {
  it('lists undecided requests of the person’s decider team', () => {
    assert.ok(canActNow(alice, request('a'), context));
    assert.ok(canActNow(alice, request('b', { state: 'Semigranted', decisions: [{ name: 'bob', resultingState: 'Semigranted' }] }), context));
  });

  it('leaves out decided requests, one’s own, and those one already voted on', () => {
    assert.equal(canActNow(alice, request('a', { state: 'Granted' }), context), false);
    assert.equal(canActNow(alice, request('a', {}, 'alice'), context), false);
    assert.equal(canActNow(alice, request('a', { state: 'Semigranted', decisions: [{ name: 'alice', resultingState: 'Semigranted' }] }), context), false);
  });

  it('counts stage approvers, policy deciders and the RBAC verb decide, not other teams', () => {
    assert.equal(canActNow(carol, request('a', {}, 'dave'), context), false);
    const staged = request('s', { strategy: 'MultiStage', stages: [{ name: 'line', evaluation: 'AllMustApprove', approvers: { users: ['carol'] } }] }, 'dave');
    assert.ok(canActNow(carol, staged, context));
    assert.ok(canActNow(carol, request('a', {}, 'dave'), { ...context, decideIn: new Set(['shop']) }));
    const policy = { metadata: { name: 'p' }, spec: { deciders: { users: ['carol'] } } };
    assert.ok(canActNow(carol, request('a', {}, 'dave'), { ...context, policies: [policy as never] }));
  });

  it('orders newest first', () => {
    const older = request('older');
    const newer = request('newer');
    newer.metadata.creationTimestamp = '2026-02-01T00:00:00Z';
    assert.deepEqual(inbox(alice, [older, newer], context).map((s) => s.metadata.name), ['newer', 'older']);
  });

  it('offers the state machine’s transitions as buttons (never suspend on a request)', () => {
    assert.deepEqual(actionsOf(request('a')).map((a) => [a.verb, a.to]), [['approve', 'Semigranted'], ['reject', 'Rejected']]);
    assert.deepEqual(actionsOf(request('a', { state: 'Granted', strategy: 'Simple' })), []);
  });
});

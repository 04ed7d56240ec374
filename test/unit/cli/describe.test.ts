// The text of `kubectl approval describe`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDescribe, transitionsOf } from '../../../src/cli/describe.ts';
import { approval, NOW, request } from './fixtures.ts';

describe('formatDescribe', () => {
  it('shows a pending request before the operator has seen it', () => {
    const text = formatDescribe('ApprovalRequest', request('orders-read', {
      metadata: { annotations: { 'approval.cp.ei.telekom.de/requested-by': 'carol' } },
      spec: { requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'Line one.\nLine two.' } },
    }), NOW);
    assert.equal(text, [
      'Name:             orders-read',
      'Namespace:        shop',
      'Kind:             ApprovalRequest',
      'Created:          2026-03-10T11:55:00Z (5m ago)',
      'Requested by:     carol',
      'State:            Pending',
      'Action:           subscribe',
      'Strategy:         Simple',
      'Requester:',
      '  Team:           shop <shop@example.com>',
      '  Application:    <none>',
      '  Reason:         Line one.',
      '                  Line two.',
      'Decider:',
      '  Team:           orders <orders@example.com>',
      '  Application:    <none>',
      'Target:           ApiSubscription default/shop-frontend--orders-read',
      'Stages:           <none>',
      'Votes:            <none>',
      'Available transitions:',
      '  COMMAND   RESULT',
      '  approve   → Granted',
      '  reject    → Rejected',
      'Conditions:       <none>',
      'Approval:         <none>',
      '',
    ].join('\n'));
  });

  it('shows the effective strategy, stage progress, votes, conditions and the linked Approval', () => {
    const text = formatDescribe('ApprovalRequest', request('orders-read', {
      spec: {
        strategy: 'Simple',
        state: 'Semigranted',
        timeout: '72h',
        decisions: [{ name: 'alice', comment: 'fine\nfor me', timestamp: '2026-03-10T11:59:00Z', resultingState: 'Semigranted' }],
      },
      status: {
        strategy: 'FourEyes',
        policyRef: 'orders-policy',
        lastState: 'Semigranted',
        expiresAt: '2026-03-13T11:55:00Z',
        availableTransitions: [{ action: 'Deny', to: 'Rejected' }, { action: 'Allow', to: 'Granted' }],
        stages: [{ name: 'FourEyes', state: 'Pending', approvals: 1, rejections: 0, required: 2 }],
        conditions: [{ type: 'Approved', status: 'False', reason: 'Semigranted', message: '1 of 2 approvals', lastTransitionTime: '2026-03-10T11:59:00Z' }],
        approval: { name: 'apisubscription--shop-frontend--orders-read', namespace: 'shop' },
      },
    }), NOW);
    assert.match(text, /^Strategy: {9}Simple \(effective: FourEyes, from policy orders-policy\)$/m);
    assert.match(text, /^Timeout: {10}72h$/m);
    assert.match(text, /^Expires: {10}2026-03-13T11:55:00Z \(in 2d23h\)$/m);
    assert.ok(text.includes('Stages:\n  NAME       STATE     APPROVALS   REJECTIONS\n  FourEyes   Pending   1/2         0\n'), text);
    assert.ok(text.includes('Votes:\n  NAME    STATE         TIME                             COMMENT\n  alice   Semigranted   2026-03-10T11:59:00Z (60s ago)   fine for me\n'), text);
    assert.ok(text.includes('Available transitions:\n  COMMAND   RESULT\n  reject    → Rejected\n  approve   → Granted\n'), text);
    assert.ok(text.includes('Conditions:\n  TYPE       STATUS   REASON        MESSAGE\n  Approved   False    Semigranted   1 of 2 approvals\n'), text);
    assert.match(text, /^Approval: {9}approval\/apisubscription--shop-frontend--orders-read$/m);
  });

  it('shows MultiStage stages from the spec with their approvers', () => {
    const text = formatDescribe('ApprovalRequest', request('x', {
      spec: {
        strategy: 'MultiStage',
        stages: [
          { name: 'managers', evaluation: 'AllMustApprove', approvers: { users: ['m1', 'm2'] } },
          { name: 'security', evaluation: 'FirstDecides', approvers: { teams: ['security'], groups: ['sec-oncall'] } },
          { name: 'roles', evaluation: 'Quorum', required: 2, approvers: { groups: ['role-approvers'] } },
        ],
      },
      status: { stages: [{ name: 'managers', state: 'Approved', approvals: 2, rejections: 0, required: 2 }] },
    }), NOW);
    assert.ok(text.includes(
      '  managers   Approved   2/2         0            AllMustApprove   m1, m2\n' +
      '  security   Pending    0/1         0            FirstDecides     group:sec-oncall, team security\n' +
      '  roles      Pending    0/2         0            Quorum           group:role-approvers\n'), text);
  });

  it('shows an Approval with its expiry and the request it came from', () => {
    const text = formatDescribe('Approval', approval('apisubscription--a--b', { status: { expiresAt: '2027-03-10T12:00:00Z' } }), NOW);
    assert.match(text, /^Kind: {13}Approval$/m);
    assert.match(text, /^Expires: {10}2027-03-10T12:00:00Z \(in 365d\)$/m);
    assert.match(text, /^ {2}alice {3}Granted {3}2026-03-10T11:58:00Z \(2m ago\) {3}ok$/m);
    assert.ok(text.includes('  reject    → Rejected\n  suspend   → Suspended\nConditions'), text);
    assert.match(text, /^Approved request: approvalrequest\/orders-read$/m);
    assert.match(formatDescribe('Approval', approval('x', { status: { availableTransitions: [] } }), NOW), /^Available transitions: <none>$/m);
    assert.doesNotMatch(text, /^Approval:/m);
  });
});

describe('transitionsOf', () => {
  it('prefers what the operator published', () => {
    assert.deepEqual(transitionsOf('ApprovalRequest', request('x', { status: { availableTransitions: [] } })), []);
  });

  it('computes them with the engine before the operator has', () => {
    assert.deepEqual(transitionsOf('ApprovalRequest', request('x', { spec: { strategy: 'FourEyes' } })).map((t) => `${t.action}->${t.to}`),
      ['Allow->Semigranted', 'Deny->Rejected'], 'Expire is the operator\'s, not a person\'s');
  });
});

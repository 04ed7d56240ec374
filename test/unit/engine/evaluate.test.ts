// Replaying the votes of a request: quorum, veto, rounds, repeats and ignored votes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, SYSTEM_DECIDER, type Decision, type Strategy } from '../../../src/engine/index.ts';
import { approve, expire, reject, statesOf, vote } from './support.ts';

function request(strategy: Strategy, decisions: Decision[]) {
  return evaluate({ kind: 'ApprovalRequest', strategy, initialState: 'Pending', decisions });
}

describe('evaluate: Simple', () => {
  it('grants on one approval', () => {
    const result = request('Simple', [approve('alice')]);
    assert.equal(result.state, 'Granted');
    assert.equal(result.reason, 'granted by alice');
    assert.deepEqual(result.availableTransitions, []);
    assert.deepEqual(result.stages, [{ name: 'Simple', state: 'Approved', approvals: 1, rejections: 0, required: 1 }]);
  });

  it('rejects on one rejection, and a re-approval grants again', () => {
    const rejected = request('Simple', [reject('bob')]);
    assert.equal(rejected.state, 'Rejected');
    assert.equal(rejected.reason, 'rejected by bob');
    assert.deepEqual(rejected.availableTransitions, [{ action: 'Allow', to: 'Granted' }]);
    assert.equal(request('Simple', [reject('bob'), approve('alice')]).state, 'Granted');
  });

  it('starts Pending with nothing to count', () => {
    const result = request('Simple', []);
    assert.equal(result.state, 'Pending');
    assert.equal(result.reason, '0 of 1 approvals');
    assert.deepEqual(result.availableTransitions, [
      { action: 'Allow', to: 'Granted' },
      { action: 'Deny', to: 'Rejected' },
    ]);
  });

  it('treats approving a granted request again as a repeat, but a new approver as ignored (Granted is final)', () => {
    const result = request('Simple', [approve('alice'), approve('alice'), approve('bob')]);
    assert.equal(result.state, 'Granted');
    assert.deepEqual(result.ignored, [{ index: 2, reason: 'no Allow transition from Granted (Simple ApprovalRequest)' }]);
  });
});

describe('evaluate: FourEyes', () => {
  it('needs two distinct approvers: alice → Semigranted, alice again → still Semigranted, bob → Granted', () => {
    const first = request('FourEyes', [approve('alice')]);
    assert.equal(first.state, 'Semigranted');
    assert.equal(first.reason, '1 of 2 approvals');
    const again = request('FourEyes', [approve('alice'), approve('alice')]);
    assert.equal(again.state, 'Semigranted');
    assert.deepEqual(again.ignored, [], 'a repeat is accepted, not ignored');
    assert.equal(again.stages[0]?.approvals, 1, 'and counted once');
    const granted = request('FourEyes', [approve('alice'), approve('alice'), approve('bob')]);
    assert.equal(granted.state, 'Granted');
    assert.deepEqual(statesOf(granted.decisions), ['Semigranted', 'Semigranted', 'Granted']);
    assert.equal(granted.reason, 'granted by alice, bob');
  });

  it('rewrites resultingState to what each vote produced (the first approval reads Semigranted)', () => {
    const result = request('FourEyes', [vote('alice', 'Granted', 'lgtm'), vote('bob', 'Semigranted')]);
    assert.deepEqual(result.decisions, [
      { name: 'alice', resultingState: 'Semigranted', comment: 'lgtm' },
      { name: 'bob', resultingState: 'Granted' },
    ]);
  });

  it('keeps every other field of a decision', () => {
    const decision: Decision = { name: 'alice', email: 'a@example.com', comment: 'ok', timestamp: '2026-01-01T00:00:00Z', resultingState: 'Granted' };
    assert.deepEqual(request('FourEyes', [decision]).decisions, [{ ...decision, resultingState: 'Semigranted' }]);
  });

  it('lets one rejection veto, even after an approval', () => {
    const result = request('FourEyes', [approve('alice'), reject('bob')]);
    assert.equal(result.state, 'Rejected');
    assert.equal(result.reason, 'rejected by bob');
    assert.deepEqual(result.stages, [{ name: 'FourEyes', state: 'Rejected', approvals: 1, rejections: 1, required: 2 }]);
  });

  it('starts a fresh round after Rejected: earlier approvals no longer count', () => {
    const result = request('FourEyes', [approve('alice'), reject('bob'), approve('carol')]);
    assert.equal(result.state, 'Semigranted', 'alice approved the previous round; carol alone is one of two');
    assert.deepEqual(result.stages, [{ name: 'FourEyes', state: 'Pending', approvals: 1, rejections: 0, required: 2 }]);
    assert.equal(request('FourEyes', [approve('alice'), reject('bob'), approve('carol'), approve('alice')]).state, 'Granted');
  });

  it('counts the same approver again in a new round only once there', () => {
    const result = request('FourEyes', [approve('alice'), reject('bob'), approve('alice'), approve('alice')]);
    assert.equal(result.state, 'Semigranted');
    assert.equal(result.stages[0]?.approvals, 1);
  });

  it('lets a person change their mind: an approver who then rejects rejects the request', () => {
    assert.equal(request('FourEyes', [approve('alice'), reject('alice')]).state, 'Rejected');
  });

  it('treats a repeated rejection as a repeat and another rejection of a rejected request as ignored', () => {
    const result = request('FourEyes', [reject('bob'), reject('bob'), reject('carol')]);
    assert.equal(result.state, 'Rejected');
    assert.deepEqual(result.ignored, [{ index: 2, reason: 'no Deny transition from Rejected (FourEyes ApprovalRequest)' }]);
    assert.deepEqual(statesOf(result.decisions), ['Rejected', 'Rejected', 'Rejected']);
  });

  it('ignores illegal votes: they change nothing and stay as written', () => {
    const result = request('FourEyes', [vote('alice', 'Suspended'), approve('alice'), vote('bob', 'Pending'), approve('carol')]);
    assert.equal(result.state, 'Granted');
    assert.deepEqual(result.ignored, [
      { index: 0, reason: 'no Suspend transition from Pending (FourEyes ApprovalRequest)' },
      { index: 2, reason: 'resultingState "Pending" is not a vote' },
    ]);
    assert.deepEqual(statesOf(result.decisions), ['Suspended', 'Semigranted', 'Pending', 'Granted']);
  });

  it('ignores a resultingState outside the enum', () => {
    const result = request('FourEyes', [{ name: 'alice', resultingState: 'Approved' as never }]);
    assert.equal(result.state, 'Pending');
    assert.deepEqual(result.ignored, [{ index: 0, reason: 'resultingState "Approved" is not a vote' }]);
  });

  it('expires a pending request for good (Expire is accepted from any name; admission checks identity)', () => {
    const result = request('FourEyes', [approve('alice'), expire(SYSTEM_DECIDER), approve('bob')]);
    assert.equal(result.state, 'Expired');
    assert.equal(result.reason, `expired by ${SYSTEM_DECIDER}`);
    assert.deepEqual(result.ignored, [{ index: 2, reason: 'no Allow transition from Expired (FourEyes ApprovalRequest)' }]);
  });

  it('grants at once on a System approval (trusted team), whatever the quorum', () => {
    const result = request('FourEyes', [approve(SYSTEM_DECIDER)]);
    assert.equal(result.state, 'Granted');
    assert.equal(result.reason, `granted by ${SYSTEM_DECIDER}`);
  });
});

describe('evaluate: Auto', () => {
  it('is granted by the System decision and has no stages', () => {
    const result = request('Auto', [vote(SYSTEM_DECIDER, 'Granted', 'auto-approved')]);
    assert.equal(result.state, 'Granted');
    assert.deepEqual(result.stages, []);
    assert.deepEqual(result.decisions, [{ name: SYSTEM_DECIDER, resultingState: 'Granted', comment: 'auto-approved' }]);
  });

  it('waits for the System decision and ignores a person’s approval', () => {
    const result = request('Auto', [approve('alice')]);
    assert.equal(result.state, 'Pending');
    assert.equal(result.reason, `waiting for the ${SYSTEM_DECIDER} decision`);
    assert.deepEqual(result.ignored, [{ index: 0, reason: `only the ${SYSTEM_DECIDER} decider may take Allow from Pending (Auto ApprovalRequest)` }]);
  });

  it('has no human rejection', () => {
    assert.equal(request('Auto', [reject('alice')]).ignored.length, 1);
  });
});

describe('evaluate: eligibility for the implied stages', () => {
  it('lets anyone vote in Simple and FourEyes (who may decide is admission’s job)', () => {
    assert.equal(request('FourEyes', [approve('x'), approve('y')]).state, 'Granted');
  });

  it('does not read groups of unrelated names from the object prototype', () => {
    const result = evaluate({
      kind: 'ApprovalRequest',
      strategy: 'MultiStage',
      stages: [{ name: 'Admins', evaluation: 'Quorum', approvers: { groups: ['admins'] } }],
      initialState: 'Pending',
      decisions: [approve('constructor'), approve('__proto__')],
    });
    assert.equal(result.ignored.length, 2);
  });
});

// The grant's own decisions (kind Approval), replayed from Granted as the controller does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, SYSTEM_DECIDER, type Decision, type State, type Strategy } from '../../../src/engine/index.ts';
import { approve, expire, reject, statesOf, suspend } from './support.ts';

function grant(strategy: Strategy, decisions: Decision[], initialState: State = 'Granted') {
  return evaluate({ kind: 'Approval', strategy, initialState, decisions });
}

describe('evaluate: Approval', () => {
  it('starts Granted with every stage approved', () => {
    const result = grant('FourEyes', []);
    assert.equal(result.state, 'Granted');
    assert.equal(result.reason, 'granted');
    assert.equal(result.stages[0]?.state, 'Approved');
    assert.deepEqual(result.availableTransitions, [
      { action: 'Deny', to: 'Rejected' },
      { action: 'Suspend', to: 'Suspended' },
    ]);
  });

  it('suspends and resumes (an approval of a suspended grant is a Resume)', () => {
    const result = grant('FourEyes', [suspend('alice'), approve('bob')]);
    assert.deepEqual(statesOf(result.decisions), ['Suspended', 'Granted']);
    assert.equal(result.state, 'Granted');
    assert.equal(result.reason, 'resumed by bob');
    assert.equal(grant('FourEyes', [suspend('alice')]).reason, 'suspended by alice');
  });

  it('treats a repeated suspend as a repeat, but a suspend by someone else as ignored', () => {
    const result = grant('Simple', [suspend('alice'), suspend('alice'), suspend('bob')]);
    assert.equal(result.state, 'Suspended');
    assert.deepEqual(result.ignored, [{ index: 2, reason: 'no Suspend transition from Suspended (Simple Approval)' }]);
  });

  it('does not count a suspend again after the state moved on', () => {
    const result = grant('Simple', [suspend('alice'), approve('bob'), suspend('alice')]);
    assert.equal(result.state, 'Suspended');
    assert.deepEqual(result.ignored, []);
  });

  it('denies a grant, and a FourEyes re-grant needs two new approvers', () => {
    const result = grant('FourEyes', [reject('alice'), approve('bob'), approve('bob'), approve('carol')]);
    assert.deepEqual(statesOf(result.decisions), ['Rejected', 'Semigranted', 'Semigranted', 'Granted']);
    assert.equal(result.reason, 'granted by bob, carol');
  });

  it('re-grants an expired FourEyes grant with one approval, as the table says', () => {
    const result = grant('FourEyes', [expire(SYSTEM_DECIDER), approve('bob')]);
    assert.deepEqual(statesOf(result.decisions), ['Expired', 'Granted']);
    assert.equal(result.stages[0]?.state, 'Approved');
    assert.equal(result.reason, 'granted by bob');
  });

  it('denies an expired grant', () => {
    const result = grant('FourEyes', [expire(SYSTEM_DECIDER), reject('alice')]);
    assert.equal(result.state, 'Rejected');
    assert.deepEqual(result.availableTransitions, [{ action: 'Allow', to: 'Semigranted' }]);
  });

  it('expires a suspended grant', () => {
    assert.equal(grant('Auto', [suspend('alice'), expire(SYSTEM_DECIDER)]).state, 'Expired');
  });

  it('ignores an approval of a grant that is already Granted by someone who did not resume it', () => {
    const result = grant('FourEyes', [approve('alice')]);
    assert.deepEqual(result.ignored, [{ index: 0, reason: 'no Allow transition from Granted (FourEyes Approval)' }]);
  });

  it('treats approving again right after a resume as a repeat', () => {
    const result = grant('Simple', [suspend('alice'), approve('bob'), approve('bob')]);
    assert.deepEqual(result.ignored, []);
    assert.deepEqual(statesOf(result.decisions), ['Suspended', 'Granted', 'Granted']);
  });

  it('grants a pending Simple grant on one approval and an Auto grant after a rejection on one approval', () => {
    assert.equal(grant('Simple', [approve('alice')], 'Pending').state, 'Granted');
    const auto = grant('Auto', [reject('alice'), approve('bob')]);
    assert.equal(auto.state, 'Granted');
    assert.deepEqual(auto.stages, []);
  });

  it('has no Allow from Pending for an Auto grant', () => {
    assert.equal(grant('Auto', [approve('alice')], 'Pending').ignored.length, 1);
  });
});

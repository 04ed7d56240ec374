// MultiStage: ordered stages, FirstDecides / AllMustApprove / Quorum,
// eligibility per stage and outcomeIfNoApprovers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, grantsWithoutVotes, SYSTEM_DECIDER, type Decision, type StageSpec } from '../../../src/engine/index.ts';
import { approve, reject, statesOf } from './support.ts';

// The composed schema of the seed-004 execution example.
const SEED_004: StageSpec[] = [
  { name: 'Line managers', evaluation: 'AllMustApprove', approvers: { users: ['lechuck'] }, outcomeIfNoApprovers: 'Reject' },
  { name: 'Security', evaluation: 'FirstDecides', approvers: { groups: ['security-approvers'] } },
  { name: 'Role approvers (all)', evaluation: 'AllMustApprove', approvers: { users: ['cheese', 'chef'] } },
];

const GROUPS = { elaine: ['security-approvers'], barkeeper: ['security-approvers'], lechuck: ['managers'] };

function multiStage(stages: StageSpec[], decisions: Decision[], deciderGroups: Record<string, string[]> = GROUPS) {
  return evaluate({ kind: 'ApprovalRequest', strategy: 'MultiStage', stages, initialState: 'Pending', decisions, deciderGroups });
}

describe('evaluate: MultiStage (seed 004)', () => {
  it('rejects on one rejection at stage 3, with stages 1 and 2 approved', () => {
    const result = multiStage(SEED_004, [approve('lechuck'), approve('elaine'), reject('cheese')]);
    assert.equal(result.state, 'Rejected');
    assert.equal(result.reason, 'rejected by cheese');
    assert.deepEqual(statesOf(result.decisions), ['Semigranted', 'Semigranted', 'Rejected']);
    assert.deepEqual(result.stages, [
      { name: 'Line managers', state: 'Approved', approvals: 1, rejections: 0, required: 1 },
      { name: 'Security', state: 'Approved', approvals: 1, rejections: 0, required: 1 },
      { name: 'Role approvers (all)', state: 'Rejected', approvals: 0, rejections: 1, required: 2 },
    ]);
  });

  it('counts a group-only stage from the groups each decision carries (captured at admission), without a map', () => {
    const elaine = { ...approve('elaine'), groups: ['security-approvers'] };
    const result = multiStage(SEED_004, [approve('lechuck'), elaine], {});
    assert.deepEqual(result.stages.map((stage) => stage.state), ['Approved', 'Approved', 'Pending']);
    const withoutGroups = multiStage(SEED_004, [approve('lechuck'), approve('elaine')], {});
    assert.deepEqual(withoutGroups.ignored, [{ index: 1, reason: 'elaine is not an approver of stage "Security"' }]);
  });

  it('grants once every stage is approved, and is Semigranted in between', () => {
    const decisions = [approve('lechuck'), approve('elaine'), approve('chef'), approve('cheese')];
    const result = multiStage(SEED_004, decisions);
    assert.equal(result.state, 'Granted');
    assert.deepEqual(statesOf(result.decisions), ['Semigranted', 'Semigranted', 'Semigranted', 'Granted']);
    assert.equal(result.reason, 'granted by lechuck, elaine, chef, cheese');
    const halfway = multiStage(SEED_004, decisions.slice(0, 3));
    assert.equal(halfway.reason, 'stage 3 of 3 "Role approvers (all)": 1 of 2 approvals, waiting for cheese');
  });

  it('reports the stage it waits for', () => {
    assert.equal(multiStage(SEED_004, []).reason, 'stage 1 of 3 "Line managers": 0 of 1 approvals, waiting for lechuck');
    assert.equal(multiStage(SEED_004, [approve('lechuck')]).reason, 'stage 2 of 3 "Security": 0 of 1 approvals');
  });

  it('ignores votes of people who are not approvers of the current stage', () => {
    const result = multiStage(SEED_004, [approve('elaine'), reject('chef'), approve('lechuck'), approve('lechuck')]);
    assert.deepEqual(result.ignored, [
      { index: 0, reason: 'elaine is not an approver of stage "Line managers"' },
      { index: 1, reason: 'chef is not an approver of stage "Line managers"' },
    ]);
    assert.equal(result.state, 'Semigranted');
    assert.deepEqual(statesOf(result.decisions), ['Granted', 'Rejected', 'Semigranted', 'Semigranted'], 'ignored votes stay as written');
  });

  it('FirstDecides: the first security approver decides; a second one is not counted later on', () => {
    const result = multiStage(SEED_004, [approve('lechuck'), approve('elaine'), approve('barkeeper')]);
    assert.equal(result.stages[1]?.approvals, 1);
    assert.deepEqual(result.ignored, [{ index: 2, reason: 'barkeeper is not an approver of stage "Role approvers (all)"' }]);
    const repeat = multiStage(SEED_004, [approve('lechuck'), approve('elaine'), approve('elaine')]);
    assert.deepEqual(repeat.ignored, [], 'elaine approving again is a repeat of her counted approval');
  });

  it('FirstDecides: the first rejection rejects the request', () => {
    const result = multiStage(SEED_004, [approve('lechuck'), reject('barkeeper'), approve('elaine')]);
    assert.equal(result.state, 'Rejected');
    assert.deepEqual(result.stages.map((s) => s.state), ['Approved', 'Rejected', 'Pending']);
    assert.equal(result.ignored.length, 1, 'elaine’s approval meets a Rejected request that her stage cannot reopen');
  });

  it('AllMustApprove counts listed users only, not group members', () => {
    const stages: StageSpec[] = [{ name: 'Owners', evaluation: 'AllMustApprove', approvers: { users: ['ann'], groups: ['owners'] } }];
    const result = multiStage(stages, [approve('olga')], { olga: ['owners'] });
    assert.deepEqual(result.ignored, [{ index: 0, reason: 'olga is not an approver of stage "Owners"' }]);
    assert.equal(multiStage(stages, [approve('ann')]).state, 'Granted');
  });

  it('restarts at stage 1 after a rejection and a new approval', () => {
    const result = multiStage(SEED_004, [approve('lechuck'), reject('elaine'), approve('lechuck')]);
    assert.equal(result.state, 'Semigranted');
    assert.deepEqual(result.stages.map((s) => [s.state, s.approvals]), [['Approved', 1], ['Pending', 0], ['Pending', 0]]);
  });

  it('counts one decision for one stage: a person approving two stages needs two decisions', () => {
    const stages: StageSpec[] = [
      { name: 'Team', evaluation: 'Quorum', required: 1, approvers: { users: ['alice', 'bob'] } },
      { name: 'Lead', evaluation: 'Quorum', required: 1, approvers: { users: ['alice'] } },
    ];
    assert.equal(multiStage(stages, [approve('alice')]).state, 'Semigranted');
    assert.equal(multiStage(stages, [approve('alice'), approve('alice')]).state, 'Granted');
  });

  it('Quorum counts distinct members of the listed groups and teams', () => {
    const stages: StageSpec[] = [{ name: 'Ops', evaluation: 'Quorum', required: 2, approvers: { groups: ['ops'], teams: ['sre'] } }];
    const groups = { gina: ['ops'], tom: ['team:sre'], nora: ['sre'] };
    const result = multiStage(stages, [approve('gina'), approve('gina'), approve('nora'), approve('tom')], groups);
    assert.equal(result.state, 'Granted');
    assert.deepEqual(result.ignored, [{ index: 2, reason: 'nora is not an approver of stage "Ops"' }]);
  });

  it('resolves teams with a configured group prefix', () => {
    const stages: StageSpec[] = [{ name: 'Ops', evaluation: 'Quorum', approvers: { teams: ['sre'] } }];
    const result = evaluate({
      kind: 'ApprovalRequest',
      strategy: 'MultiStage',
      stages,
      initialState: 'Pending',
      decisions: [approve('tom')],
      deciderGroups: { tom: ['org/sre'] },
      teamGroupPrefix: 'org/',
    });
    assert.equal(result.state, 'Granted');
  });

  it('grants on the vote that completes the only stage, straight from Pending', () => {
    const stages: StageSpec[] = [{ name: 'Any', evaluation: 'FirstDecides' }];
    const result = multiStage(stages, [approve('zoe')]);
    assert.equal(result.state, 'Granted');
    assert.deepEqual(statesOf(result.decisions), ['Granted']);
  });

  it('reads Quorum without required as 1, and a required below 1 as 1', () => {
    assert.equal(multiStage([{ name: 'Q', evaluation: 'Quorum' }], [approve('a')]).state, 'Granted');
    const zero = multiStage([{ name: 'Q', evaluation: 'Quorum', required: 0 }], []);
    assert.equal(zero.state, 'Pending');
    assert.equal(zero.stages[0]?.required, 1);
  });

  it('falls back to one four-eyes stage when no stages are given', () => {
    const result = multiStage([], [approve('a')]);
    assert.equal(result.state, 'Semigranted');
    assert.deepEqual(result.stages, [{ name: 'MultiStage', state: 'Pending', approvals: 1, rejections: 0, required: 2 }]);
  });

  it('lets the System decider grant every stage at once', () => {
    const result = multiStage(SEED_004, [approve(SYSTEM_DECIDER)]);
    assert.equal(result.state, 'Granted');
    assert.deepEqual(result.stages.map((s) => s.state), ['Approved', 'Approved', 'Approved']);
  });
});

describe('evaluate: outcomeIfNoApprovers', () => {
  const noManagers: StageSpec = { name: 'Line managers', evaluation: 'AllMustApprove', approvers: { groups: ['managers'] } };

  it('rejects outright when the first stage has no approvers (default Reject)', () => {
    const result = multiStage([noManagers, SEED_004[1] as StageSpec], [approve('lechuck')]);
    assert.equal(result.state, 'Rejected');
    assert.equal(result.reason, 'rejected: stage "Line managers" has no approvers');
    assert.deepEqual(result.stages[0], { name: 'Line managers', state: 'Rejected', approvals: 0, rejections: 0, required: 0 });
    assert.deepEqual(result.ignored, [{ index: 0, reason: 'stage "Line managers" has no approvers' }]);
  });

  it('skips a stage without approvers whose outcome is Approve', () => {
    const result = multiStage([{ ...noManagers, outcomeIfNoApprovers: 'Approve' }, SEED_004[1] as StageSpec], [approve('elaine')]);
    assert.equal(result.state, 'Granted');
    assert.deepEqual(result.stages.map((s) => s.state), ['Approved', 'Approved']);
    assert.equal(multiStage([{ ...noManagers, outcomeIfNoApprovers: 'Approve' }, SEED_004[1] as StageSpec], []).state, 'Pending');
  });

  it('rejects when a later stage without approvers is reached; the vote that reached it reads Semigranted', () => {
    const result = multiStage([SEED_004[0] as StageSpec, { name: 'Role approvers', evaluation: 'AllMustApprove' }], [approve('lechuck')]);
    assert.equal(result.state, 'Rejected');
    assert.deepEqual(statesOf(result.decisions), ['Semigranted']);
    assert.equal(result.reason, 'rejected: stage "Role approvers" has no approvers');
  });

  it('grants before any vote when every stage approves for want of approvers', () => {
    const stages: StageSpec[] = [{ ...noManagers, outcomeIfNoApprovers: 'Approve' }];
    const result = multiStage(stages, []);
    assert.equal(result.state, 'Granted');
    assert.equal(result.reason, 'granted without votes: no stage has approvers (outcomeIfNoApprovers Approve)');
    assert.equal(grantsWithoutVotes('MultiStage', stages), true);
    assert.equal(grantsWithoutVotes('MultiStage', SEED_004), false);
    assert.equal(grantsWithoutVotes('Auto', undefined), true);
    assert.equal(grantsWithoutVotes('FourEyes', undefined), false);
  });
});

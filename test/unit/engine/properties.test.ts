// Property tests of the counting rules: quorum cannot be cheated, votes within a stage
// commute, and replaying the engine's own output changes nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  evaluate,
  STATES,
  STRATEGIES,
  SUBJECT_KINDS,
  SYSTEM_DECIDER,
  type Decision,
  type Evaluation,
  type EvaluationInput,
  type StageSpec,
  type State,
} from '../../../src/engine/index.ts';

const PEOPLE = ['ann', 'bob', 'cid', 'dee', 'eve', 'fay'] as const;
const GROUPS = ['ops', 'sec', 'team:sre'] as const;
const APPROVING: readonly string[] = ['Granted', 'Semigranted'];

const personArb = fc.constantFrom(...PEOPLE);
const stateArb = fc.constantFrom(...STATES);
const humanDecisionArb = fc.record({ name: personArb, resultingState: stateArb });
const anyDecisionArb = fc.record({ name: fc.constantFrom(...PEOPLE, SYSTEM_DECIDER), resultingState: stateArb });
const deciderGroupsArb = fc.record(
  Object.fromEntries(PEOPLE.map((person) => [person, fc.subarray([...GROUPS])])) as Record<string, fc.Arbitrary<string[]>>,
);

const approversArb = fc.record(
  { users: fc.subarray([...PEOPLE]), groups: fc.subarray(['ops', 'sec']), teams: fc.subarray(['sre']) },
  { requiredKeys: [] },
);
const stageArb: fc.Arbitrary<StageSpec> = fc.record(
  {
    name: fc.constantFrom('one', 'two', 'three'),
    evaluation: fc.constantFrom('FirstDecides', 'AllMustApprove', 'Quorum'),
    approvers: approversArb,
    required: fc.integer({ min: 1, max: 4 }),
    outcomeIfNoApprovers: fc.constantFrom('Reject', 'Approve'),
  },
  { requiredKeys: ['name', 'evaluation'] },
);

const RUNS = { numRuns: 1000 };

/**
 * For every grant made by people (not by the System decider, and not a table row that grants
 * without a quorum), the approving names of its round, taken from the input and counted distinct.
 */
function roundsThatGranted(input: Decision[], result: Evaluation, initialState: State): string[][] {
  const ignored = new Set(result.ignored.map((entry) => entry.index));
  const rounds: string[][] = [];
  let roundStart = 0;
  let before = initialState;
  result.decisions.forEach((decision, index) => {
    if (ignored.has(index)) return;
    if (decision.resultingState === 'Granted' && before !== 'Granted' && before !== 'Suspended' && before !== 'Expired') {
      const round = input.slice(roundStart, index + 1).filter((_, offset) => !ignored.has(roundStart + offset));
      if (!round.some((d) => d.name === SYSTEM_DECIDER)) {
        rounds.push([...new Set(round.filter((d) => APPROVING.includes(d.resultingState)).map((d) => d.name))]);
      }
    }
    if (decision.resultingState === 'Rejected' || decision.resultingState === 'Expired') roundStart = index + 1;
    before = decision.resultingState;
  });
  return rounds;
}

describe('property: no vote sequence grants with fewer distinct approvers than required', () => {
  it('FourEyes needs two distinct approvers (requests and grants)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SUBJECT_KINDS), fc.array(humanDecisionArb, { maxLength: 12 }), (kind, decisions) => {
        const result = evaluate({ kind, strategy: 'FourEyes', initialState: 'Pending', decisions });
        for (const approvers of roundsThatGranted(decisions, result, 'Pending')) {
          assert.ok(approvers.length >= 2, `granted by ${approvers.join(',')}`);
        }
      }),
      RUNS,
    );
  });

  it('MultiStage Quorum stages open to anyone need max(required) distinct approvers and sum(required) approvals', () => {
    const quorumStages = fc.array(
      fc.record({ name: fc.constant('q'), evaluation: fc.constant('Quorum' as const), required: fc.integer({ min: 1, max: 4 }) }),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(quorumStages, fc.array(humanDecisionArb, { maxLength: 16 }), (stages, decisions) => {
        const result = evaluate({ kind: 'ApprovalRequest', strategy: 'MultiStage', stages, initialState: 'Pending', decisions });
        const needed = Math.max(...stages.map((stage) => stage.required));
        for (const approvers of roundsThatGranted(decisions, result, 'Pending')) {
          assert.ok(approvers.length >= needed, `granted by ${approvers.join(',')} with ${needed} required`);
        }
        if (result.state === 'Granted') {
          const total = stages.reduce((sum, stage) => sum + stage.required, 0);
          assert.ok(result.stages.reduce((sum, stage) => sum + stage.approvals, 0) >= total);
        }
      }),
      RUNS,
    );
  });

  it('MultiStage with listed approvers: every stage of a grant has its required approvals from its own approvers', () => {
    fc.assert(
      fc.property(
        fc.array(stageArb, { minLength: 1, maxLength: 3 }),
        deciderGroupsArb,
        fc.array(humanDecisionArb, { maxLength: 16 }),
        (stages, deciderGroups, decisions) => {
          const result = evaluate({ kind: 'ApprovalRequest', strategy: 'MultiStage', stages, initialState: 'Pending', decisions, deciderGroups });
          const grantedByPeople = roundsThatGranted(decisions, result, 'Pending').length > 0;
          if (result.state !== 'Granted' || !grantedByPeople) return;
          stages.forEach((stage, index) => {
            const users = stage.approvers?.users ?? [];
            const progress = result.stages[index];
            assert.ok(progress);
            if (stage.evaluation === 'AllMustApprove' && users.length > 0) {
              assert.equal(progress.approvals, new Set(users).size, `stage ${index} needs all of ${users.join(',')}`);
            }
            if (stage.evaluation === 'Quorum') assert.ok(progress.approvals >= (stage.required ?? 1));
          });
        },
      ),
      RUNS,
    );
  });
});

describe('property: within one stage the order of approvals does not matter', () => {
  const stageAndVoters = fc
    .tuple(stageArb, deciderGroupsArb, fc.uniqueArray(personArb, { maxLength: PEOPLE.length }))
    .chain(([stage, groups, voters]) =>
      fc.tuple(fc.constant(stage), fc.constant(groups), fc.constant(voters), fc.shuffledSubarray(voters, { minLength: voters.length, maxLength: voters.length })),
    );

  it('any permutation of approvals by distinct names gives the same state and progress', () => {
    fc.assert(
      fc.property(stageAndVoters, ([stage, deciderGroups, voters, shuffled]) => {
        const run = (names: string[]) =>
          evaluate({
            kind: 'ApprovalRequest',
            strategy: 'MultiStage',
            stages: [stage],
            initialState: 'Pending',
            decisions: names.map((name) => ({ name, resultingState: 'Granted' as State })),
            deciderGroups,
          });
        const a = run(voters);
        const b = run(shuffled);
        assert.equal(a.state, b.state);
        assert.deepEqual(a.stages, b.stages);
      }),
      RUNS,
    );
  });

  it('Simple and FourEyes: the state depends only on how many distinct people approved', () => {
    const votersArb = fc.uniqueArray(personArb, { maxLength: PEOPLE.length }).chain((voters) =>
      fc.tuple(fc.constant(voters), fc.shuffledSubarray(voters, { minLength: voters.length, maxLength: voters.length })),
    );
    fc.assert(
      fc.property(fc.constantFrom('Simple' as const, 'FourEyes' as const), votersArb, (strategy, [voters, shuffled]) => {
        const run = (names: string[]) =>
          evaluate({ kind: 'ApprovalRequest', strategy, initialState: 'Pending', decisions: names.map((name) => ({ name, resultingState: 'Granted' as State })) });
        assert.equal(run(voters).state, run(shuffled).state);
      }),
      RUNS,
    );
  });
});

describe('property: evaluate is idempotent', () => {
  const inputArb: fc.Arbitrary<EvaluationInput> = fc.record({
    kind: fc.constantFrom(...SUBJECT_KINDS),
    strategy: fc.constantFrom(...STRATEGIES),
    stages: fc.array(stageArb, { maxLength: 3 }),
    initialState: stateArb,
    decisions: fc.array(anyDecisionArb, { maxLength: 14 }),
    deciderGroups: deciderGroupsArb,
  });

  it('evaluating its output decisions again gives the same state and the same decisions', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const first = evaluate(input);
        const second = evaluate({ ...input, decisions: first.decisions });
        assert.equal(second.state, first.state);
        assert.deepEqual(second.decisions, first.decisions);
        assert.deepEqual(second.stages, first.stages);
      }),
      RUNS,
    );
  });

  it('does not modify its input', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const before = JSON.stringify(input);
        evaluate(input);
        assert.equal(JSON.stringify(input), before);
      }),
      { numRuns: 200 },
    );
  });
});

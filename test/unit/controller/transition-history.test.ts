// Which transitions a reconcile reports and what names them (ADR 0006), and the property the
// fault suite relies on: whatever the moments the operator looks and the moments it crashes
// before recording what it reported, it reports only transitions of the full history, each under
// one name, and none is lost while states do not come back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { DecisionEntry } from '../../../src/api/types.ts';
import { creationPoint, transitionId, transitionsSince, type History, type HistoryStep } from '../../../src/controller/transition-history.ts';
import { evaluate, STATES, type Decision, type State } from '../../../src/engine/index.ts';

const vote = (name: string, resultingState: State): DecisionEntry => ({ name, resultingState }) as DecisionEntry;

/** The request's history under FourEyes, evaluated as the reconciler does. */
function fourEyes(decisions: DecisionEntry[], fold = true): History {
  const evaluation = evaluate({ kind: 'ApprovalRequest', strategy: 'FourEyes', initialState: 'Pending', decisions: decisions as Decision[] });
  return { states: evaluation.states, decisions: evaluation.decisions as DecisionEntry[], foldLeadingSystemGrants: fold };
}

const brief = (steps: HistoryStep[]) => steps.map((s) => `${s.index}:${s.from ?? '-'}→${s.to}`);

describe('transitionsSince', () => {
  const alice = vote('alice', 'Granted');
  const bob = vote('bob', 'Granted');

  it('first seen after two votes: the creation, then each vote\'s transition, named by the decision that caused it', () => {
    assert.deepEqual(brief(transitionsSince(fourEyes([alice, bob]), undefined)), ['0:-→Pending', '1:Pending→Semigranted', '2:Semigranted→Granted']);
  });

  it('reports only what follows the recorded state', () => {
    const history = fourEyes([alice, bob]);
    assert.deepEqual(brief(transitionsSince(history, 'Pending')), ['1:Pending→Semigranted', '2:Semigranted→Granted']);
    assert.deepEqual(brief(transitionsSince(history, 'Semigranted')), ['2:Semigranted→Granted']);
    assert.deepEqual(transitionsSince(history, 'Granted'), []);
  });

  it('the step carries the decision that caused it', () => {
    const [step] = transitionsSince(fourEyes([alice, bob]), 'Semigranted');
    assert.equal(step?.decision?.name, 'bob');
  });

  it('a repeated vote changes nothing and names nothing', () => {
    assert.deepEqual(brief(transitionsSince(fourEyes([alice, alice, bob]), 'Pending')), ['1:Pending→Semigranted', '3:Semigranted→Granted']);
  });

  it('folds leading System grants into the creation (Auto, trusted teams, a client\'s grant on create)', () => {
    const evaluation = evaluate({ kind: 'ApprovalRequest', strategy: 'Auto', initialState: 'Pending', decisions: [{ name: 'System', resultingState: 'Granted' }] });
    const history: History = { states: evaluation.states, decisions: evaluation.decisions as DecisionEntry[], foldLeadingSystemGrants: true };
    assert.equal(creationPoint(history), 1);
    assert.deepEqual(brief(transitionsSince(history, undefined)), ['1:-→Granted']);
    assert.deepEqual(brief(transitionsSince({ ...history, foldLeadingSystemGrants: false }, undefined)), ['0:-→Pending', '1:Pending→Granted']);
  });

  it('an expiry is no creation: created Pending, then Pending → Expired', () => {
    const evaluation = evaluate({ kind: 'ApprovalRequest', strategy: 'Simple', initialState: 'Pending', decisions: [{ name: 'System', resultingState: 'Expired' }] });
    const history: History = { states: evaluation.states, decisions: evaluation.decisions as DecisionEntry[], foldLeadingSystemGrants: true };
    assert.deepEqual(brief(transitionsSince(history, undefined)), ['0:-→Pending', '1:Pending→Expired']);
  });

  it('a state the history does not have (the policy changed the counting): one step, named after the start of the current state', () => {
    const evaluation = evaluate({ kind: 'ApprovalRequest', strategy: 'Simple', initialState: 'Pending', decisions: [alice as Decision] });
    const history: History = { states: evaluation.states, decisions: evaluation.decisions as DecisionEntry[] };
    assert.deepEqual(brief(transitionsSince(history, 'Semigranted')), ['1:Semigranted→Granted']);
  });

  it('an Approval counts after its baseline; a suspension lifted between two looks is not reported', () => {
    const own = [vote('alice', 'Suspended'), vote('alice', 'Granted'), vote('bob', 'Rejected')];
    const evaluation = evaluate({ kind: 'Approval', strategy: 'FourEyes', initialState: 'Granted', decisions: own as Decision[] });
    const history: History = { states: evaluation.states, decisions: evaluation.decisions as DecisionEntry[], offset: 2 };
    assert.deepEqual(brief(transitionsSince(history, undefined)), ['2:-→Granted', '3:Granted→Suspended', '4:Suspended→Granted', '5:Granted→Rejected']);
    assert.deepEqual(brief(transitionsSince(history, 'Granted')), ['5:Granted→Rejected']);
    assert.deepEqual(brief(transitionsSince(history, 'Suspended')), ['4:Suspended→Granted', '5:Granted→Rejected']);
  });

  it('transitionId: created/…, the epoch, the decision count and the state', () => {
    assert.equal(transitionId({ from: undefined, index: 0, to: 'Pending' }), 'created/0/Pending');
    assert.equal(transitionId({ from: 'Pending', index: 2, to: 'Granted' }), '2/Granted');
    assert.equal(transitionId({ from: 'Granted', index: 3, to: 'Suspended', epoch: 'uid-1' }), 'uid-1/3/Suspended');
  });

  it('refuses a history whose states do not match its decisions', () => {
    assert.throws(() => transitionsSince({ states: ['Pending'], decisions: [alice] }, undefined), /1 states for 1 decisions/);
  });
});

describe('transitionsSince under crashes (property)', () => {
  // A schedule: decisions arrive one by one; between them the operator may reconcile, and a
  // reconcile may crash after reporting and before its status write (lastState not recorded).
  const stateArb = fc.constantFrom(...STATES.filter((s) => s !== 'Expired'));
  const scheduleArb = fc.array(
    fc.record({ decision: fc.record({ name: fc.constantFrom('ann', 'bob', 'cid'), resultingState: stateArb }), looks: fc.array(fc.boolean(), { maxLength: 3 }) }),
    { maxLength: 8 },
  );
  const id = (s: HistoryStep) => transitionId(s);

  function run(schedule: Array<{ decision: { name: string; resultingState: State }; looks: boolean[] }>, kind: 'ApprovalRequest' | 'Approval') {
    const decisions: DecisionEntry[] = [];
    const reported = new Set<string>();
    let lastState: State | undefined;
    const historyOf = () => {
      const evaluation = evaluate({ kind, strategy: 'FourEyes', initialState: kind === 'Approval' ? 'Granted' : 'Pending', decisions: decisions as Decision[] });
      return { states: evaluation.states, decisions: evaluation.decisions as DecisionEntry[] };
    };
    const look = (crash: boolean) => {
      const history = historyOf();
      for (const step of transitionsSince(history, lastState)) reported.add(id(step));
      if (!crash) lastState = history.states.at(-1);
    };
    for (const entry of schedule) {
      decisions.push(vote(entry.decision.name, entry.decision.resultingState));
      for (const crash of entry.looks) look(crash);
    }
    look(false); // the operator that finally stays up
    return { reported, full: new Set(transitionsSince(historyOf(), undefined).map(id)), states: historyOf().states };
  }

  it('reports only transitions of the full history, whatever the looks and crashes', () => {
    fc.assert(
      fc.property(scheduleArb, fc.constantFrom('ApprovalRequest' as const, 'Approval' as const), (schedule, kind) => {
        const { reported, full } = run(schedule, kind);
        for (const name of reported) assert.ok(full.has(name), `${name} is not a transition of the history`);
      }),
      { numRuns: 500 },
    );
  });

  it('loses none while no state comes back (every FourEyes request flow: Pending → Semigranted → final)', () => {
    fc.assert(
      fc.property(scheduleArb, (schedule) => {
        const { reported, full, states } = run(schedule, 'ApprovalRequest');
        const runs = states.filter((s, i) => i === 0 || s !== states[i - 1]);
        fc.pre(new Set(runs).size === runs.length);
        assert.deepEqual([...reported].sort(), [...full].sort());
      }),
      { numRuns: 500 },
    );
  });
});

// Who hears of a reported step (one message per person per event), and the properties the fault
// suite relies on: whatever the moments the operator looks and the moments it crashes before
// recording what it reported, nobody is asked to act on what was already decided when the operator
// looked, no Notification exists twice (names come from the step alone), and no outcome is lost.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { DecisionEntry } from '../../../../src/api/types.ts';
import { transitionId, transitionsSince, type HistoryStep } from '../../../../src/controller/transition-history.ts';
import { evaluate, STATES, type Decision, type State } from '../../../../src/engine/index.ts';
import { audienceOf, isWaiting, type AudienceStep } from '../../../../src/notify/creation/audience.ts';

const request = (from: State | undefined, to: State): AudienceStep => ({ kind: 'ApprovalRequest', from, to, caused: from !== undefined });
const approval = (from: State | undefined, to: State, caused = true): AudienceStep => ({ kind: 'Approval', from, to, caused });

describe('audienceOf: requests', () => {
  it('the creation of an open request asks the decider, without an Event', () => {
    assert.deepEqual(audienceOf(request(undefined, 'Pending'), 'Pending'), { recipients: ['decider'], event: false });
  });

  it('Semigranted asks only the decider (FourEyes still needs another), with an Event', () => {
    assert.deepEqual(audienceOf(request('Pending', 'Semigranted'), 'Semigranted'), { recipients: ['decider'], event: true });
  });

  it('nobody is asked to act on a request that is already decided: "waiting" steps seen after the outcome tell nobody', () => {
    for (const current of ['Granted', 'Rejected', 'Expired'] as const) {
      assert.deepEqual(audienceOf(request(undefined, 'Pending'), current).recipients, [], `created, now ${current}`);
      assert.deepEqual(audienceOf(request('Pending', 'Semigranted'), current).recipients, [], `Semigranted, now ${current}`);
      // …but the change is still recorded as an Event: it happened.
      assert.equal(audienceOf(request('Pending', 'Semigranted'), current).event, true);
    }
  });

  it('an outcome goes to the decider and the requester once each, whatever came after it', () => {
    for (const to of ['Granted', 'Rejected', 'Expired'] as const) {
      for (const current of STATES) assert.deepEqual(audienceOf(request('Pending', to), current), { recipients: ['decider', 'requester'], event: true }, `${to}, now ${current}`);
    }
  });

  it('Auto and trusted teams (the creation folded with its System grant): both told the outcome, no Event (the System decision and the status say it)', () => {
    assert.deepEqual(audienceOf(request(undefined, 'Granted'), 'Granted'), { recipients: ['decider', 'requester'], event: false });
  });
});

describe('audienceOf: Approvals', () => {
  it("the Approval's creation is the request's grant: nobody told, no Event", () => {
    assert.deepEqual(audienceOf(approval(undefined, 'Granted', false), 'Granted'), { recipients: [], event: false });
  });

  it('a newer grant taking over an Approval (no own decision caused the step) is also the request\'s to tell', () => {
    assert.deepEqual(audienceOf(approval('Expired', 'Granted', false), 'Granted'), { recipients: [], event: false });
  });

  it('suspend, resume, deny and expiry tell both teams, each with an Event', () => {
    for (const [from, to] of [['Granted', 'Suspended'], ['Suspended', 'Granted'], ['Granted', 'Rejected'], ['Granted', 'Expired']] as const) {
      assert.deepEqual(audienceOf(approval(from, to), to), { recipients: ['decider', 'requester'], event: true }, `${from} → ${to}`);
    }
  });
});

describe('audienceOf under looks and crashes (property)', () => {
  const stateArb = fc.constantFrom(...STATES.filter((s) => s !== 'Expired'));
  const scheduleArb = fc.array(
    fc.record({ decision: fc.record({ name: fc.constantFrom('ann', 'bob', 'cid'), resultingState: stateArb }), looks: fc.array(fc.boolean(), { maxLength: 3 }) }),
    { maxLength: 8 },
  );
  const vote = (name: string, resultingState: State): DecisionEntry => ({ name, resultingState }) as DecisionEntry;
  const stepOf = (kind: 'ApprovalRequest' | 'Approval', s: HistoryStep): AudienceStep => ({ kind, from: s.from, to: s.to, caused: s.decision !== undefined });

  /** Runs the schedule; every (transition, recipient) told, with the state the operator saw when it told it. */
  function run(schedule: Array<{ decision: { name: string; resultingState: State }; looks: boolean[] }>, kind: 'ApprovalRequest' | 'Approval') {
    const decisions: DecisionEntry[] = [];
    const told = new Map<string, State[]>(); // `<transition id> <recipient>` → the states it was told in (a create of an existing name is AlreadyExists)
    let lastState: State | undefined;
    const historyOf = () => {
      const evaluation = evaluate({ kind, strategy: 'FourEyes', initialState: kind === 'Approval' ? 'Granted' : 'Pending', decisions: decisions as Decision[] });
      return { states: evaluation.states, decisions: evaluation.decisions as DecisionEntry[], foldLeadingSystemGrants: kind === 'ApprovalRequest' };
    };
    const look = (crash: boolean) => {
      const history = historyOf();
      const current = history.states.at(-1)!;
      for (const step of transitionsSince(history, lastState)) {
        for (const recipient of audienceOf(stepOf(kind, step), current).recipients) {
          const key = `${transitionId(step)} ${recipient}`;
          told.set(key, [...(told.get(key) ?? []), current]);
        }
      }
      if (!crash) lastState = current;
    };
    for (const entry of schedule) {
      decisions.push(vote(entry.decision.name, entry.decision.resultingState));
      for (const crash of entry.looks) look(crash);
    }
    look(false); // the operator that finally stays up
    const history = historyOf();
    return { told, full: transitionsSince(history, undefined), states: history.states };
  }

  it('nobody is asked to act on what was decided when the operator looked; only steps of the history are told', () => {
    fc.assert(
      fc.property(scheduleArb, fc.constantFrom('ApprovalRequest' as const, 'Approval' as const), (schedule, kind) => {
        const { told, full } = run(schedule, kind);
        const ids = new Set(full.map((s) => transitionId(s)));
        for (const [key, seenIn] of told) {
          const [id, recipient] = key.split(' ');
          assert.ok(ids.has(id!), `${id} is not a transition of the history`);
          const step = full.find((s) => transitionId(s) === id)!;
          if (isWaiting(step.to)) {
            assert.equal(recipient, 'decider', `${key}: the requester is never asked`);
            assert.ok(seenIn.every(isWaiting), `${key} was told while the object was decided`);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it("an Approval's creation is never told", () => {
    fc.assert(
      fc.property(scheduleArb, (schedule) => {
        const { told } = run(schedule, 'Approval');
        assert.ok([...told.keys()].every((key) => !key.startsWith('created/')));
      }),
      { numRuns: 300 },
    );
  });

  it('loses no outcome while no state comes back: each outcome step to the decider and the requester', () => {
    fc.assert(
      fc.property(scheduleArb, fc.constantFrom('ApprovalRequest' as const, 'Approval' as const), (schedule, kind) => {
        const { told, full, states } = run(schedule, kind);
        const runs = states.filter((s, i) => i === 0 || s !== states[i - 1]);
        fc.pre(new Set(runs).size === runs.length);
        for (const step of full) {
          if (isWaiting(step.to) || (kind === 'Approval' && step.decision === undefined)) continue;
          for (const recipient of ['decider', 'requester']) assert.ok(told.has(`${transitionId(step)} ${recipient}`), `${transitionId(step)} to the ${recipient}`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a request still open at the end has asked its decider: the step into the current state was told', () => {
    fc.assert(
      fc.property(scheduleArb, (schedule) => {
        const { told, full, states } = run(schedule, 'ApprovalRequest');
        const runs = states.filter((s, i) => i === 0 || s !== states[i - 1]);
        fc.pre(new Set(runs).size === runs.length && isWaiting(states.at(-1)!));
        const last = full.at(-1)!;
        assert.ok(told.has(`${transitionId(last)} decider`), transitionId(last));
      }),
      { numRuns: 500 },
    );
  });
});

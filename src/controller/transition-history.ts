// Which transitions a reconcile reports, and what each one is called (ADR 0006). Pure.
//
// A transition is named by what caused it, from facts stored in the object and never rewritten:
// the subject's uid, the decision that caused it (its position in spec.decisions: decisions are
// only ever appended, the CRD and the webhook forbid edits) and the state it led to. Which ones a
// reconcile reports follows from the decisions and status.lastState alone, so every replica, every
// retry and every restart after a crash reports the same transitions under the same names, and
// the Notifications and Events made before a crash are found again (AlreadyExists) instead of
// being made twice.
//
// - lastState unset: the object's creation, then every change after it. The creation is the state
//   before any decision, or after the leading System grants (an Auto request or a trusted team is
//   granted by the operator before anyone is told about it; a client may file a request with its
//   System grant in it). A request the operator first sees after two votes reports its creation
//   and both votes' transitions, each once.
// - lastState set: every change after the last point where the decisions gave lastState. What
//   happened between two reconciles and returned to lastState (Granted → Suspended → Granted on an
//   Approval) is not a change the operator saw, and is not reported.
// - lastState is nowhere in the history (a policy change made the decisions count differently, a
//   newer grant replaced an Approval's content): one step from lastState to the current state,
//   named after the decision that began the current state.
import type { DecisionEntry } from '../api/types.ts';
import { SYSTEM_DECIDER, type State } from '../engine/index.ts';

export interface HistoryStep {
  /**
   * How many of spec.decisions (an Approval's history included) there are up to and including the
   * one that caused the step; for the creation, up to its last leading System grant (usually 0).
   */
  index: number;
  /** undefined: the object's creation. */
  from: State | undefined;
  to: State;
  /** The decision that caused it; none for a creation without decisions. */
  decision?: DecisionEntry;
}

export interface History {
  /** states[i]: the state after the first i own decisions (Evaluation.states). */
  states: readonly State[];
  /** The own decisions, as evaluated (an Approval's: those after its baseline). */
  decisions: readonly DecisionEntry[];
  /** How many decisions come before the own ones (an Approval's history under its baseline). */
  offset?: number;
  /** Requests: leading System grants belong to the creation. */
  foldLeadingSystemGrants?: boolean;
}

/** Where the creation is reported: after the leading System grants (when folded), else before any decision. */
export function creationPoint(history: History): number {
  const { states, decisions } = history;
  let point = 0;
  if (!history.foldLeadingSystemGrants) return point;
  while (point < decisions.length && decisions[point]?.name === SYSTEM_DECIDER && states[point + 1] === 'Granted') point++;
  return point;
}

/** The transitions to report when the status says `lastState` (undefined: nothing reported yet), oldest first. */
export function transitionsSince(history: History, lastState: State | undefined): HistoryStep[] {
  const { states, decisions } = history;
  const offset = history.offset ?? 0;
  const n = decisions.length;
  const current = states[n];
  if (current === undefined || states.length !== n + 1) throw new Error(`history has ${states.length} states for ${n} decisions`);
  if (lastState === current) return [];

  const changesAfter = (mark: number): HistoryStep[] => {
    const steps: HistoryStep[] = [];
    for (let i = mark + 1; i <= n; i++) {
      if (states[i] !== states[i - 1]) steps.push({ index: offset + i, from: states[i - 1], to: states[i]!, decision: decisions[i - 1] });
    }
    return steps;
  };

  if (lastState === undefined) {
    const point = creationPoint(history);
    return [{ index: offset + point, from: undefined, to: states[point]!, decision: point > 0 ? decisions[point - 1] : undefined }, ...changesAfter(point)];
  }
  const mark = states.lastIndexOf(lastState);
  if (mark >= 0) return changesAfter(mark);
  let start = n;
  while (start > 0 && states[start - 1] === current) start--;
  return [{ index: offset + start, from: lastState, to: current, decision: start > 0 ? decisions[start - 1] : undefined }];
}

/**
 * A transition's stable id, for Event names and audit lines: `[created/][<epoch>/]<index>/<to>`
 * (epoch: the grant an Approval's decisions belong to), e.g. `created/0/Pending`, `2/Granted`.
 */
export function transitionId(step: { from: State | undefined; index: number; to: State; epoch?: string }): string {
  return `${step.from === undefined ? 'created/' : ''}${step.epoch ? `${step.epoch}/` : ''}${step.index}/${step.to}`;
}

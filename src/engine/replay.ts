// The state of a replay between two decisions, and the ways it can move. Kept apart from the rules
// in evaluate.ts so that those read as rules.
import { freshRound, grantedRound, isApproved, isRejected, settle, type Round } from './round.ts';
import type { Action, StageSpec, State } from './types.ts';
import type { Vote } from './votes.ts';

/** What last moved the subject: a decider's action, or a stage decided for want of approvers. */
export type LastEvent = { by: string; action: Action } | { automaticStage: string; to: State };

export interface Replay {
  readonly state: State;
  readonly round: Round;
  /** Bumped on every state change; a vote repeats an earlier one when nothing changed in between. */
  readonly changes: number;
  readonly lastVotes: ReadonlyMap<string, { vote: Vote; changes: number }>;
  readonly last: LastEvent | undefined;
}

/** Entering one of these states ends the round: the next approval starts counting afresh. */
export function endsRound(state: State): boolean {
  return state === 'Rejected' || state === 'Expired';
}

/** States in which the current stage collects approvals and rejections. */
export function collectsVotes(state: State): boolean {
  return state === 'Pending' || state === 'Semigranted';
}

export function startReplay(stages: readonly StageSpec[], initialState: State): Replay {
  const base = { state: initialState, changes: 0, lastVotes: new Map(), last: undefined };
  if (initialState === 'Granted' || initialState === 'Suspended') return { ...base, round: grantedRound(stages) };
  if (endsRound(initialState)) return { ...base, round: freshRound(stages) };
  return withAutomaticOutcome({ ...base, round: settle(freshRound(stages)) });
}

export function enter(replay: Replay, state: State, round: Round, last: LastEvent): Replay {
  const changes = state === replay.state ? replay.changes : replay.changes + 1;
  return { ...replay, state, round, changes, last };
}

/**
 * A round decided without votes: a reached stage without approvers rejects (or approves) as its
 * `outcomeIfNoApprovers` says; a schema of such stages only can grant before anyone votes.
 */
export function withAutomaticOutcome(replay: Replay): Replay {
  const { round } = replay;
  const rejected = round.find((tally) => tally.state === 'Rejected' && tally.automatic);
  if (isRejected(round) && rejected) {
    return enter(replay, 'Rejected', round, { automaticStage: rejected.spec.name, to: 'Rejected' });
  }
  const decidedByOutcomes = round.length > 0 && round.every((tally) => tally.automatic);
  if (isApproved(round) && decidedByOutcomes && collectsVotes(replay.state)) {
    return enter(replay, 'Granted', round, { automaticStage: round.at(-1)?.spec.name ?? '', to: 'Granted' });
  }
  return replay;
}

export function remembered(replay: Replay, name: string, vote: Vote): Replay {
  const lastVotes = new Map(replay.lastVotes);
  lastVotes.set(name, { vote, changes: replay.changes });
  return { ...replay, lastVotes };
}

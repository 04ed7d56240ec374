// The votes of one round (since the subject last entered Pending, Rejected or Expired), stage by
// stage. Values are never mutated: a vote that turns out to be ignored must leave the round as it was.
import { hasNoApprovers, outcomeIfNoApprovers, requiredApprovals } from './stages.ts';
import type { StageProgress, StageSpec } from './types.ts';

export interface StageTally {
  readonly spec: StageSpec;
  readonly state: 'Pending' | 'Approved' | 'Rejected';
  readonly approvedBy: readonly string[];
  readonly rejectedBy: readonly string[];
  /** Set when the stage was decided by `outcomeIfNoApprovers` rather than by votes. */
  readonly automatic: boolean;
}

export type Round = readonly StageTally[];

export function freshRound(stages: readonly StageSpec[]): Round {
  return stages.map((spec) => ({ spec, state: 'Pending', approvedBy: [], rejectedBy: [], automatic: false }));
}

/** A round whose stages are all approved, for a subject that is already Granted when replay starts. */
export function grantedRound(stages: readonly StageSpec[]): Round {
  return freshRound(stages).map((tally) => ({ ...tally, state: 'Approved' }));
}

/** Index of the stage now collecting votes: the first one still Pending. */
export function currentStageIndex(round: Round): number | undefined {
  const index = round.findIndex((tally) => tally.state === 'Pending');
  return index < 0 || isRejected(round) ? undefined : index;
}

export function isRejected(round: Round): boolean {
  return round.some((tally) => tally.state === 'Rejected');
}

export function isApproved(round: Round): boolean {
  return round.every((tally) => tally.state === 'Approved');
}

export function approversOf(round: Round): string[] {
  return [...new Set(round.flatMap((tally) => tally.approvedBy))];
}

/** Applies `outcomeIfNoApprovers` to every approver-less stage reached, in order. */
export function settle(round: Round): Round {
  const result = [...round];
  for (let index = currentStageIndex(result); index !== undefined; index = currentStageIndex(result)) {
    const tally = result[index];
    if (!tally || !hasNoApprovers(tally.spec)) break;
    const state = outcomeIfNoApprovers(tally.spec) === 'Approve' ? 'Approved' : 'Rejected';
    result[index] = { ...tally, state, automatic: true };
  }
  return result;
}

function replaceAt(round: Round, index: number, tally: StageTally): Round {
  return round.map((current, i) => (i === index ? tally : current));
}

export function withApproval(round: Round, index: number, name: string): Round {
  const tally = round[index];
  if (!tally) return round;
  const approvedBy = [...tally.approvedBy, name];
  const state = approvedBy.length >= requiredApprovals(tally.spec) ? 'Approved' : tally.state;
  return settle(replaceAt(round, index, { ...tally, approvedBy, state }));
}

export function withRejection(round: Round, index: number, name: string): Round {
  const tally = round[index];
  if (!tally) return round;
  return replaceAt(round, index, { ...tally, rejectedBy: [...tally.rejectedBy, name], state: 'Rejected' });
}

/** Every stage approved at once: the operator's own grant, or a transition that waives the quorum. */
export function approveAll(round: Round): Round {
  return round.map((tally) => ({ ...tally, state: 'Approved' }));
}

export function progressOf(round: Round): StageProgress[] {
  return round.map((tally) => ({
    name: tally.spec.name,
    state: tally.state,
    approvals: tally.approvedBy.length,
    rejections: tally.rejectedBy.length,
    required: requiredApprovals(tally.spec),
  }));
}

// What a stage asks for: which stages a strategy has, how many approvals each needs and who may
// vote in it. Simple and FourEyes are one-stage schemas so that one code path serves every strategy.
import type { StageSpec, Strategy } from './types.ts';

export const DEFAULT_TEAM_GROUP_PREFIX = 'team:';

const SIMPLE_STAGE: StageSpec = Object.freeze({ name: 'Simple', evaluation: 'Quorum', required: 1 });
const FOUR_EYES_STAGE: StageSpec = Object.freeze({ name: 'FourEyes', evaluation: 'Quorum', required: 2 });

/**
 * The stages a strategy is evaluated with. MultiStage without stages falls back to the four-eyes
 * stage: a schema nobody wrote must not grant on fewer approvals than the strictest fixed strategy.
 */
export function resolveStages(strategy: Strategy, stages: readonly StageSpec[] | undefined): StageSpec[] {
  switch (strategy) {
    case 'Auto':
      return [];
    case 'Simple':
      return [SIMPLE_STAGE];
    case 'FourEyes':
      return [FOUR_EYES_STAGE];
    case 'MultiStage':
      return stages && stages.length > 0 ? [...stages] : [{ ...FOUR_EYES_STAGE, name: 'MultiStage' }];
  }
}

function listedUsers(stage: StageSpec): string[] {
  return [...new Set(stage.approvers?.users ?? [])];
}

function listsAnyApprover(stage: StageSpec): boolean {
  const approvers = stage.approvers ?? {};
  return [approvers.users, approvers.groups, approvers.teams].some((list) => (list?.length ?? 0) > 0);
}

/**
 * A stage nobody can complete: AllMustApprove needs every listed user, and groups cannot be
 * enumerated, so without users the stage takes its `outcomeIfNoApprovers` instead.
 */
export function hasNoApprovers(stage: StageSpec): boolean {
  return stage.evaluation === 'AllMustApprove' && listedUsers(stage).length === 0;
}

export function outcomeIfNoApprovers(stage: StageSpec): 'Reject' | 'Approve' {
  return stage.outcomeIfNoApprovers ?? 'Reject';
}

/** Distinct approvals the stage needs. A Quorum below 1 would grant without a vote, so it is 1. */
export function requiredApprovals(stage: StageSpec): number {
  if (hasNoApprovers(stage)) return 0;
  switch (stage.evaluation) {
    case 'FirstDecides':
      return 1;
    case 'AllMustApprove':
      return listedUsers(stage).length;
    case 'Quorum':
      return Math.max(1, Math.floor(stage.required ?? 1));
  }
}

export interface Voter {
  name: string;
  groups: readonly string[];
}

/** Whether a vote by `voter` counts in `stage`. A stage that lists no approvers takes anyone. */
export function isEligible(stage: StageSpec, voter: Voter, teamGroupPrefix: string): boolean {
  if (stage.evaluation === 'AllMustApprove') return listedUsers(stage).includes(voter.name);
  if (!listsAnyApprover(stage)) return true;
  const approvers = stage.approvers ?? {};
  if ((approvers.users ?? []).includes(voter.name)) return true;
  const groups = new Set(voter.groups);
  return approverGroups(stage, teamGroupPrefix).some((group) => groups.has(group));
}

/** Whether the stage lists `voter` by name, group or team (a stage listing nobody names no one). */
export function namesApprover(stage: StageSpec, voter: Voter, teamGroupPrefix: string): boolean {
  return listsAnyApprover(stage) && isEligible(stage, voter, teamGroupPrefix);
}

/** The groups a stage counts: its `groups`, and the group of each of its `teams`. */
export function approverGroups(stage: StageSpec, teamGroupPrefix: string): string[] {
  const approvers = stage.approvers ?? {};
  return [...(approvers.groups ?? []), ...(approvers.teams ?? []).map((team) => teamGroupPrefix + team)];
}

/**
 * Whether a strategy grants before anyone votes: Auto, or stages that all approve for want of
 * approvers. Admission should treat such a request like Auto (it needs `autoapprove`).
 */
export function grantsWithoutVotes(strategy: Strategy, stages: readonly StageSpec[] | undefined): boolean {
  if (strategy === 'Auto') return true;
  return resolveStages(strategy, stages).every((stage) => hasNoApprovers(stage) && outcomeIfNoApprovers(stage) === 'Approve');
}

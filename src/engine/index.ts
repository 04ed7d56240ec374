// The decision engine: pure functions shared by the controller, the admission webhook and the CLI.
export type {
  Action,
  Approvers,
  Decision,
  Evaluation,
  EvaluationInput,
  IgnoredDecision,
  StageProgress,
  StageSpec,
  State,
  Strategy,
  SubjectKind,
  Transition,
  TransitionRule,
} from './types.ts';
export { ACTIONS, STATES, STRATEGIES, SUBJECT_KINDS, SYSTEM_DECIDER } from './types.ts';
export { availableTransitions, findRule, isPersonal, transitionTable } from './transitions.ts';
export { evaluate } from './evaluate.ts';
export { CONDITION_TYPES, conditionsFor, type Condition } from './conditions.ts';
export { effectiveStrategy, policyMatches, selectPolicy, type EffectiveStrategy, type PolicyLike, type RequestFacts } from './policy.ts';
export { MAX_DURATION_MS, durationOrUndefined, parseDuration } from './duration.ts';
export {
  DEFAULT_TEAM_GROUP_PREFIX,
  approverGroups,
  grantsWithoutVotes,
  isEligible,
  namesApprover,
  requiredApprovals,
  resolveStages,
  type Voter,
} from './stages.ts';

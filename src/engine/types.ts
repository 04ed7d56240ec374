// The vocabulary of the decision engine, shared by the controller, the admission webhook, the CLI
// and generated docs. Plain string unions (not enums) so that values read from the API server can
// be compared without conversion.

export type Strategy = 'Auto' | 'Simple' | 'FourEyes' | 'MultiStage';
export type State = 'Pending' | 'Semigranted' | 'Granted' | 'Rejected' | 'Suspended' | 'Expired';
export type Action = 'Allow' | 'Deny' | 'Suspend' | 'Resume' | 'Expire';
export type SubjectKind = 'ApprovalRequest' | 'Approval';

export const STRATEGIES: readonly Strategy[] = ['Auto', 'Simple', 'FourEyes', 'MultiStage'];
export const STATES: readonly State[] = ['Pending', 'Semigranted', 'Granted', 'Rejected', 'Suspended', 'Expired'];
export const ACTIONS: readonly Action[] = ['Allow', 'Deny', 'Suspend', 'Resume', 'Expire'];
export const SUBJECT_KINDS: readonly SubjectKind[] = ['ApprovalRequest', 'Approval'];

/** The decider name the operator uses for its own decisions (Auto grants, trusted teams, expiry). */
export const SYSTEM_DECIDER = 'System';

export interface Transition {
  action: Action;
  to: State;
}

/** One row of a transition table. */
export interface TransitionRule {
  action: Action;
  from: readonly State[];
  to: State;
  /** Only a decision named `System` may take this row (the Auto grant of a request). */
  systemOnly?: true;
  /** Only the operator's own identity takes this row (Expire, driven by its clock). */
  operatorOnly?: true;
}

export interface Decision {
  name: string;
  email?: string;
  comment?: string;
  timestamp?: string;
  resultingState: State;
  /** Who wrote the decision (set at admission); differs from `name` for a delegated decision. */
  actor?: string;
  /** The voter's groups that stages name, captured at admission; used for stage eligibility. */
  groups?: string[];
}

export interface Approvers {
  users?: string[];
  groups?: string[];
  teams?: string[];
}

export interface StageSpec {
  name: string;
  approvers?: Approvers;
  evaluation: 'FirstDecides' | 'AllMustApprove' | 'Quorum';
  required?: number;
  outcomeIfNoApprovers?: 'Reject' | 'Approve';
}

export interface StageProgress {
  name: string;
  state: 'Pending' | 'Approved' | 'Rejected';
  approvals: number;
  rejections: number;
  required: number;
}

export interface EvaluationInput {
  kind: SubjectKind;
  strategy: Strategy;
  /** Used by MultiStage only; Simple and FourEyes have one implied stage, Auto none. */
  stages?: StageSpec[];
  initialState: State;
  decisions: Decision[];
  /** Groups of each decider (by name), for decisions that do not carry their own `groups`. */
  deciderGroups?: Record<string, string[]>;
  /** Prefix that turns a team name into a group name; default `team:`. */
  teamGroupPrefix?: string;
}

export interface IgnoredDecision {
  index: number;
  reason: string;
}

export interface Evaluation {
  /** The state the decisions produce. */
  state: State;
  availableTransitions: Transition[];
  /** Progress of the current (or just ended) round; empty for Auto. */
  stages: StageProgress[];
  /** The input decisions with `resultingState` rewritten to what each actually produced. */
  decisions: Decision[];
  /** Decisions that were not a legal transition; they change nothing. */
  ignored: IgnoredDecision[];
  /**
   * The state before the first decision, then after each one (length decisions + 1, the last is
   * `state`). Unlike `decisions[i].resultingState` it is the state the replay was in, also for
   * ignored decisions and automatic stage outcomes: the controllers name each transition after
   * the decision that caused it.
   */
  states: State[];
  /** Short human text for the Ready/Approved condition message. */
  reason: string;
}

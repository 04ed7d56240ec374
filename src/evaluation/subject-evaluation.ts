// How an ApprovalRequest's or Approval's decisions are counted, in one place below the webhook,
// the reconcilers and the CLI: they must agree exactly, so all of them call these functions.
import type { Approval, ApprovalPolicy, ApprovalRequest, DecisionEntry } from '../api/types.ts';
import { BASELINE_ANNOTATION } from '../api/resources.ts';
import { DEFAULT_TEAM_GROUP_PREFIX, evaluate, type Evaluation, type State, type Strategy } from '../engine/index.ts';
import { parseBaseline } from './baseline.ts';
import { resolvePolicy, type Resolution } from './policy-resolver.ts';

export interface SubjectEvaluation {
  resolution: Resolution;
  /** The strategy the votes are counted with (Auto for a trusted team). */
  strategy: Strategy;
  /** Decisions that came with the grant (Approvals only); they are history, not votes. */
  history: DecisionEntry[];
  initialState: State;
  evaluation: Evaluation;
  /** Evaluates this subject with other own decisions (e.g. one more vote). */
  evaluateWith(own: DecisionEntry[]): Evaluation;
}

/** What counting depends on besides the object: the policies, and how team names become groups. */
export interface EvaluationSettings {
  policies: ApprovalPolicy[];
  teamGroupPrefix?: string;
}

export function evaluateRequest(request: ApprovalRequest, settings: EvaluationSettings, decisions = request.spec.decisions ?? []): SubjectEvaluation {
  const resolution = resolvePolicy(settings.policies, request.metadata.namespace ?? '', request.spec);
  const teamGroupPrefix = settings.teamGroupPrefix ?? DEFAULT_TEAM_GROUP_PREFIX;
  // A trusted requester team is granted like Auto, whatever the policy's strategy (seed 003).
  const strategy = resolution.trusted ? 'Auto' : resolution.strategy;
  const evaluateWith = (own: DecisionEntry[]) =>
    evaluate({ kind: 'ApprovalRequest', strategy, stages: resolution.stages, initialState: 'Pending', decisions: own, teamGroupPrefix });
  return { resolution, strategy, history: [], initialState: 'Pending', evaluation: evaluateWith(decisions), evaluateWith };
}

/**
 * Counts an Approval's own decisions from its baseline annotation (ADR 0002). Without one, the
 * caller says where to start (the webhook: the stored object's state and decision count).
 */
export function evaluateApproval(
  approval: Approval,
  settings: EvaluationSettings,
  fallback?: { state: string; count: number },
  decisions = approval.spec.decisions ?? [],
): SubjectEvaluation | undefined {
  const baseline = parseBaseline(approval.metadata.annotations?.[BASELINE_ANNOTATION]) ?? fallback;
  if (!baseline) return undefined;
  const resolution = resolvePolicy(settings.policies, approval.metadata.namespace ?? '', approval.spec);
  const initialState = baseline.state as State;
  const teamGroupPrefix = settings.teamGroupPrefix ?? DEFAULT_TEAM_GROUP_PREFIX;
  const evaluateWith = (own: DecisionEntry[]) =>
    evaluate({ kind: 'Approval', strategy: resolution.strategy, stages: resolution.stages, initialState, decisions: own, teamGroupPrefix });
  return {
    resolution,
    strategy: resolution.strategy,
    history: decisions.slice(0, baseline.count),
    initialState,
    evaluation: evaluateWith(decisions.slice(baseline.count)),
    evaluateWith,
  };
}

// Which ApprovalPolicy governs a request and what strategy follows from it. Pure: the
// caller lists the policies and states the request's facts.
import type { StageSpec, Strategy } from './types.ts';

export interface PolicyLike {
  name: string;
  spec: {
    enabled?: boolean;
    order?: number;
    match?: { namespaces?: string[]; actions?: string[]; targetKinds?: string[]; deciderTeams?: string[] };
    strategy?: Strategy;
    stages?: StageSpec[];
    trustedTeams?: string[];
    deciders?: { users?: string[]; groups?: string[]; teams?: string[] };
    timeout?: string;
    grantValidity?: string;
    reminders?: Array<{ before: string; repeat?: string }>;
  };
}

export interface RequestFacts {
  namespace: string;
  action?: string;
  targetKind?: string;
  deciderTeam?: string;
  requesterTeam?: string;
  strategy: Strategy;
  stages?: StageSpec[];
}

export interface EffectiveStrategy {
  strategy: Strategy;
  stages: StageSpec[];
  trusted: boolean;
}

// Team names are compared case-insensitively (trustedTeams, deciderTeams), everything else exactly, as
// Kubernetes compares namespaces and kinds.
function sameTeam(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function sameValue(a: string, b: string): boolean {
  return a === b;
}

/** An absent or empty list matches anything; a given list must contain the value. */
function listMatches(list: string[] | undefined, value: string | undefined, same: (a: string, b: string) => boolean): boolean {
  if (!list || list.length === 0) return true;
  return value !== undefined && list.some((entry) => same(entry, value));
}

export function policyMatches(policy: PolicyLike, facts: RequestFacts): boolean {
  const match = policy.spec.match ?? {};
  return (
    (policy.spec.enabled ?? true) &&
    listMatches(match.namespaces, facts.namespace, sameValue) &&
    listMatches(match.actions, facts.action, sameValue) &&
    listMatches(match.targetKinds, facts.targetKind, sameValue) &&
    listMatches(match.deciderTeams, facts.deciderTeam, sameTeam)
  );
}

function byOrderThenName(a: PolicyLike, b: PolicyLike): number {
  const byOrder = (a.spec.order ?? 0) - (b.spec.order ?? 0);
  if (byOrder !== 0) return byOrder;
  // Code-point order, not locale order, so every process picks the same policy.
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The enabled matching policy with the lowest order; ties go to the smallest name. */
export function selectPolicy(policies: PolicyLike[], facts: RequestFacts): PolicyLike | undefined {
  return policies.filter((policy) => policyMatches(policy, facts)).sort(byOrderThenName)[0];
}

/**
 * A matching policy is authoritative: its strategy (and, for MultiStage, its stages) replace the
 * request's own. A policy without a strategy only adds its other settings (timeouts, trusted
 * teams), so the request's strategy stands.
 */
export function effectiveStrategy(policy: PolicyLike | undefined, facts: RequestFacts): EffectiveStrategy {
  const fromPolicy = policy?.spec.strategy !== undefined;
  const strategy = policy?.spec.strategy ?? facts.strategy;
  const stages = (fromPolicy ? policy?.spec.stages : facts.stages) ?? [];
  const requesterTeam = facts.requesterTeam;
  const trusted =
    requesterTeam !== undefined && (policy?.spec.trustedTeams ?? []).some((team) => sameTeam(team, requesterTeam));
  return { strategy, stages: strategy === 'MultiStage' ? [...stages] : [], trusted };
}

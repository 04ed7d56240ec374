// Which ApprovalPolicy governs a request or approval, and what strategy follows from it.
import type { ApprovalPolicy, ApprovalRequestSpec, ApprovalSpec } from '../api/types.ts';
import type { Stage } from '../api/generated.ts';
import { effectiveStrategy, selectPolicy, type PolicyLike, type StageSpec, type Strategy } from '../engine/index.ts';

export interface Resolution {
  policy: ApprovalPolicy | undefined;
  strategy: Strategy;
  stages: StageSpec[];
  trusted: boolean;
}

type SubjectSpec = Pick<ApprovalRequestSpec | ApprovalSpec, 'action' | 'target' | 'decider' | 'requester' | 'strategy'> & { stages?: Stage[] };

/** The API server applies the CRD default; objects built in memory may still lack it. */
export function toStageSpecs(stages: Stage[] | undefined): StageSpec[] | undefined {
  return stages?.map((stage) => ({ ...stage, evaluation: stage.evaluation ?? 'AllMustApprove' }) as StageSpec);
}

export function resolvePolicy(policies: ApprovalPolicy[], namespace: string, spec: SubjectSpec): Resolution {
  const facts = {
    namespace,
    action: spec.action,
    targetKind: spec.target?.kind,
    deciderTeam: spec.decider?.teamName,
    requesterTeam: spec.requester?.teamName,
    strategy: (spec.strategy ?? 'Auto') as Strategy,
    stages: toStageSpecs(spec.stages),
  };
  const candidates = policies.map((p) => ({ name: p.metadata.name, spec: { ...p.spec, stages: toStageSpecs(p.spec.stages) } }) as PolicyLike);
  const selected = selectPolicy(candidates, facts);
  const policy = selected ? policies.find((p) => p.metadata.name === selected.name) : undefined;
  return { policy, ...effectiveStrategy(selected, facts) };
}

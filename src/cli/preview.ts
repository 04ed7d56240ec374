// `kubectl approval preview` (pure): what the operator would make of an ApprovalRequest before it
// exists — the policy that governs it, the effective strategy, the approval schema (stages in
// order with their approvers, evaluation and outcome without approvers, as seed 004 prints a
// composed schema), whether it is granted or rejected before anyone votes, the timeout, and who
// may decide. The policy choice and the counting are the operator's own code (src/evaluation).
import type { ApprovalPolicy, ApprovalRequest } from '../api/types.ts';
import { DEFAULT_TEAM_GROUP_PREFIX, grantsWithoutVotes, requiredApprovals, resolveStages, type StageSpec } from '../engine/index.ts';
import { evaluateRequest } from '../evaluation/subject-evaluation.ts';
import { formatTable, NONE } from './format.ts';

/** The policies the preview could consider, and where they came from. */
export interface PolicySource {
  /** Policies read from the cluster, or why they could not be read. */
  cluster: { readable: true; policies: ApprovalPolicy[] } | { readable: false; reason: string };
  /** Policies in the previewed file; they replace cluster policies of the same name. */
  file: ApprovalPolicy[];
}

export interface PreviewStage {
  order: number;
  name: string;
  evaluation: string;
  /** Distinct approvals the stage needs; 0 when it has no approvers and takes `ifNoApprovers`. */
  required: number;
  ifNoApprovers: string;
  approvers: string[];
}

export interface Preview {
  request: { namespace: string; name: string; action: string; target: string; requesterTeam: string; deciderTeam: string };
  /** False when the cluster's policies could not be read: the preview then shows the request's own strategy. */
  policiesRead: boolean;
  policiesNote?: string;
  policy?: { name: string; order: number; description?: string; fromFile: boolean };
  requestedStrategy: string;
  strategy: string;
  /** What happens before anyone votes. */
  outcome: { state: string; text: string };
  /** Why creating it needs the RBAC verb `autoapprove` (it grants without a person's vote). */
  needsAutoapprove?: string;
  timeout?: { value: string; from: 'request' | 'policy' };
  grantValidity?: { value: string; from: 'policy' };
  stages: PreviewStage[];
  deciders: string[];
}

export function buildPreview(request: ApprovalRequest, namespace: string, source: PolicySource, teamGroupPrefix = DEFAULT_TEAM_GROUP_PREFIX): Preview {
  const cluster = source.cluster.readable ? source.cluster.policies : [];
  const fileNames = new Set(source.file.map((p) => p.metadata.name));
  const policies = [...cluster.filter((p) => !fileNames.has(p.metadata.name)), ...source.file];
  const subject: ApprovalRequest = { ...request, metadata: { ...request.metadata, namespace } };
  const { resolution, strategy, evaluation } = evaluateRequest(subject, { policies, teamGroupPrefix });
  const { policy } = resolution;
  const spec = request.spec;
  const stages = stagesOf(resolution.strategy, resolution.stages);
  const needsAutoapprove = grantWithoutVote(resolution.trusted, resolution.strategy, resolution.stages, policy?.metadata.name, (spec.decisions ?? []).length > 0);
  const timeout = spec.timeout ? { value: spec.timeout, from: 'request' as const } : policy?.spec.timeout ? { value: policy.spec.timeout, from: 'policy' as const } : undefined;
  return {
    request: {
      namespace,
      name: request.metadata.name,
      action: spec.action ?? 'unknown',
      target: spec.target ? `${spec.target.kind ? `${spec.target.kind} ` : ''}${spec.target.namespace ? `${spec.target.namespace}/` : ''}${spec.target.name}` : '',
      requesterTeam: spec.requester?.teamName ?? '',
      deciderTeam: spec.decider?.teamName ?? '',
    },
    policiesRead: source.cluster.readable,
    ...(!source.cluster.readable && { policiesNote: source.cluster.reason }),
    ...(policy && {
      policy: {
        name: policy.metadata.name,
        order: policy.spec.order ?? 0,
        ...(policy.spec.description && { description: policy.spec.description }),
        fromFile: fileNames.has(policy.metadata.name),
      },
    }),
    requestedStrategy: spec.strategy ?? 'Auto',
    strategy: resolution.strategy,
    outcome: outcomeOf(resolution.trusted, strategy, evaluation.state, evaluation.reason, spec.requester?.teamName, policy?.metadata.name),
    ...(needsAutoapprove && { needsAutoapprove }),
    ...(timeout && { timeout }),
    ...(policy?.spec.grantValidity && { grantValidity: { value: policy.spec.grantValidity, from: 'policy' as const } }),
    stages,
    deciders: decidersOf(namespace, spec.decider?.teamName, policy, stages.length > 0 && resolution.strategy === 'MultiStage', teamGroupPrefix),
  };
}

function stagesOf(strategy: PreviewStrategy, stages: StageSpec[]): PreviewStage[] {
  return resolveStages(strategy, stages).map((stage, i) => ({
    order: i + 1,
    name: stage.name,
    evaluation: stage.evaluation,
    required: requiredApprovals(stage),
    ifNoApprovers: stage.outcomeIfNoApprovers ?? 'Reject',
    approvers: approversOf(stage),
  }));
}

type PreviewStrategy = Parameters<typeof resolveStages>[0];

function approversOf(stage: StageSpec): string[] {
  const a = stage.approvers ?? {};
  return [...(a.users ?? []), ...(a.groups ?? []).map((g) => `group ${g}`), ...(a.teams ?? []).map((t) => `team ${t}`)];
}

/** The reason the validating webhook would give for requiring `autoapprove` (same order of checks). */
function grantWithoutVote(trusted: boolean, strategy: PreviewStrategy, stages: StageSpec[], policy: string | undefined, filedDecision: boolean): string | undefined {
  if (filedDecision) return 'it comes with a System decision';
  if (trusted) return `the requester team is trusted by policy "${policy}"`;
  if (strategy === 'Auto') return 'strategy Auto';
  if (grantsWithoutVotes(strategy, stages)) return 'its stages approve themselves (outcomeIfNoApprovers: Approve)';
  return undefined;
}

function outcomeOf(trusted: boolean, strategy: string, state: string, reason: string, team: string | undefined, policy: string | undefined): Preview['outcome'] {
  if (trusted) return { state: 'Granted', text: `granted at once: team ${team} is trusted by policy ${policy} (the operator records a System grant)` };
  if (strategy === 'Auto') return { state: 'Granted', text: 'granted at once: strategy Auto (the operator records a System grant)' };
  if (state === 'Granted') return { state, text: `granted at once: ${reason}` };
  if (state === 'Rejected') return { state, text: `rejected at once: ${reason}` };
  return { state, text: `waits for votes (${state})` };
}

function decidersOf(namespace: string, deciderTeam: string | undefined, policy: ApprovalPolicy | undefined, staged: boolean, prefix: string): string[] {
  const lines: string[] = [];
  if (deciderTeam) lines.push(`members of group "${prefix}${deciderTeam}" (the decider team)`);
  const listed = policy?.spec.deciders;
  const byPolicy = [...(listed?.users ?? []), ...(listed?.groups ?? []).map((g) => `group ${g}`), ...(listed?.teams ?? []).map((t) => `team ${t} (group "${prefix}${t}")`)];
  if (byPolicy.length > 0) lines.push(`${byPolicy.join(', ')} (listed by policy ${policy?.metadata.name})`);
  if (staged) lines.push('the approvers of each stage, in their stage');
  lines.push(`anyone with the RBAC verb "decide" on approvalrequests in namespace ${namespace}`);
  lines.push('never the person who files it (no self-approval)');
  return lines;
}

/** The preview as text, laid out like `describe`. */
export function formatPreview(preview: Preview): string {
  const field = (key: string, value: string | undefined) => `${`${key}:`.padEnd(17)} ${value || NONE}`;
  const { request } = preview;
  const lines = [
    field('Request', `${request.namespace}/${request.name || '(generated name)'} (not created)`),
    field('Action', request.action),
    field('Target', request.target),
    field('Requester team', request.requesterTeam),
    field('Decider team', request.deciderTeam),
  ];
  if (preview.policy) {
    const { name, order, description, fromFile } = preview.policy;
    lines.push(field('Policy', `${name} (order ${order}${fromFile ? ', from the file' : ''})${description ? `: ${description}` : ''}`));
  } else lines.push(field('Policy', preview.policiesRead ? `${NONE} (no enabled policy matches)` : 'unknown (see the note below)'));
  const strategy =
    preview.strategy === preview.requestedStrategy
      ? preview.strategy
      : `${preview.strategy} (from policy ${preview.policy?.name}; the request asks for ${preview.requestedStrategy})`;
  lines.push(field('Strategy', strategy), field('Outcome', preview.outcome.text));
  if (preview.needsAutoapprove) lines.push(field('Needs', `the RBAC verb "autoapprove" to create it: ${preview.needsAutoapprove}`));
  lines.push(field('Timeout', preview.timeout ? `${preview.timeout.value} (from the ${preview.timeout.from})` : 'none: it stays open until decided'));
  if (preview.grantValidity) lines.push(field('Grant validity', `${preview.grantValidity.value} (from the policy)`));
  if (preview.stages.length === 0) lines.push(field('Stages', `${NONE} (no votes are counted)`));
  else {
    const rows = preview.stages.map((s) => [String(s.order), s.name, s.evaluation, s.required === 0 ? '-' : String(s.required), s.ifNoApprovers, s.approvers.join(', ') || 'anyone who may decide']);
    lines.push('Stages:', formatTable(['ORDER', 'NAME', 'EVALUATION', 'REQUIRED', 'IF NO APPROVERS', 'APPROVERS'], rows, '  ').trimEnd());
  }
  lines.push('Who may decide:', ...preview.deciders.map((line) => `  - ${line}`));
  if (!preview.policiesRead) lines.push(field('Note', preview.policiesNote));
  return `${lines.join('\n')}\n`;
}

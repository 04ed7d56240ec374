// Pure formatting of `kubectl approval describe`, laid out like `kubectl describe`.
import { REQUESTED_BY_ANNOTATION } from '../api/resources.ts';
import type { Approval, ApprovalRequest, ApplicationRef, Stage, StageStatus } from '../api/types.ts';
import { availableTransitions, type State, type Strategy } from '../engine/index.ts';
import type { Kind } from './args.ts';
import { NONE, effectiveStrategy, formatTable, kindLabel, stateOf, timestampWithAge, type Subject } from './format.ts';

/** The plugin command that takes an engine action. */
export const VERB_OF_ACTION: Record<string, string> = { Allow: 'approve', Deny: 'reject', Suspend: 'suspend', Resume: 'resume' };

const KEY_WIDTH = 18;

/** `Key:` padded to a common width; continuation lines of a multi-line value are indented to match. */
function field(key: string, value: string | undefined, indent = ''): string {
  const label = `${indent}${key}:`.padEnd(KEY_WIDTH - 1) + ' ';
  const lines = (value === undefined || value === '' ? NONE : value).split('\n');
  return [`${label}${lines[0]}`, ...lines.slice(1).map((line) => ' '.repeat(label.length) + line)].map((l) => l.trimEnd()).join('\n');
}

const refText = (ref: ApplicationRef | undefined) =>
  ref ? `${ref.kind ? `${ref.kind} ` : ''}${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}` : undefined;

const teamText = (team: string | undefined, email: string | undefined) =>
  team ? `${team}${email ? ` <${email}>` : ''}` : email;

function strategyText(subject: Subject): string {
  const declared = subject.spec.strategy ?? 'Auto';
  const effective = effectiveStrategy(subject);
  const policy = subject.status?.policyRef;
  if (effective === declared && !policy) return declared;
  return `${declared} (effective: ${effective}${policy ? `, from policy ${policy}` : ''})`;
}

/** The transitions the operator published, or (before it has) the ones the engine computes. */
export function transitionsOf(kind: Kind, subject: Subject): Array<{ action: string; to: string }> {
  return subject.status?.availableTransitions ?? availableTransitions(kind, effectiveStrategy(subject) as Strategy, stateOf(subject) as State);
}

function stagesText(subject: Subject): string | undefined {
  const progress: StageStatus[] = subject.status?.stages ?? [];
  const defined: Stage[] = 'stages' in subject.spec ? (subject.spec.stages ?? []) : [];
  const names = [...new Set([...defined.map((s) => s.name), ...progress.map((s) => s.name)])];
  if (names.length === 0) return undefined;
  // Simple and FourEyes have one implied stage: only MultiStage defines stages in the spec.
  const withDefinition = defined.length > 0;
  const rows = names.map((name) => {
    const spec = defined.find((s) => s.name === name);
    const status = progress.find((s) => s.name === name);
    const required = status?.required ?? (spec ? specRequired(spec) : undefined);
    return [
      name,
      status?.state ?? 'Pending',
      `${status?.approvals ?? 0}${required !== undefined ? `/${required}` : ''}`,
      String(status?.rejections ?? 0),
      ...(withDefinition ? [spec?.evaluation ?? '', spec ? approversText(spec) : ''] : []),
    ];
  });
  const headers = ['NAME', 'STATE', 'APPROVALS', 'REJECTIONS', ...(withDefinition ? ['EVALUATION', 'APPROVERS'] : [])];
  return formatTable(headers, rows, '  ').trimEnd();
}

function specRequired(stage: Stage): number | undefined {
  if (stage.evaluation === 'Quorum') return stage.required;
  if (stage.evaluation === 'FirstDecides') return 1;
  return stage.approvers?.users?.length;
}

function approversText(stage: Stage): string {
  const a = stage.approvers ?? {};
  return [...(a.users ?? []), ...(a.groups ?? []).map((g) => `group:${g}`), ...(a.teams ?? []).map((t) => `team ${t}`)].join(', ');
}

function votesText(subject: Subject, now: Date): string | undefined {
  const decisions = subject.spec.decisions ?? [];
  if (decisions.length === 0) return undefined;
  const rows = decisions.map((d) => [d.name, d.resultingState, timestampWithAge(d.timestamp, now), (d.comment ?? '').replace(/\s*\n\s*/g, ' ')]);
  return formatTable(['NAME', 'STATE', 'TIME', 'COMMENT'], rows, '  ').trimEnd();
}

function transitionsText(kind: Kind, subject: Subject): string | undefined {
  const transitions = transitionsOf(kind, subject);
  if (transitions.length === 0) return undefined;
  const rows = transitions.map((t) => [VERB_OF_ACTION[t.action] ?? t.action.toLowerCase(), `→ ${t.to}`]);
  return formatTable(['COMMAND', 'RESULT'], rows, '  ').trimEnd();
}

function conditionsText(subject: Subject): string | undefined {
  const conditions = subject.status?.conditions ?? [];
  if (conditions.length === 0) return undefined;
  const rows = conditions.map((c) => [c.type, c.status, c.reason, c.message]);
  return formatTable(['TYPE', 'STATUS', 'REASON', 'MESSAGE'], rows, '  ').trimEnd();
}

/** A block heading followed by its indented table, or `Heading:  <none>`. */
const block = (heading: string, body: string | undefined) => (body ? `${heading}:\n${body}` : field(heading, undefined));

export function formatDescribe(kind: Kind, subject: Subject, now: Date): string {
  const { metadata, spec, status } = subject;
  const lines: string[] = [
    field('Name', metadata.name),
    field('Namespace', metadata.namespace),
    field('Kind', kind),
    field('Created', timestampWithAge(metadata.creationTimestamp, now)),
    field('Requested by', metadata.annotations?.[REQUESTED_BY_ANNOTATION]),
    field('State', stateOf(subject)),
    field('Action', spec.action),
    field('Strategy', strategyText(subject)),
  ];
  if (kind === 'ApprovalRequest') {
    const request = subject as ApprovalRequest;
    if (request.spec.timeout) lines.push(field('Timeout', request.spec.timeout));
    if (status?.expiresAt) lines.push(field('Expires', timestampWithAge(status.expiresAt, now)));
  } else {
    lines.push(field('Expires', timestampWithAge(status?.expiresAt, now)));
  }
  lines.push(
    'Requester:',
    field('Team', teamText(spec.requester?.teamName, spec.requester?.teamEmail), '  '),
    field('Application', refText(spec.requester?.applicationRef), '  '),
    field('Reason', spec.requester?.reason?.trim(), '  '),
  );
  const properties = spec.requester?.properties;
  if (properties && Object.keys(properties).length > 0) {
    lines.push(field('Properties', Object.entries(properties).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n'), '  '));
  }
  lines.push(
    'Decider:',
    field('Team', teamText(spec.decider?.teamName, spec.decider?.teamEmail), '  '),
    field('Application', refText(spec.decider?.applicationRef), '  '),
    field('Target', refText(spec.target)),
    block('Stages', stagesText(subject)),
    block('Votes', votesText(subject, now)),
    block('Available transitions', transitionsText(kind, subject)),
    block('Conditions', conditionsText(subject)),
  );
  if (kind === 'ApprovalRequest') {
    const approval = (subject as ApprovalRequest).status?.approval;
    lines.push(field('Approval', approval ? `${kindLabel('Approval')}/${approval.name}` : undefined));
  } else {
    const request = (subject as Approval).spec.approvedRequest;
    lines.push(field('Approved request', request ? `${kindLabel('ApprovalRequest')}/${request.name}` : undefined));
  }
  return lines.join('\n') + '\n';
}

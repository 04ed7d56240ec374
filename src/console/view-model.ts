// What the pages show, computed from the objects as the person read them: plain data for the
// templates (which escape every value; only the sanitised reason is inserted as HTML).
import type { Approval, ApprovalRequest, ApplicationRef, Stage, StageStatus } from '../api/types.ts';
import { transitionsOf, VERB_OF_ACTION } from '../cli/describe.ts';
import { relative } from '../cli/format.ts';
import { requestedBy, kindOf, stateOf, strategyOf, type InboxContext } from './inbox.ts';
import { subjectPath, type ConsoleKind } from './links.ts';
import { renderMarkdown } from './markdown.ts';
import type { HistoryEvent, Subject } from './subjects.ts';

export interface SubjectRow {
  kind: ConsoleKind;
  kindLabel: string;
  namespace: string;
  name: string;
  path: string;
  state: string;
  strategy: string;
  action: string;
  requesterTeam: string;
  deciderTeam: string;
  target: string;
  requestedBy: string;
  age: string;
  created: string;
}

export const KIND_LABEL: Record<ConsoleKind, string> = { ApprovalRequest: 'Request', Approval: 'Approval' };

const refText = (ref: ApplicationRef | { kind?: string; namespace?: string; name: string } | undefined) =>
  ref ? `${'kind' in ref && ref.kind ? `${ref.kind} ` : ''}${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}` : '';

export function rowOf(subject: Subject, now: Date): SubjectRow {
  const kind = kindOf(subject);
  const namespace = subject.metadata.namespace ?? '';
  return {
    kind,
    kindLabel: KIND_LABEL[kind],
    namespace,
    name: subject.metadata.name,
    path: subjectPath(kind, namespace, subject.metadata.name),
    state: stateOf(subject),
    strategy: strategyOf(subject),
    action: subject.spec.action ?? '',
    requesterTeam: subject.spec.requester?.teamName ?? '',
    deciderTeam: subject.spec.decider?.teamName ?? '',
    target: refText(subject.spec.target),
    requestedBy: requestedBy(subject) ?? '',
    age: relative(subject.metadata.creationTimestamp, now),
    created: subject.metadata.creationTimestamp ?? '',
  };
}

/** A button: the verb the console posts, its label, and where it leads. */
export interface ActionButton {
  verb: string;
  label: string;
  to: string;
  style: 'approve' | 'reject' | 'neutral';
}

const LABELS: Record<string, { label: string; style: ActionButton['style'] }> = {
  approve: { label: 'Approve', style: 'approve' },
  reject: { label: 'Reject', style: 'reject' },
  suspend: { label: 'Suspend', style: 'neutral' },
  resume: { label: 'Resume', style: 'approve' },
};

/** The person's possible transitions as buttons (requests cannot be suspended: their Approval is). */
export function actionsOf(subject: Subject): ActionButton[] {
  const kind = kindOf(subject);
  return transitionsOf(kind, subject)
    .map((t) => ({ verb: VERB_OF_ACTION[t.action], to: t.to }))
    .filter((t): t is { verb: string; to: string } => !!t.verb && !(kind === 'ApprovalRequest' && (t.verb === 'suspend' || t.verb === 'resume')))
    .map((t) => ({ verb: t.verb, to: t.to, ...LABELS[t.verb]! }));
}

interface StageRow {
  name: string;
  state: string;
  approvals: string;
  rejections: number;
  approvers: string;
  current: boolean;
}

function stageRows(subject: Subject): StageRow[] {
  const progress: StageStatus[] = subject.status?.stages ?? [];
  const defined: Stage[] = 'stages' in subject.spec ? (subject.spec.stages ?? []) : [];
  const names = [...new Set([...defined.map((s) => s.name), ...progress.map((s) => s.name)])];
  let currentFound = false;
  return names.map((name) => {
    const spec = defined.find((s) => s.name === name);
    const status = progress.find((s) => s.name === name);
    const state = status?.state ?? 'Pending';
    const current = !currentFound && state === 'Pending' && UNDECIDED_STATES.includes(stateOf(subject));
    if (current) currentFound = true;
    const a = spec?.approvers ?? {};
    return {
      name,
      state,
      approvals: `${status?.approvals ?? 0}${status?.required !== undefined ? ` of ${status.required}` : ''}`,
      rejections: status?.rejections ?? 0,
      approvers: [...(a.users ?? []), ...(a.groups ?? []).map((g) => `group ${g}`), ...(a.teams ?? []).map((t) => `team ${t}`)].join(', '),
      current,
    };
  });
}

const UNDECIDED_STATES = ['Pending', 'Semigranted'];

export interface SubjectPage extends SubjectRow {
  requesterEmail: string;
  requesterApplication: string;
  reasonHtml: string;
  properties: Array<{ key: string; value: string }>;
  deciderEmail: string;
  deciderApplication: string;
  timeout: string;
  expiresAt: string;
  expiresIn: string;
  stages: StageRow[];
  votes: Array<{ name: string; actor: string; delegated: boolean; state: string; time: string; age: string; comment: string; groups: string }>;
  actions: ActionButton[];
  conditions: Array<{ type: string; status: string; reason: string; message: string }>;
  related?: { label: string; name: string; path: string };
  events?: HistoryEvent[];
  eventsHidden: boolean;
  /** Why the person sees no buttons, or a note next to them. */
  note?: string;
  filedByMe: boolean;
  listedAs?: string;
}

export interface PageFacts {
  me: string;
  events: HistoryEvent[] | undefined;
  /** Whether RBAC lets the person patch the object at all. */
  mayPatch: boolean;
  listedAs: string | undefined;
  context: InboxContext;
}

export function pageOf(subject: Subject, facts: PageFacts, now: Date): SubjectPage {
  const row = rowOf(subject, now);
  const spec = subject.spec;
  const filedByMe = row.requestedBy === facts.me;
  const actions = facts.mayPatch ? actionsOf(subject) : [];
  let note: string | undefined;
  if (!facts.mayPatch) note = 'You may view this, but your account may not change it.';
  else if (actions.length === 0) note = `Nothing can be decided while it is ${row.state}.`;
  else if (filedByMe) note = 'You filed this request. The cluster does not accept a decision from its requester.';
  else if (!facts.listedAs && !facts.context.decideIn.has(row.namespace)) {
    note = 'You are not listed as a decider of this. The cluster decides whether it accepts your decision.';
  }
  let related: SubjectPage['related'];
  if (subject.kind === 'Approval') {
    const request = (subject as Approval).spec.approvedRequest;
    if (request?.name) related = { label: 'Approved request', name: request.name, path: subjectPath('ApprovalRequest', request.namespace ?? row.namespace, request.name) };
  } else {
    const approval = (subject as ApprovalRequest).status?.approval;
    if (approval?.name) related = { label: 'Approval (the grant)', name: approval.name, path: subjectPath('Approval', approval.namespace ?? row.namespace, approval.name) };
  }
  return {
    ...row,
    requesterEmail: spec.requester?.teamEmail ?? '',
    requesterApplication: refText(spec.requester?.applicationRef),
    reasonHtml: renderMarkdown(spec.requester?.reason),
    properties: Object.entries(spec.requester?.properties ?? {}).map(([key, value]) => ({ key, value: typeof value === 'string' ? value : JSON.stringify(value) })),
    deciderEmail: spec.decider?.teamEmail ?? '',
    deciderApplication: refText(spec.decider?.applicationRef),
    timeout: subject.kind === 'Approval' ? '' : ((subject as ApprovalRequest).spec.timeout ?? ''),
    expiresAt: subject.status?.expiresAt ?? '',
    expiresIn: subject.status?.expiresAt ? relative(subject.status.expiresAt, now) : '',
    stages: stageRows(subject),
    votes: (spec.decisions ?? []).map((d) => ({
      name: d.name,
      actor: d.actor ?? d.name,
      delegated: !!d.actor && d.actor !== d.name,
      state: d.resultingState,
      time: d.timestamp ?? '',
      age: d.timestamp ? relative(d.timestamp, now) : '',
      comment: d.comment ?? '',
      groups: (d.groups ?? []).join(', '),
    })),
    actions,
    conditions: (subject.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })),
    related,
    events: facts.events,
    eventsHidden: facts.events === undefined,
    note,
    filedByMe,
    listedAs: facts.listedAs,
  };
}

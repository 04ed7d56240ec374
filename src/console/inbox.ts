// "Where I can act now": undecided requests and Approvals (Pending, Semigranted) that the person
// did not file, has not already voted towards their present state, and may decide by the
// authorization model (decider team, policy deciders, stage approvers: listedAsDecider) or by
// the RBAC verb `decide` in the namespace. The admission webhook still judges every vote; this
// only chooses what to show first.
import { REQUESTED_BY_ANNOTATION } from '../api/resources.ts';
import type { ApprovalPolicy } from '../api/types.ts';
import { listedAsDecider } from '../authorization/decider-eligibility.ts';
import type { UserInfo } from '../authorization/identity.ts';
import { availableTransitions, type State, type Strategy } from '../engine/index.ts';
import { resolvePolicy } from '../evaluation/policy-resolver.ts';
import { effectiveStrategy, stateOf } from '../cli/format.ts';
import type { ConsoleKind } from './links.ts';
import type { Subject } from './subjects.ts';

export const UNDECIDED: readonly string[] = ['Pending', 'Semigranted'];

export interface InboxContext {
  policies: ApprovalPolicy[];
  teamGroupPrefix: string;
  /** Namespaces where RBAC gives the person `decide`. */
  decideIn: ReadonlySet<string>;
}

export const kindOf = (subject: Subject): ConsoleKind => (subject.kind === 'Approval' ? 'Approval' : 'ApprovalRequest');

export { stateOf };

/** The strategy votes are counted with: what the operator published, else the declared one. */
export const strategyOf = (subject: Subject): Strategy => effectiveStrategy(subject) as Strategy;

export const requestedBy = (subject: Subject): string | undefined => subject.metadata.annotations?.[REQUESTED_BY_ANNOTATION];

/** How `me` qualifies as a decider of `subject` without asking RBAC, or undefined. */
export function listedFor(me: UserInfo, subject: Subject, context: Pick<InboxContext, 'policies' | 'teamGroupPrefix'>): string | undefined {
  const namespace = subject.metadata.namespace ?? '';
  const resolution = resolvePolicy(context.policies, namespace, subject.spec as Parameters<typeof resolvePolicy>[2]);
  return listedAsDecider(me, {
    resource: kindOf(subject) === 'Approval' ? 'approvals' : 'approvalrequests',
    namespace,
    name: subject.metadata.name,
    deciderTeam: subject.spec.decider?.teamName || undefined,
    policy: resolution.policy,
    stages: resolution.stages,
    teamGroupPrefix: context.teamGroupPrefix,
  });
}

export function canActNow(me: UserInfo, subject: Subject, context: InboxContext): boolean {
  const state = stateOf(subject);
  if (!UNDECIDED.includes(state)) return false;
  if (requestedBy(subject) === me.username) return false;
  if (availableTransitions(kindOf(subject), strategyOf(subject), state as State).length === 0) return false;
  // Already voted towards where it stands now (e.g. the first approval of a FourEyes request).
  if ((subject.spec.decisions ?? []).some((d) => d.name === me.username && d.resultingState === state)) return false;
  return context.decideIn.has(subject.metadata.namespace ?? '') || listedFor(me, subject, context) !== undefined;
}

const byNewest = (a: Subject, b: Subject) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');

export function inbox(me: UserInfo, subjects: Subject[], context: InboxContext): Subject[] {
  return subjects.filter((s) => canActNow(me, s, context)).sort(byNewest);
}

export function filedBy(me: UserInfo, subjects: Subject[]): Subject[] {
  return subjects.filter((s) => requestedBy(s) === me.username).sort(byNewest);
}

export const newestFirst = (subjects: Subject[]) => [...subjects].sort(byNewest);

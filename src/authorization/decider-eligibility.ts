// Who may decide a request or an Approval: a member of the decider team's group, a user, group or
// team the matching policy lists, an approver named by one of the stages, or anyone RBAC allows
// the verb `decide` on the object. The first three need no API call and are shared with the CLI.
import type { ApprovalPolicy } from '../api/types.ts';
import { namesApprover, type StageSpec } from '../engine/index.ts';
import type { AccessReview } from './access-review.ts';
import type { UserInfo, Verdict } from './identity.ts';
import { DECIDE } from './verbs.ts';

export interface DecisionScope {
  resource: 'approvalrequests' | 'approvals';
  namespace: string;
  name: string;
  deciderTeam?: string;
  policy?: ApprovalPolicy;
  /** The effective stages (MultiStage); their approvers are deciders of their stage. */
  stages: readonly StageSpec[];
  teamGroupPrefix: string;
}

/** How `voter` qualifies without asking RBAC, or undefined. */
export function listedAsDecider(voter: UserInfo, scope: DecisionScope): string | undefined {
  const groups = voter.groups ?? [];
  const teamGroup = (team: string) => `${scope.teamGroupPrefix}${team}`;
  if (scope.deciderTeam && groups.includes(teamGroup(scope.deciderTeam))) return `member of group "${teamGroup(scope.deciderTeam)}"`;
  const listed = scope.policy?.spec.deciders;
  const byPolicy =
    listed?.users?.includes(voter.username) ||
    listed?.groups?.some((group) => groups.includes(group)) ||
    listed?.teams?.some((team) => groups.includes(teamGroup(team)));
  if (byPolicy) return `listed as decider by policy "${scope.policy?.metadata.name}"`;
  const stage = scope.stages.find((candidate) => namesApprover(candidate, { name: voter.username, groups }, scope.teamGroupPrefix));
  return stage ? `approver of stage "${stage.name}"` : undefined;
}

export async function mayDecide(voter: UserInfo, scope: DecisionScope, review: AccessReview): Promise<Verdict> {
  const listed = listedAsDecider(voter, scope);
  if (listed) return { allowed: true, detail: listed };
  if (await review(voter, { verb: DECIDE, resource: scope.resource, namespace: scope.namespace, name: scope.name })) {
    return { allowed: true, detail: `RBAC verb "${DECIDE}" on ${scope.resource}` };
  }
  const checked = [
    scope.deciderTeam ? `not in group "${scope.teamGroupPrefix}${scope.deciderTeam}"` : 'the request names no decider team',
    scope.policy ? `not listed as decider by policy "${scope.policy.metadata.name}"` : undefined,
    scope.stages.length > 0 ? 'not an approver of any stage' : undefined,
    `no RBAC verb "${DECIDE}" on ${scope.resource} in namespace "${scope.namespace}"`,
  ].filter(Boolean);
  return { allowed: false, detail: checked.join(', ') };
}

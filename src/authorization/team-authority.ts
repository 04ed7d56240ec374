// Filing for a team is an authority: a request names its requester team, and trusted-team and
// Auto outcomes follow from that name, so the name must be one the filer may speak for.
import type { AccessReview } from './access-review.ts';
import { userLabel, type UserInfo, type Verdict } from './identity.ts';
import { REQUEST, TEAMS_RESOURCE } from './verbs.ts';

export interface TeamScope {
  team: string;
  namespace: string;
  teamGroupPrefix: string;
}

/**
 * Members of the team's group may file for it; so may identities RBAC allows the verb `request` on
 * `teams` with the team's name (no names = any team: platform controllers).
 */
export async function mayFileFor(user: UserInfo, scope: TeamScope, review: AccessReview): Promise<Verdict> {
  const group = `${scope.teamGroupPrefix}${scope.team}`;
  if ((user.groups ?? []).includes(group)) return { allowed: true, detail: `member of group "${group}"` };
  const check = { verb: REQUEST, resource: TEAMS_RESOURCE, namespace: scope.namespace, name: scope.team };
  if (await review(user, check)) return { allowed: true, detail: `RBAC verb "${REQUEST}" on ${TEAMS_RESOURCE}/${scope.team}` };
  return {
    allowed: false,
    detail: `${userLabel(user)} is not in group "${group}" and has no RBAC verb "${REQUEST}" on ${TEAMS_RESOURCE}/${scope.team} in namespace "${scope.namespace}"`,
  };
}

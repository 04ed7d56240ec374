// Who may decide (SPEC §7): a member of the decider team's group, a user/group/team the matching
// policy lists, or anyone RBAC allows the custom verb `decide` (a SubjectAccessReview, the way
// CertificateSigningRequest approval uses the `approve` verb on signers).
import type { ApprovalPolicy } from '../api/types.ts';
import { API_GROUP } from '../api/resources.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import type { UserInfo } from './admission-review.ts';

export interface DecisionScope {
  resource: 'approvalrequests' | 'approvals';
  namespace: string;
  name: string;
  deciderTeam?: string;
  policy?: ApprovalPolicy;
}

export interface Verdict {
  allowed: boolean;
  /** How the caller qualified, or what was checked when refused. */
  detail: string;
}

interface SubjectAccessReviewStatus {
  status?: { allowed?: boolean };
}

export class DeciderAuthorizer {
  private readonly client: KubeClient;
  private readonly teamGroupPrefix: string;

  constructor(client: KubeClient, teamGroupPrefix: string) {
    this.client = client;
    this.teamGroupPrefix = teamGroupPrefix;
  }

  teamGroup(team: string): string {
    return `${this.teamGroupPrefix}${team}`;
  }

  async mayDecide(user: UserInfo, scope: DecisionScope): Promise<Verdict> {
    const groups = user.groups ?? [];
    if (scope.deciderTeam && groups.includes(this.teamGroup(scope.deciderTeam))) {
      return { allowed: true, detail: `member of ${this.teamGroup(scope.deciderTeam)}` };
    }
    const listed = scope.policy?.spec.deciders;
    if (listed) {
      const byUser = listed.users?.includes(user.username);
      const byGroup = listed.groups?.some((g) => groups.includes(g));
      const byTeam = listed.teams?.some((t) => groups.includes(this.teamGroup(t)));
      if (byUser || byGroup || byTeam) return { allowed: true, detail: `listed by policy ${scope.policy?.metadata.name}` };
    }
    if (await this.rbacAllows(user, 'decide', scope.resource, scope.namespace, scope.name)) {
      return { allowed: true, detail: `RBAC verb "decide" on ${scope.resource}` };
    }
    const checked = [
      scope.deciderTeam ? `not in group "${this.teamGroup(scope.deciderTeam)}"` : 'the request names no decider team',
      scope.policy ? `not listed as decider by policy "${scope.policy.metadata.name}"` : undefined,
      `no RBAC verb "decide" on ${scope.resource} in namespace "${scope.namespace}"`,
    ].filter(Boolean);
    return { allowed: false, detail: checked.join(', ') };
  }

  async rbacAllows(user: UserInfo, verb: string, resource: string, namespace: string, name?: string): Promise<boolean> {
    const review = await this.client.create<SubjectAccessReviewStatus>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: user.username,
        uid: user.uid,
        groups: user.groups,
        resourceAttributes: { group: API_GROUP, resource, verb, namespace, name },
      },
    });
    return review.status?.allowed === true;
  }
}

// RBAC checks for the custom verbs, answered by the API server's authorizer (SubjectAccessReview),
// so a grant reads the same in the webhook as in `kubectl auth can-i`.
import { API_GROUP } from '../api/resources.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import type { UserInfo } from './identity.ts';

export interface AccessCheck {
  /** API group of the resource (default: approval.cp.ei.telekom.de); "" for the core group (e.g. secrets). */
  group?: string;
  verb: string;
  resource: string;
  namespace: string;
  name?: string;
}

/** Whether RBAC allows `user` the check; resolves false on a denial, rejects when the server cannot answer. */
export type AccessReview = (user: UserInfo, check: AccessCheck) => Promise<boolean>;

interface SubjectAccessReviewStatus {
  status?: { allowed?: boolean };
}

export function subjectAccessReview(client: KubeClient): AccessReview {
  return async (user, check) => {
    const review = await client.create<SubjectAccessReviewStatus>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: user.username,
        uid: user.uid,
        groups: user.groups,
        resourceAttributes: { group: check.group ?? API_GROUP, resource: check.resource, verb: check.verb, namespace: check.namespace, name: check.name },
      },
    });
    return review.status?.allowed === true;
  };
}

// Who the caller is, as the API server authenticates them (never from a flag): a
// SelfSubjectReview returns the username and groups of the credentials (or the impersonation).
import { REQUESTED_BY_ANNOTATION } from '../api/resources.ts';
import { listedAsDecider } from '../authorization/decider-eligibility.ts';
import { toStageSpecs } from '../evaluation/policy-resolver.ts';
import { DEFAULT_TEAM_GROUP_PREFIX } from '../engine/index.ts';
import { ApiError } from '../runtime/api-protocol.ts';
import type { ApiClient } from './http-client.ts';
import { stateOf, type Subject } from './format.ts';

export interface Identity {
  username: string;
  groups: string[];
}

interface SelfSubjectReview {
  status?: { userInfo?: { username?: string; groups?: string[] } };
}

/** The prefix that turns a team into a group; set APPROVAL_TEAM_GROUP_PREFIX when the operator uses another. */
export const teamGroupPrefix = (env: NodeJS.ProcessEnv = process.env) => env.APPROVAL_TEAM_GROUP_PREFIX ?? DEFAULT_TEAM_GROUP_PREFIX;

export async function whoAmI(client: ApiClient): Promise<Identity> {
  let review: SelfSubjectReview;
  try {
    review = await postReview(client, 'v1');
  } catch (err) {
    // Kubernetes 1.26/1.27 serve it as beta only.
    if (!(err instanceof ApiError && err.status === 404)) throw err;
    review = await postReview(client, 'v1beta1');
  }
  const username = review.status?.userInfo?.username;
  if (!username) throw new Error('the API server did not say who you are (SelfSubjectReview returned no username)');
  return { username, groups: review.status?.userInfo?.groups ?? [] };
}

function postReview(client: ApiClient, version: string): Promise<SelfSubjectReview> {
  return client.create<SelfSubjectReview>(`/apis/authentication.k8s.io/${version}/selfsubjectreviews`, {
    apiVersion: `authentication.k8s.io/${version}`,
    kind: 'SelfSubjectReview',
  });
}

/**
 * `--mine`: the caller filed it (requested-by annotation), or the authorization model lists them
 * as a decider: the decider team's group, or an approver the request's own stages name. (Policy
 * deciders and RBAC `decide` need reads people may not have; the webhook still checks them.)
 */
export function isMine(subject: Subject, identity: Identity, prefix = DEFAULT_TEAM_GROUP_PREFIX): boolean {
  if (subject.metadata.annotations?.[REQUESTED_BY_ANNOTATION] === identity.username) return true;
  const stages = 'stages' in subject.spec ? (toStageSpecs(subject.spec.stages) ?? []) : [];
  const scope = {
    resource: 'approvalrequests' as const,
    namespace: subject.metadata.namespace ?? '',
    name: subject.metadata.name,
    deciderTeam: subject.spec.decider?.teamName || undefined,
    stages,
    teamGroupPrefix: prefix,
  };
  return listedAsDecider(identity, scope) !== undefined;
}

/** `--pending`: still open. */
export const isPending = (subject: Subject) => stateOf(subject) === 'Pending' || stateOf(subject) === 'Semigranted';

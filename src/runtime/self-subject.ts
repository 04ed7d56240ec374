// Who the API server says this client is (authentication.k8s.io/v1 SelfSubjectReview).
import type { KubeClient } from './kube-client.ts';

export interface Identity {
  username: string;
  groups: string[];
}

export async function whoAmI(client: KubeClient): Promise<Identity> {
  const review = await client.create<{ status?: { userInfo?: { username?: string; groups?: string[] } } }>(
    '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  );
  const username = review.status?.userInfo?.username;
  if (!username) throw new Error('the API server did not say who this client is (SelfSubjectReview without username)');
  return { username, groups: review.status?.userInfo?.groups ?? [] };
}

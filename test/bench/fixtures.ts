// The objects and the people of the bench: ApprovalRequests like config/samples, each with its own
// target (so each gets its own Approval), and clients impersonating the requester and deciders.
import type { ApprovalRequest } from '../../src/api/types.ts';
import { API_VERSION, approvalRequestResource, approvalResource } from '../../src/api/resources.ts';
import { KubeClient, PatchType } from '../../src/runtime/kube-client.ts';
import { collectionPath, objectPath } from '../../src/runtime/resource.ts';

export type Strategy = 'Auto' | 'Simple' | 'FourEyes';

export function requestManifest(name: string, strategy: Strategy, extra: Partial<ApprovalRequest['spec']> = {}): ApprovalRequest {
  return {
    apiVersion: API_VERSION,
    kind: 'ApprovalRequest',
    metadata: { name },
    spec: {
      action: 'subscribe',
      strategy,
      requester: {
        teamName: 'shop',
        teamEmail: 'shop@example.com',
        reason: 'The shop frontend needs to **read orders** (ticket SHOP-42).',
        applicationRef: { name: 'shop-frontend', namespace: 'default' },
      },
      decider: { teamName: 'orders', teamEmail: 'orders@example.com', applicationRef: { name: 'orders-api', namespace: 'default' } },
      target: { apiVersion: 'api.cp.ei.telekom.de/v1', kind: 'ApiSubscription', name: `${name}--orders-read`, namespace: 'default' },
      decisions: [],
      ...extra,
    },
  } as ApprovalRequest;
}

/** The Approval the operator names after the request's target. */
export const approvalNameOf = (requestName: string) => `apisubscription--${requestName}--orders-read`;

export function impersonating(kubeconfig: string, who: { user: string; groups: string[] }): KubeClient {
  return KubeClient.fromKubeconfig(kubeconfig, { user: who.user, groups: who.groups });
}

export function createRequest(client: KubeClient, namespace: string, manifest: ApprovalRequest): Promise<ApprovalRequest> {
  return client.create<ApprovalRequest>(collectionPath(approvalRequestResource, namespace), manifest);
}

/** A vote the seed-003 way: append a decision with a JSON patch (the webhook fills name and time). */
export function vote(client: KubeClient, namespace: string, name: string, resultingState: string, kind: 'request' | 'approval' = 'request', comment = 'bench') {
  const type = kind === 'request' ? approvalRequestResource : approvalResource;
  return client.patch<ApprovalRequest>(
    objectPath(type, namespace, name),
    [{ op: 'add', path: '/spec/decisions/-', value: { resultingState, comment } }],
    PatchType.json,
  );
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; resolves with all results. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}

/** Retries `task` on transient errors (connection resets, 429/5xx, 409 conflicts) a few times. */
export async function retrying<T>(task: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await task();
    } catch (err) {
      const status = (err as { status?: number }).status;
      const transient = status === undefined || status === 429 || status >= 500 || (status === 409 && !String(err).includes('AlreadyExists'));
      if (!transient || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

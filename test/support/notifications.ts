// Filing a request as admin, deciding it, and reading the Notifications the operator made of it:
// what the security tests of outbound requests, Secrets, channels and e-mail need.
import type { ApprovalRequest, ChannelDeliveryState, Notification } from '../../src/api/types.ts';
import { approvalRequestResource, notificationResource } from '../../src/api/resources.ts';
import type { KubeClient } from '../../src/runtime/kube-client.ts';
import { collectionPath } from '../../src/runtime/resource.ts';
import { approvalHelpers } from './approvals.ts';
import { eventually } from './cluster.ts';

type Spec = { [K in keyof ApprovalRequest['spec']]?: unknown };

/** A Simple request from team shop to team orders in `namespace`; `spec` overrides any field. */
export function simpleRequest(name: string, spec: Spec = {}): ApprovalRequest {
  return {
    apiVersion: 'approval.cp.ei.telekom.de/v1',
    kind: 'ApprovalRequest',
    metadata: { name },
    spec: {
      action: 'subscribe',
      strategy: 'Simple',
      requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'security test' },
      decider: { teamName: 'orders', teamEmail: 'orders@example.com' },
      target: { kind: 'ApiSubscription', name: `target-${name}`, namespace: 'default' },
      ...spec,
    } as ApprovalRequest['spec'],
  };
}

export function notificationHelpers(client: KubeClient, namespace: () => string) {
  const { waitForState, vote } = approvalHelpers(client, namespace);
  const notificationsOf = async (subjectName: string) =>
    (await client.get<{ items: Notification[] }>(collectionPath(notificationResource, namespace()))).items.filter(
      (n) => (n.spec.properties as { subject?: { name?: string } } | undefined)?.subject?.name === subjectName,
    );
  /** The Notification of `subjectName` to `audience` about `state_new`, once it exists. */
  const notificationFor = (subjectName: string, audience: 'requester' | 'decider', state: string) =>
    eventually(`the ${audience} Notification of ${subjectName} (${state})`, async () =>
      (await notificationsOf(subjectName)).find((n) => n.spec.purpose.endsWith(`--${audience}`) && n.spec.properties?.state_new === state),
    );
  return {
    notificationsOf,
    notificationFor,
    /** Files the request (as admin: no webhook in these tests) and grants it with alice's vote. */
    async fileAndGrant(request: ApprovalRequest): Promise<void> {
      await client.create(collectionPath(approvalRequestResource, namespace()), request);
      await waitForState(request.metadata.name, 'Pending');
      await vote('ar', request.metadata.name, 'alice', 'Granted');
      await waitForState(request.metadata.name, 'Granted');
    },
    /** The delivery state of `key` once at least `attempts` attempts are recorded (or it was sent). */
    async stateAfter(subjectName: string, key: string, attempts = 1, audience: 'requester' | 'decider' = 'requester', state = 'Granted'): Promise<ChannelDeliveryState> {
      const notification = await notificationFor(subjectName, audience, state);
      return eventually(`${key} of ${notification.metadata.name} attempted ${attempts} time(s)`, async () => {
        const current = (await notificationsOf(subjectName)).find((n) => n.metadata.name === notification.metadata.name);
        const entry = current?.status?.states?.[key];
        return entry && (entry.sent || (entry.attempts ?? 0) >= attempts) ? entry : undefined;
      });
    },
  };
}

// Requests and their Notifications as the fault tests read them: a FourEyes (or Simple) request
// whose teams have no NotificationChannel (so every Notification is one fallback e-mail), and the
// Notifications of one subject, with what each reports.
import type { Notification } from '../../src/api/types.ts';
import { notificationResource } from '../../src/api/resources.ts';
import type { KubeClient } from '../../src/runtime/kube-client.ts';
import { collectionPath } from '../../src/runtime/resource.ts';

/** A request from team shop to team orders; both applicationRefs point into `namespace`, which has no channel. */
export function requestJson(namespace: string, name: string, strategy = 'FourEyes', extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'approval.cp.ei.telekom.de/v1',
    kind: 'ApprovalRequest',
    metadata: { name },
    spec: {
      action: 'subscribe',
      strategy,
      requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'fault test', applicationRef: { name: 'shop', namespace } },
      decider: { teamName: 'orders', teamEmail: 'orders@example.com', applicationRef: { name: 'orders', namespace } },
      target: { kind: 'ApiSubscription', name: `${name}-target`, namespace },
      ...extra,
    },
  });
}

export interface Reported {
  name: string;
  uid: string;
  purpose: string;
  from: string;
  to: string;
  delivered: boolean;
}

/** The Notifications in `namespace` about the subject named `subject`, as (purpose, from → to), sorted. */
export async function notificationsAbout(client: KubeClient, namespace: string, subject: string): Promise<Reported[]> {
  const list = await client.get<{ items: Notification[] }>(collectionPath(notificationResource, namespace));
  return list.items
    .filter((n) => (n.spec.properties as { subject?: { name?: string } } | undefined)?.subject?.name === subject)
    .map((n) => ({
      name: n.metadata.name,
      uid: n.metadata.uid ?? '',
      purpose: n.spec.purpose,
      from: String(n.spec.properties?.state_old ?? '-'),
      to: String(n.spec.properties?.state_new ?? '-'),
      delivered: n.status?.conditions?.some((c) => c.type === 'Delivered' && c.status === 'True') ?? false,
    }))
    .sort((a, b) => `${a.purpose} ${a.from} ${a.to}`.localeCompare(`${b.purpose} ${b.from} ${b.to}`));
}

/** `purpose from→to` lines, the form the assertions compare. */
export const summary = (reported: Reported[]) => reported.map((r) => `${r.purpose} ${r.from}→${r.to}`);

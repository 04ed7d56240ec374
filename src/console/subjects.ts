// Reading requests, Approvals, policies and Events as the signed-in person. A person who may not
// list across namespaces sees the namespaces the console is configured with (--namespaces) that
// they may read; what they may not read is left out, never fetched with other credentials.
import { approvalPolicyResource, approvalRequestResource, approvalResource } from '../api/resources.ts';
import type { Approval, ApprovalPolicy, ApprovalRequest } from '../api/types.ts';
import { ApiError, type KubeClient } from '../runtime/kube-client.ts';
import { collectionPath, objectPath } from '../runtime/resource.ts';
import type { ConsoleKind } from './links.ts';

export type Subject = ApprovalRequest | Approval;

interface List<T> {
  metadata?: { resourceVersion?: string };
  items: T[];
}

export interface Listing {
  requests: ApprovalRequest[];
  approvals: Approval[];
  /** Where the lists come from: undefined = every namespace, else these namespaces. */
  namespaces: string[] | undefined;
  /** The newest resourceVersion of the lists: live updates watch from there. */
  since: string | undefined;
}

const forbidden = (err: unknown) => err instanceof ApiError && (err.status === 403 || err.status === 404);

export const resourceOfKind = (kind: ConsoleKind) => (kind === 'Approval' ? approvalResource : approvalRequestResource);

/** The larger of two resourceVersions (etcd revisions, so numbers); undefined if either is not one. */
function newest(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return /^\d+$/.test(a) && /^\d+$/.test(b) ? (BigInt(a) > BigInt(b) ? a : b) : undefined;
}

export async function listSubjects(client: KubeClient, fallbackNamespaces: readonly string[]): Promise<Listing> {
  try {
    const [requests, approvals] = await Promise.all([
      client.get<List<ApprovalRequest>>(collectionPath(approvalRequestResource)),
      client.get<List<Approval>>(collectionPath(approvalResource)),
    ]);
    return {
      requests: requests.items,
      approvals: approvals.items,
      namespaces: undefined,
      since: newest(requests.metadata?.resourceVersion, approvals.metadata?.resourceVersion),
    };
  } catch (err) {
    if (!forbidden(err)) throw err;
  }
  const listing: Listing = { requests: [], approvals: [], namespaces: [], since: undefined };
  for (const namespace of fallbackNamespaces) {
    try {
      const [requests, approvals] = await Promise.all([
        client.get<List<ApprovalRequest>>(collectionPath(approvalRequestResource, namespace)),
        client.get<List<Approval>>(collectionPath(approvalResource, namespace)),
      ]);
      listing.requests.push(...requests.items);
      listing.approvals.push(...approvals.items);
      listing.namespaces!.push(namespace);
      listing.since = newest(newest(listing.since, requests.metadata?.resourceVersion), approvals.metadata?.resourceVersion);
    } catch (err) {
      if (!forbidden(err)) throw err;
    }
  }
  return listing;
}

export function getSubject(client: KubeClient, kind: ConsoleKind, namespace: string, name: string): Promise<Subject> {
  return client.get<Subject>(objectPath(resourceOfKind(kind), namespace, name));
}

/** The policies, when the person may read them (they decide who else may decide); else none. */
export async function listPolicies(client: KubeClient): Promise<ApprovalPolicy[]> {
  try {
    return (await client.get<List<ApprovalPolicy>>(collectionPath(approvalPolicyResource))).items;
  } catch (err) {
    if (forbidden(err)) return [];
    throw err;
  }
}

export interface HistoryEvent {
  time: string;
  type: string;
  reason: string;
  message: string;
}

interface CoreEvent {
  type?: string;
  reason?: string;
  message?: string;
  eventTime?: string | null;
  lastTimestamp?: string | null;
  firstTimestamp?: string | null;
  metadata: { creationTimestamp?: string };
}

/** The object's Events, oldest first; undefined when the person may not read Events there. */
export async function eventsOf(client: KubeClient, kind: ConsoleKind, namespace: string, name: string): Promise<HistoryEvent[] | undefined> {
  let list: List<CoreEvent>;
  try {
    list = await client.get<List<CoreEvent>>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, {
      fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
    });
  } catch (err) {
    if (forbidden(err)) return undefined;
    throw err;
  }
  return list.items
    .map((e) => ({
      time: e.eventTime || e.lastTimestamp || e.firstTimestamp || e.metadata.creationTimestamp || '',
      type: e.type ?? '',
      reason: e.reason ?? '',
      message: e.message ?? '',
    }))
    .sort((a, b) => a.time.localeCompare(b.time));
}

/** Whether RBAC allows the person `verb` on the kind in `namespace` (optionally one object). */
export async function canI(client: KubeClient, verb: string, resource: string, namespace: string, name?: string): Promise<boolean> {
  const review = await client.create<{ status?: { allowed?: boolean } }>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { group: approvalRequestResource.group, resource, verb, namespace, name } },
  });
  return review.status?.allowed === true;
}

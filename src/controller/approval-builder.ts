// The Approval a granted request produces: named after its target, a copy of the
// request's content and labels, `approvedRequest` pointing back, owned by the target when that is
// possible. Of several granted requests for one target, the newest grant's content stands.
import type { Approval, ApprovalRequest, ObjectRef } from '../api/types.ts';
import { API_VERSION, BASELINE_ANNOTATION, REQUESTED_BY_ANNOTATION, approvalResource } from '../api/resources.ts';
import type { Informer } from '../runtime/informer.ts';
import { PatchType, isAlreadyExists, type KubeClient } from '../runtime/kube-client.ts';
import { pointerSegment } from '../runtime/json-pointer.ts';
import { collectionPath, objectPath, type OwnerReference } from '../runtime/resource.ts';
import { formatBaseline } from '../evaluation/baseline.ts';
import { isNewerGrant } from './grant-order.ts';

/** `lower(target.kind)--target.name`, e.g. `apisubscription--orders-read`. */
export function approvalNameFor(request: ApprovalRequest): string {
  const kind = (request.spec.target.kind || 'target').toLowerCase();
  return `${kind}--${request.spec.target.name}`.slice(0, 253);
}

/**
 * The request's labels the Approval lacks or holds with another value; undefined when it has them
 * all. Labels only the Approval has (added by people) are not the request's business.
 */
export function labelsToSet(request: Record<string, string> | undefined, approval: Record<string, string> | undefined): Record<string, string> | undefined {
  const missing = Object.entries(request ?? {}).filter(([key, value]) => approval?.[key] !== value);
  return missing.length > 0 ? Object.fromEntries(missing) : undefined;
}

function ownerOf(request: ApprovalRequest): OwnerReference[] | undefined {
  const target = request.spec.target;
  if (!target.uid || !target.kind || !target.apiVersion || target.namespace !== request.metadata.namespace) return undefined;
  return [{ apiVersion: target.apiVersion, kind: target.kind, name: target.name, uid: target.uid }];
}

function desiredApproval(request: ApprovalRequest, name: string): Approval {
  const decisions = request.spec.decisions ?? [];
  const ownerReferences = ownerOf(request);
  // The grant keeps its request's creator, so the no-self-approval rule covers it too.
  const requestedBy = request.metadata.annotations?.[REQUESTED_BY_ANNOTATION];
  // Seed 003's clients read Approvals through label-scoped clients (e.g. by environment).
  const labels = request.metadata.labels;
  return {
    apiVersion: API_VERSION,
    kind: 'Approval',
    metadata: {
      name,
      namespace: request.metadata.namespace,
      ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
      annotations: {
        [BASELINE_ANNOTATION]: formatBaseline('Granted', decisions.length),
        ...(requestedBy ? { [REQUESTED_BY_ANNOTATION]: requestedBy } : {}),
      },
      ...(ownerReferences ? { ownerReferences } : {}),
    },
    spec: {
      action: request.spec.action,
      strategy: request.spec.strategy,
      requester: request.spec.requester,
      decider: request.spec.decider,
      target: request.spec.target,
      decisions,
      state: 'Granted',
      approvedRequest: { name: request.metadata.name, namespace: request.metadata.namespace ?? '', uid: request.metadata.uid },
    },
  } as Approval;
}

/**
 * Creates the Approval, or settles an existing one with this request: one that carries it only
 * gets the request's labels it lacks (so later Suspend/Deny on it stand), a strictly newer grant
 * replaces its content, and an older one leaves it alone. The result is the Approval's ref either
 * way: for an older request it is still the Approval of its target, and `spec.approvedRequest`
 * there says which request's content is in force (see docs/api.md).
 */
export async function ensureApproval(client: KubeClient, approvals: Informer<Approval>, request: ApprovalRequest): Promise<ObjectRef> {
  const namespace = request.metadata.namespace ?? '';
  const name = approvalNameFor(request);
  const key = `${namespace}/${name}`;
  // A settled Approval is cached as a summary: its content is read from the server.
  const existing = approvals.cache.get(key) ?? (approvals.cache.isCompact(key) ? await approvals.readWhole(key) : undefined);
  if (existing) return settleExisting(client, existing, request);
  try {
    const created = await client.create<Approval>(collectionPath(approvalResource, namespace), desiredApproval(request, name));
    return { name, namespace, uid: created.metadata.uid };
  } catch (err) {
    // Our cache lags behind our own create (or another request's); the watch event will bring it.
    if (!isAlreadyExists(err)) throw err;
    return settleExisting(client, await client.get<Approval>(objectPath(approvalResource, namespace, name)), request);
  }
}

async function settleExisting(client: KubeClient, existing: Approval, request: ApprovalRequest): Promise<ObjectRef> {
  const { namespace = '', name, uid } = existing.metadata;
  if (existing.spec.approvedRequest?.uid === request.metadata.uid) {
    const labels = labelsToSet(request.metadata.labels, existing.metadata.labels);
    if (labels) await patchLabels(client, existing, labels);
    return { name, namespace, uid };
  }
  if (!isNewerGrant(request, existing)) return { name, namespace, uid };
  return replaceContent(client, existing, desiredApproval(request, name));
}

/**
 * The newer request's spec replaces the old one whole (a merge patch would keep properties only
 * the older request had); its labels and annotations are set key by key, so those people added
 * stay. The `test` makes it conditional on the version we decided on.
 */
async function replaceContent(client: KubeClient, existing: Approval, desired: Approval): Promise<ObjectRef> {
  const { namespace = '', name, resourceVersion } = existing.metadata;
  const patch = [
    { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
    { op: 'replace', path: '/spec', value: desired.spec },
    ...setEntries('/metadata/labels', existing.metadata.labels, desired.metadata.labels),
    ...setEntries('/metadata/annotations', existing.metadata.annotations, desired.metadata.annotations),
    ...(desired.metadata.ownerReferences ? [{ op: 'add', path: '/metadata/ownerReferences', value: desired.metadata.ownerReferences }] : []),
  ];
  const updated = await client.patch<Approval>(objectPath(approvalResource, namespace, name), patch, PatchType.json);
  return { name, namespace, uid: updated.metadata.uid };
}

function setEntries(path: string, current: Record<string, string> | undefined, wanted: Record<string, string> | undefined): unknown[] {
  if (!wanted || Object.keys(wanted).length === 0) return [];
  if (!current) return [{ op: 'add', path, value: wanted }];
  return Object.entries(wanted).map(([key, value]) => ({ op: 'add', path: `${path}/${pointerSegment(key)}`, value }));
}

/** A merge patch of just these labels, guarded by the resourceVersion we decided on (409 → retry). */
async function patchLabels(client: KubeClient, existing: Approval, labels: Record<string, string>): Promise<void> {
  const { namespace = '', name, resourceVersion } = existing.metadata;
  await client.patch<Approval>(objectPath(approvalResource, namespace, name), { metadata: { labels, resourceVersion } }, PatchType.merge);
}

// The Approval a granted request produces (SPEC §6): named after its target, a copy of the
// request's content, `approvedRequest` pointing back, owned by the target when that is possible.
import type { Approval, ApprovalRequest, ObjectRef } from '../api/types.ts';
import { API_VERSION, BASELINE_ANNOTATION, REQUESTED_BY_ANNOTATION, approvalResource } from '../api/resources.ts';
import type { Informer } from '../runtime/informer.ts';
import { PatchType, isAlreadyExists, type KubeClient } from '../runtime/kube-client.ts';
import { collectionPath, objectPath, type OwnerReference } from '../runtime/resource.ts';

/** `lower(target.kind)--target.name`, e.g. `apisubscription--orders-read`. */
export function approvalNameFor(request: ApprovalRequest): string {
  const kind = (request.spec.target.kind || 'target').toLowerCase();
  return `${kind}--${request.spec.target.name}`.slice(0, 253);
}

/** The baseline annotation: the state an Approval starts from and how many decisions came with it. */
export function formatBaseline(state: string, decisionCount: number): string {
  return `${state}/${decisionCount}`;
}

export function parseBaseline(value: string | undefined): { state: string; count: number } | undefined {
  const match = value?.match(/^([A-Za-z]+)\/(\d+)$/);
  return match ? { state: match[1]!, count: Number(match[2]) } : undefined;
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
  return {
    apiVersion: API_VERSION,
    kind: 'Approval',
    metadata: {
      name,
      namespace: request.metadata.namespace,
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
 * Creates the Approval, or gives an existing one the content of this (newer) request. An Approval
 * that already carries this request is left alone, so later Suspend/Deny on it stand.
 */
export async function ensureApproval(client: KubeClient, approvals: Informer<Approval>, request: ApprovalRequest): Promise<ObjectRef> {
  const namespace = request.metadata.namespace ?? '';
  const name = approvalNameFor(request);
  const existing = approvals.cache.get(`${namespace}/${name}`);
  if (existing && existing.spec.approvedRequest?.uid === request.metadata.uid) {
    return { name, namespace, uid: existing.metadata.uid };
  }
  const desired = desiredApproval(request, name);
  if (!existing) {
    try {
      const created = await client.create<Approval>(collectionPath(approvalResource, namespace), desired);
      return { name, namespace, uid: created.metadata.uid };
    } catch (err) {
      // Our cache lags behind our own create; the watch event will bring it.
      if (!isAlreadyExists(err)) throw err;
      const current = await client.get<Approval>(objectPath(approvalResource, namespace, name));
      if (current.spec.approvedRequest?.uid === request.metadata.uid) return { name, namespace, uid: current.metadata.uid };
      return replaceContent(client, current, desired);
    }
  }
  return replaceContent(client, existing, desired);
}

async function replaceContent(client: KubeClient, existing: Approval, desired: Approval): Promise<ObjectRef> {
  const { namespace = '', name, resourceVersion } = existing.metadata;
  const updated = await client.patch<Approval>(
    objectPath(approvalResource, namespace, name),
    { metadata: { resourceVersion, annotations: desired.metadata.annotations }, spec: desired.spec },
    PatchType.merge,
  );
  return { name, namespace, uid: updated.metadata.uid };
}

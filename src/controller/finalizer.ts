// The withdrawal finalizer of ApprovalRequests (ADR 0006): on while a request is open (Pending,
// Semigranted), so that its deletion waits until the decider has been told; off once it settles,
// so a decided request can be deleted without the operator.
import { WITHDRAWAL_FINALIZER } from '../api/resources.ts';
import type { State } from '../engine/index.ts';
import { PatchType, type KubeClient } from '../runtime/kube-client.ts';
import { objectPath, type KubeObject, type ResourceType } from '../runtime/resource.ts';

/** The states in which a request carries the finalizer. */
export const OPEN_STATES: readonly State[] = ['Pending', 'Semigranted'];

export const isOpen = (state: State) => OPEN_STATES.includes(state);

export function hasFinalizer(object: KubeObject): boolean {
  return object.metadata.finalizers?.includes(WITHDRAWAL_FINALIZER) ?? false;
}

/**
 * The finalizer list with ours set or removed (others kept, in order), for a merge patch;
 * undefined when it is already so (nothing to write), null when the list becomes empty.
 */
export function finalizersFor(object: KubeObject, present: boolean): string[] | null | undefined {
  const current = object.metadata.finalizers ?? [];
  if (current.includes(WITHDRAWAL_FINALIZER) === present) return undefined;
  const next = present ? [...current, WITHDRAWAL_FINALIZER] : current.filter((f) => f !== WITHDRAWAL_FINALIZER);
  return next.length > 0 ? next : null;
}

/**
 * Sets or removes the finalizer with a merge patch guarded by the resourceVersion it was decided
 * on (the list is replaced whole, so a concurrent change of it answers 409 and the reconcile
 * starts over). Resolves with the new resourceVersion; undefined when there was nothing to do.
 */
export async function patchFinalizer(client: KubeClient, type: ResourceType, object: KubeObject, present: boolean): Promise<string | undefined> {
  const finalizers = finalizersFor(object, present);
  if (finalizers === undefined) return undefined;
  const { namespace, name, resourceVersion } = object.metadata;
  const written = await client.patch<KubeObject | undefined>(objectPath(type, namespace, name), { metadata: { resourceVersion, finalizers } }, PatchType.merge);
  return written?.metadata?.resourceVersion;
}

/** A JSON patch operation (RFC 6902), as the mutating webhook returns them. */
export interface FinalizerPatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: '/metadata/finalizers';
  value?: string[];
}

/**
 * The JSON patch that makes `object`'s finalizers fit `state`, for the mutating webhook: set in the
 * create of an open request and removed in the vote that settles it, the finalizer costs no write
 * of its own (ADR 0006). Empty when nothing changes, and for an object being deleted that would
 * need it added (the API server forbids new finalizers then; the reconciler handles that request).
 */
export function finalizerPatch(object: KubeObject, state: State): FinalizerPatchOperation[] {
  const present = isOpen(state);
  if (present && object.metadata.deletionTimestamp) return [];
  const next = finalizersFor(object, present);
  if (next === undefined) return [];
  if (next === null) return [{ op: 'remove', path: '/metadata/finalizers' }];
  return [{ op: object.metadata.finalizers ? 'replace' : 'add', path: '/metadata/finalizers', value: next }];
}

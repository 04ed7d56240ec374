// When a request or Approval is settled and published, so the caches may hold a summary of it
// instead of the whole object (runtime/object-cache.ts). A summarised object is one whose
// reconcile has nothing left to do: its state is final for now, the status says so for this
// generation, and nothing is timed. What the reconcilers still read of it is in the summary:
// the state, the request's Approval and the Approval's request. Anything that changes such an
// object arrives as a watch event with the whole object, which is judged again.
import type { Approval, ApprovalRequest } from '../api/types.ts';
import { BASELINE_ANNOTATION } from '../api/resources.ts';
import type { ObjectMeta } from '../runtime/resource.ts';
import { hasFinalizer } from './finalizer.ts';

const SETTLED_REQUEST_STATES: readonly string[] = ['Granted', 'Rejected', 'Expired'];

/** Namespaces and states repeat across thousands of summaries: one string each. */
const interned = new Map<string, string>();
function intern(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const known = interned.get(value);
  if (known !== undefined) return known;
  if (interned.size < 10_000) interned.set(value, value);
  return value;
}

function summaryMeta(meta: ObjectMeta): ObjectMeta {
  return { name: meta.name, namespace: intern(meta.namespace), uid: meta.uid, resourceVersion: meta.resourceVersion, generation: meta.generation };
}

function published(object: ApprovalRequest | Approval): boolean {
  const { metadata, spec, status } = object;
  return !metadata.deletionTimestamp && status?.lastState === spec.state && status?.observedGeneration === metadata.generation;
}

/** A settled request's summary: state and Approval; undefined while the request needs its whole self. */
export function settledRequestSummary(request: ApprovalRequest): ApprovalRequest | undefined {
  const state = request.spec.state ?? 'Pending';
  if (!SETTLED_REQUEST_STATES.includes(state) || !published(request) || hasFinalizer(request)) return undefined;
  const approval = request.status?.approval;
  if (state === 'Granted' && !approval?.name) return undefined;
  return {
    metadata: summaryMeta(request.metadata),
    spec: { state: intern(state) },
    status: { lastState: intern(state), ...(approval ? { approval: { name: approval.name, namespace: intern(approval.namespace) } } : {}) },
  } as ApprovalRequest;
}

/**
 * A settled Approval's summary: state and the request whose content it holds. An Approval with an
 * expiry keeps its whole self (its reminders and expiry are timed from its content).
 */
export function settledApprovalSummary(approval: Approval): Approval | undefined {
  if (!published(approval) || approval.status?.expiresAt || !approval.metadata.annotations?.[BASELINE_ANNOTATION]) return undefined;
  const ref = approval.spec.approvedRequest;
  const state = intern(approval.spec.state);
  return {
    metadata: summaryMeta(approval.metadata),
    spec: { state, ...(ref ? { approvedRequest: { name: ref.name, namespace: intern(ref.namespace), uid: ref.uid } } : {}) },
    status: { lastState: state },
  } as Approval;
}

/** A Granted request whose Approval is not cached (deleted, or never made): it needs its reconcile. */
export function grantLacksApproval(summary: ApprovalRequest, approvalCached: (key: string) => boolean): boolean {
  if (summary.spec.state !== 'Granted') return false;
  const approval = summary.status?.approval;
  return !approval || !approvalCached(`${approval.namespace || summary.metadata.namespace}/${approval.name}`);
}

// When a request or Approval is settled and published, so the caches may hold a summary of it
// instead of the whole object (runtime/object-cache.ts). A summarised object is one whose
// reconcile has nothing left to do: its state is final for now, the status says so for this
// generation, and nothing is timed. What the reconcilers still read of it is in the summary:
// the state, the request's Approval and the Approval's request (and for the retention sweeper,
// what policies match on and when the request settled). Anything that changes such an
// object arrives as a watch event with the whole object, which is judged again. Under memory
// pressure (runtime/memory-guard.ts) open objects are held as summaries too, marked evicted.
import type { Approval, ApprovalRequest } from '../api/types.ts';
import { BASELINE_ANNOTATION } from '../api/resources.ts';
import type { CompactForm } from '../runtime/object-cache.ts';
import type { ObjectMeta } from '../runtime/resource.ts';
import { hasFinalizer } from './finalizer.ts';
import { labelsToSet } from './approval-builder.ts';
import { requestSettledAt } from '../retention/rules.ts';

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

/** Identity and version; labels too: a grant's labels follow its request onto the Approval. */
function summaryMeta(meta: ObjectMeta): ObjectMeta {
  const labels = meta.labels && Object.keys(meta.labels).length > 0 ? meta.labels : undefined;
  return { name: meta.name, namespace: intern(meta.namespace), uid: meta.uid, resourceVersion: meta.resourceVersion, generation: meta.generation, ...(labels ? { labels } : {}) };
}

function published(object: ApprovalRequest | Approval): boolean {
  const { metadata, spec, status } = object;
  return !metadata.deletionTimestamp && status?.lastState === spec.state && status?.observedGeneration === metadata.generation;
}

/**
 * A request's summary: identity, version, state, its Approval, what policies match on, and when
 * it settled (as the Processing condition's time: the retention sweeper's reading).
 */
function requestSummary(request: ApprovalRequest): ApprovalRequest {
  const { spec, status } = request;
  const state = intern(spec.state ?? 'Pending');
  const approval = status?.approval;
  const settledAt = requestSettledAt(request);
  return {
    metadata: summaryMeta(request.metadata),
    spec: {
      state,
      action: intern(spec.action),
      strategy: intern(spec.strategy),
      target: { kind: intern(spec.target?.kind) },
      requester: { teamName: intern(spec.requester?.teamName) },
      decider: spec.decider ? { teamName: intern(spec.decider.teamName) } : undefined,
    },
    status: {
      lastState: intern(status?.lastState),
      ...(approval ? { approval: { name: approval.name, namespace: intern(approval.namespace) } } : {}),
      ...(settledAt ? { conditions: [{ type: 'Processing', status: 'False', lastTransitionTime: settledAt.toISOString() }] } : {}),
    },
  } as ApprovalRequest;
}

function isSettledRequest(request: ApprovalRequest): boolean {
  const state = request.spec.state ?? 'Pending';
  if (!SETTLED_REQUEST_STATES.includes(state) || !published(request) || hasFinalizer(request)) return false;
  return state !== 'Granted' || Boolean(request.status?.approval?.name);
}

/** A settled request's summary: state and Approval; undefined while the request needs its whole self. */
export function settledRequestSummary(request: ApprovalRequest): ApprovalRequest | undefined {
  return isSettledRequest(request) ? requestSummary(request) : undefined;
}

/** An Approval's summary: identity, version, state and the request whose content it holds. */
function approvalSummary(approval: Approval): Approval {
  const ref = approval.spec.approvedRequest;
  return {
    metadata: summaryMeta(approval.metadata),
    spec: { state: intern(approval.spec.state), ...(ref ? { approvedRequest: { name: ref.name, namespace: intern(ref.namespace), uid: ref.uid } } : {}) },
    status: { lastState: intern(approval.status?.lastState) },
  } as Approval;
}

/** An Approval with an expiry stays whole: its reminders and expiry are timed from its content. */
const isSettledApproval = (approval: Approval): boolean =>
  published(approval) && !approval.status?.expiresAt && Boolean(approval.metadata.annotations?.[BASELINE_ANNOTATION]);

/** A settled Approval's summary; undefined while the Approval needs its whole self. */
export function settledApprovalSummary(approval: Approval): Approval | undefined {
  return isSettledApproval(approval) ? approvalSummary(approval) : undefined;
}

/**
 * How the caches hold requests and Approvals: settled ones as summaries; under memory pressure
 * the others too, evicted (read whole again when worked on); otherwise whole.
 */
export function compactRequests(underPressure: () => boolean): (request: ApprovalRequest) => CompactForm<ApprovalRequest> | undefined {
  return (request) => compactForm(settledRequestSummary(request), underPressure, () => requestSummary(request));
}

export function compactApprovals(underPressure: () => boolean): (approval: Approval) => CompactForm<Approval> | undefined {
  return (approval) => compactForm(settledApprovalSummary(approval), underPressure, () => approvalSummary(approval));
}

function compactForm<T>(settled: T | undefined, underPressure: () => boolean, summary: () => T): CompactForm<T> | undefined {
  if (settled) return { summary: settled };
  return underPressure() ? { summary: summary(), evicted: true } : undefined;
}

/**
 * A Granted request that still owes its Approval something: the Approval is not cached (deleted,
 * or never made), or it holds this request's grant and lacks some of the request's labels.
 */
export function grantNeedsWork(summary: ApprovalRequest, approvalOf: (key: string) => Approval | undefined): boolean {
  if (summary.spec.state !== 'Granted') return false;
  const ref = summary.status?.approval;
  const approval = ref && approvalOf(`${ref.namespace || summary.metadata.namespace}/${ref.name}`);
  if (!approval) return true;
  return approval.spec.approvedRequest?.uid === summary.metadata.uid && labelsToSet(summary.metadata.labels, approval.metadata.labels) !== undefined;
}

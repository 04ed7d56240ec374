// The pure rules of retention (docs/retention.md, ADR 0007): when a delivered Notification or a
// settled ApprovalRequest is due for deletion, and whether a GitOps tool manages an object. The
// sweeper (sweeper.ts) does the I/O around them and asks them again on the live object right
// before each delete.
import type { ApprovalPolicy, ApprovalRequest, Notification } from '../api/types.ts';
import { WITHDRAWAL_FINALIZER } from '../api/resources.ts';
import { durationOrUndefined } from '../engine/index.ts';
import { DELIVERED } from '../notify/delivery/status.ts';
import type { ObjectMeta } from '../runtime/resource.ts';

/** The states after which a request changes no more (Suspended is a state of Approvals only). */
export const SETTLED_REQUEST_STATES: readonly string[] = ['Granted', 'Rejected', 'Expired'];

/** The latest valid time among `times` (API timestamps), or undefined when none parses. */
function latest(times: Array<string | undefined>): Date | undefined {
  const parsed = times.map((time) => (time ? Date.parse(time) : Number.NaN)).filter((ms) => !Number.isNaN(ms));
  return parsed.length > 0 ? new Date(Math.max(...parsed)) : undefined;
}

/** True once `settledAt + retentionMs` has passed. Nothing without a settled time is ever due. */
export function isDue(settledAt: Date | undefined, retentionMs: number, now: Date): boolean {
  return settledAt !== undefined && settledAt.getTime() + retentionMs <= now.getTime();
}

/**
 * When a Notification was settled: its Delivered condition says True (delivered, or nothing to
 * deliver) or False/GaveUp, for the current spec. The time is the later of the condition's
 * transition and the last attempt of any channel (a GaveUp condition keeps the transition time of
 * the Retrying it followed, so the last attempt is the better clock). Undefined while delivery is
 * open, and for a Notification without the condition: in create-only mode another service
 * delivers, and what it did not report as delivered is kept.
 *
 * Unlike the delivery cache, a condition without observedGeneration counts: another delivering
 * service may not write it, and a changed spec with a stale condition would carry one.
 */
export function notificationSettledAt(notification: Notification): Date | undefined {
  const delivered = notification.status?.conditions?.find((c) => c.type === DELIVERED);
  if (!delivered) return undefined;
  if (delivered.observedGeneration !== undefined && delivered.observedGeneration !== notification.metadata.generation) return undefined;
  if (delivered.status !== 'True' && delivered.reason !== 'GaveUp') return undefined;
  const attempts = Object.values(notification.status?.states ?? {}).map((state) => state?.timestamp);
  return latest([delivered.lastTransitionTime, ...attempts]);
}

/**
 * Whether a Notification still waits for a delivery, which keeps the request it reports on (its
 * owner: deleting the request would take it along). With the operator delivering, anything not
 * settled waits; in create-only mode only what the delivering service reports as Retrying does,
 * since the operator cannot know whether a service that writes no condition is done.
 */
export function deliveryPending(notification: Notification, mode: 'deliver' | 'create-only'): boolean {
  if (notificationSettledAt(notification)) return false;
  const delivered = notification.status?.conditions?.find((c) => c.type === DELIVERED);
  return mode === 'deliver' || (delivered?.status === 'False' && delivered.reason !== 'GaveUp');
}

/**
 * When a request settled: Granted, Rejected or Expired, and the operator has caught up with it
 * (status.lastState is that state, so its outcome has been reported; the withdrawal finalizer is
 * off). The time is the later of the Processing condition's transition to False and the last
 * decision. Undefined while it is open, being deleted, or the status lags behind the spec.
 */
export function requestSettledAt(request: ApprovalRequest): Date | undefined {
  const state = request.spec.state ?? 'Pending';
  if (!SETTLED_REQUEST_STATES.includes(state) || request.status?.lastState !== state) return undefined;
  if (request.metadata.deletionTimestamp || request.metadata.finalizers?.includes(WITHDRAWAL_FINALIZER)) return undefined;
  const processing = request.status?.conditions?.find((c) => c.type === 'Processing' && c.status === 'False');
  const decisions = request.spec.decisions ?? [];
  return latest([processing?.lastTransitionTime, decisions[decisions.length - 1]?.timestamp]);
}

export interface RequestRetention {
  /** How long after it settled a request is deleted. */
  afterMs: number;
  includeGitOpsManaged: boolean;
}

/** A policy's opt-in, or undefined (keep its requests). An invalid stored duration keeps them too. */
export function requestRetentionOf(policy: ApprovalPolicy | undefined): RequestRetention | undefined {
  const retention = policy?.spec.retention;
  const afterMs = durationOrUndefined(retention?.settledRequests);
  if (!retention || afterMs === undefined) return undefined;
  return { afterMs, includeGitOpsManaged: retention.includeGitOpsManaged === true };
}

/** The project's own clients: none applies declaratively, and none is a GitOps tool. */
const OWN_MANAGERS = new Set(['approval-operator', 'approval-plugin', 'approval-console']);

/** Field managers of GitOps and release tools, also when they write with Update (not Apply). */
const GITOPS_MANAGERS: Array<[RegExp, string]> = [
  [/^argocd/, 'Argo CD'],
  [/^kustomize-controller$/, 'Flux'],
  [/^helm-controller$/, 'Flux'],
  [/^helm$/, 'Helm'],
  [/^kubectl-client-side-apply$/, 'kubectl apply'],
];

const GITOPS_ANNOTATIONS: Array<[string, string]> = [
  ['kubectl.kubernetes.io/last-applied-configuration', 'kubectl apply'],
  ['argocd.argoproj.io/tracking-id', 'Argo CD'],
  ['meta.helm.sh/release-name', 'Helm'],
];

const GITOPS_LABELS: Array<[string, string]> = [
  ['kustomize.toolkit.fluxcd.io/name', 'Flux'],
  ['helm.toolkit.fluxcd.io/name', 'Flux'],
  // Argo CD's label tracking (the default before 3.0) and Helm charts both set it.
  ['app.kubernetes.io/instance', 'Argo CD or Helm'],
];

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
}

/**
 * Who manages the object declaratively (a short reason, e.g. "server-side apply by flux"), or
 * undefined when nobody does. Such an object is declared somewhere else: deleting it, the tool
 * would create it again (a fresh, undecided request) or report drift, so retention keeps it
 * unless asked. The rule errs on the side of keeping: any server-side apply of the object itself
 * (not of a subresource such as status) counts, and so do the
 * tracking labels and annotations of Argo CD, Flux and Helm, and client-side `kubectl apply`.
 * It needs the full object: caches drop managedFields and the last-applied annotation.
 */
export function gitOpsManager(metadata: ObjectMeta): string | undefined {
  for (const entry of (metadata.managedFields ?? []) as ManagedFieldsEntry[]) {
    const manager = entry.manager ?? '';
    // Status is reported, never declared: a delivering service may apply it server-side.
    if (OWN_MANAGERS.has(manager) || entry.subresource) continue;
    const known = GITOPS_MANAGERS.find(([pattern]) => pattern.test(manager));
    if (known) return `${known[1]} (field manager ${manager})`;
    if (entry.operation === 'Apply') return `server-side apply by ${manager || 'an unnamed manager'}`;
  }
  for (const [key, tool] of GITOPS_ANNOTATIONS) {
    if (metadata.annotations?.[key] !== undefined) return `${tool} (annotation ${key})`;
  }
  for (const [key, tool] of GITOPS_LABELS) {
    if (metadata.labels?.[key] !== undefined) return `${tool} (label ${key})`;
  }
  if (metadata.labels?.['app.kubernetes.io/managed-by'] === 'Helm') return 'Helm (label app.kubernetes.io/managed-by)';
  return undefined;
}

// When a request or Approval is settled and published, so the caches may hold a summary of it
// instead of the whole object (runtime/object-cache.ts). A summarised object is one whose
// reconcile has nothing left to do: its state is final for now, the status says so for this
// generation, and nothing is timed. What the operator still reads of it is in the summary: the
// state, the request's Approval and the Approval's request, the labels a grant passes on, and for
// the retention sweeper what policies match on and when the request settled. Anything that
// changes such an object arrives as a watch event with the whole object, which is judged again.
// Under memory pressure (runtime/memory-guard.ts) open objects are held as summaries too, marked
// evicted.
//
// A summary is a flat record of a few fields: strings that repeat across thousands of objects
// (namespaces, states, label sets, what policies match on) are shared, times are whole seconds,
// and name and namespace are the cache key's. A year of settled objects then costs tens of
// megabytes, not hundreds (docs/memory.md).
import type { Approval, ApprovalRequest, ApprovalRequestSpec } from '../api/types.ts';
import { BASELINE_ANNOTATION } from '../api/resources.ts';
import type { Compaction } from '../runtime/informer.ts';
import type { CompactForm, ObjectCache } from '../runtime/object-cache.ts';
import { splitKey } from '../runtime/resource.ts';
import { hasFinalizer } from './finalizer.ts';
import { labelsToSet } from './approval-builder.ts';
import { SETTLED_REQUEST_STATES, requestSettledAt } from '../retention/rules.ts';

type Labels = Readonly<Record<string, string>>;

/** What policies match a request on (evaluation/policy-resolver.ts), shared by all requests alike. */
export type PolicySubject = Readonly<Pick<ApprovalRequestSpec, 'action' | 'strategy' | 'target' | 'requester' | 'decider'>>;

/** At most this many distinct values are shared per table; past it values are stored as they come. */
const MAX_SHARED = 10_000;

class SharedValues<V> {
  private readonly values = new Map<string, V>();

  get(id: string, make: () => V): V {
    const known = this.values.get(id);
    if (known !== undefined) return known;
    const value = make();
    if (this.values.size < MAX_SHARED) this.values.set(id, value);
    return value;
  }
}

const sharedStrings = new SharedValues<string>();
const sharedLabels = new SharedValues<Labels>();
const sharedSubjects = new SharedValues<PolicySubject>();

const shareString = (value: string): string => sharedStrings.get(value, () => value);

function shareLabels(labels: Record<string, string> | undefined): Labels | undefined {
  if (!labels || Object.keys(labels).length === 0) return undefined;
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return sharedLabels.get(JSON.stringify(entries), () => Object.freeze(Object.fromEntries(entries)));
}

function shareSubject(spec: ApprovalRequestSpec): PolicySubject {
  const facts = [spec.action, spec.strategy, spec.target?.kind, spec.requester?.teamName, spec.decider?.teamName];
  return sharedSubjects.get(JSON.stringify(facts), () =>
    Object.freeze({
      action: spec.action,
      strategy: spec.strategy,
      target: Object.freeze({ kind: spec.target?.kind }),
      requester: Object.freeze({ teamName: spec.requester?.teamName }),
      ...(spec.decider ? { decider: Object.freeze({ teamName: spec.decider.teamName }) } : {}),
    }) as PolicySubject,
  );
}

/** An API timestamp (or Date) as whole seconds since the epoch, rounded up; 0 when absent. */
function seconds(time: string | Date | undefined): number {
  const ms = time instanceof Date ? time.getTime() : Date.parse(time ?? '');
  return Number.isNaN(ms) ? 0 : Math.ceil(ms / 1000);
}

/** A request as the caches keep it once settled (or evicted). */
export class RequestSummary {
  readonly resourceVersion: string | undefined;
  readonly state: string;
  readonly subject: PolicySubject;
  readonly labels: Labels | undefined;
  /** The Approval (status.approval), when it has one. */
  readonly approvalName: string | undefined;
  readonly approvalNamespace: string | undefined;
  /** Whole seconds since the epoch; 0: not settled (an evicted open request). */
  readonly settledAtSeconds: number;
  readonly createdAtSeconds: number;

  constructor(request: ApprovalRequest) {
    const { metadata, spec, status } = request;
    this.resourceVersion = metadata.resourceVersion;
    this.state = shareString(spec.state ?? 'Pending');
    this.subject = shareSubject(spec);
    this.labels = shareLabels(metadata.labels);
    this.approvalName = status?.approval?.name;
    this.approvalNamespace = status?.approval?.namespace ? shareString(status.approval.namespace) : undefined;
    this.settledAtSeconds = seconds(requestSettledAt(request));
    this.createdAtSeconds = seconds(metadata.creationTimestamp);
  }

  /** When it settled, as the retention rules read it (retention/rules.ts requestSettledAt). */
  settledAt(): Date | undefined {
    return this.settledAtSeconds > 0 ? new Date(this.settledAtSeconds * 1000) : undefined;
  }
}

/** An Approval as the caches keep it once settled (or evicted). */
export class ApprovalSummary {
  readonly resourceVersion: string | undefined;
  readonly state: string;
  readonly labels: Labels | undefined;
  /** The request whose content it holds (spec.approvedRequest). */
  readonly requestName: string | undefined;
  readonly requestNamespace: string | undefined;
  readonly createdAtSeconds: number;

  constructor(approval: Approval) {
    const { metadata, spec } = approval;
    this.resourceVersion = metadata.resourceVersion;
    this.state = shareString(spec.state ?? 'Pending');
    this.labels = shareLabels(metadata.labels);
    this.requestName = spec.approvedRequest?.name;
    this.requestNamespace = spec.approvedRequest?.namespace ? shareString(spec.approvedRequest.namespace) : undefined;
    this.createdAtSeconds = seconds(metadata.creationTimestamp);
  }
}

function published(object: ApprovalRequest | Approval): boolean {
  const { metadata, spec, status } = object;
  return !metadata.deletionTimestamp && status?.lastState === spec.state && status?.observedGeneration === metadata.generation;
}

function isSettledRequest(request: ApprovalRequest): boolean {
  const state = request.spec.state ?? 'Pending';
  if (!SETTLED_REQUEST_STATES.includes(state) || !published(request) || hasFinalizer(request)) return false;
  return state !== 'Granted' || Boolean(request.status?.approval?.name);
}

/** A settled request's summary; undefined while the request needs its whole self. */
export function settledRequestSummary(request: ApprovalRequest): RequestSummary | undefined {
  return isSettledRequest(request) ? new RequestSummary(request) : undefined;
}

/** An Approval with an expiry stays whole: its reminders and expiry are timed from its content. */
const isSettledApproval = (approval: Approval): boolean =>
  published(approval) && !approval.status?.expiresAt && Boolean(approval.metadata.annotations?.[BASELINE_ANNOTATION]);

/** A settled Approval's summary; undefined while the Approval needs its whole self. */
export function settledApprovalSummary(approval: Approval): ApprovalSummary | undefined {
  return isSettledApproval(approval) ? new ApprovalSummary(approval) : undefined;
}

function compactForm<S extends RequestSummary | ApprovalSummary>(settled: S | undefined, underPressure: () => boolean, summary: () => S): CompactForm<S> | undefined {
  if (settled) return { summary: settled };
  return underPressure() ? { summary: summary(), evicted: true } : undefined;
}

function metadataOf(key: string, summary: RequestSummary | ApprovalSummary) {
  const { namespace, name } = splitKey(key);
  return { name, namespace, resourceVersion: summary.resourceVersion, ...(summary.labels ? { labels: { ...summary.labels } } : {}) };
}

/**
 * How the request cache holds requests: settled ones as summaries; under memory pressure the
 * others too, evicted (read whole again when worked on); otherwise whole.
 */
export function requestCompaction(underPressure: () => boolean): Compaction<ApprovalRequest, RequestSummary> {
  return {
    compact: (request) => compactForm(settledRequestSummary(request), underPressure, () => new RequestSummary(request)),
    expand: (key, summary) =>
      ({
        metadata: metadataOf(key, summary),
        spec: { ...summary.subject, state: summary.state },
        status: { lastState: summary.state, ...(summary.approvalName ? { approval: { name: summary.approvalName, namespace: summary.approvalNamespace } } : {}) },
      }) as ApprovalRequest,
  };
}

/** How the Approval cache holds Approvals: as requestCompaction does requests. */
export function approvalCompaction(underPressure: () => boolean): Compaction<Approval, ApprovalSummary> {
  return {
    compact: (approval) => compactForm(settledApprovalSummary(approval), underPressure, () => new ApprovalSummary(approval)),
    expand: (key, summary) =>
      ({
        metadata: metadataOf(key, summary),
        spec: { state: summary.state, ...(summary.requestName ? { approvedRequest: { name: summary.requestName, namespace: summary.requestNamespace } } : {}) },
        status: { lastState: summary.state },
      }) as Approval,
  };
}

/**
 * A Granted request that still owes its Approval something: the Approval is not cached (deleted,
 * or never made), or it holds this request's grant and lacks some of the request's labels.
 * Whose grant the Approval holds is judged by the request's name: a request deleted and filed
 * again under the same name at worst costs one read of the request.
 */
export function grantNeedsWork(key: string, summary: RequestSummary, approvals: ObjectCache<Approval, ApprovalSummary>): boolean {
  if (summary.state !== 'Granted') return false;
  if (!summary.approvalName) return true;
  const { namespace, name } = splitKey(key);
  const approvalKey = `${summary.approvalNamespace || namespace}/${summary.approvalName}`;
  const held = heldGrant(approvals, approvalKey);
  if (!held) return true;
  const holdsThisGrant = held.requestName === name && (held.requestNamespace || namespace) === namespace;
  return holdsThisGrant && labelsToSet(summary.labels, held.labels) !== undefined;
}

/** Whose grant a cached Approval holds and its labels, whole or summarised. */
function heldGrant(approvals: ObjectCache<Approval, ApprovalSummary>, key: string): { requestName?: string; requestNamespace?: string; labels?: Labels } | undefined {
  const whole = approvals.get(key);
  if (whole) return { requestName: whole.spec.approvedRequest?.name, requestNamespace: whole.spec.approvedRequest?.namespace, labels: whole.metadata.labels };
  return approvals.summary(key);
}

// Reconciles an ApprovalRequest: policy → effective strategy → evaluation of the votes;
// System decisions for Auto, trusted teams and timeouts; the derived state written back when the
// stored one disagrees; the Approval on grant; the status; one report per state change, named
// after the decision that caused it; and the withdrawal finalizer (ADR 0006): on while the request
// is open, so a deleted pending request waits until its decider has been told.
import type { Approval, ApprovalPolicy, ApprovalRequest, ObjectRef } from '../api/types.ts';
import { REQUESTED_BY_ANNOTATION, approvalRequestResource } from '../api/resources.ts';
import { durationOrUndefined, type Evaluation, type State } from '../engine/index.ts';
import type { Informer } from '../runtime/informer.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import type { ReconcileResult } from '../runtime/controller.ts';
import type { Logger } from 'pino';
import { approvalNameFor, ensureApproval } from './approval-builder.ts';
import type { EventRecorder } from './event-recorder.ts';
import type { Resolution } from '../evaluation/policy-resolver.ts';
import { evaluateRequest } from '../evaluation/subject-evaluation.ts';
import { systemDecision, writeSpec, writeStatus } from './spec-writer.ts';
import { commonStatus, statusPatch } from './status.ts';
import type { TransitionReporter } from './transition-reporter.ts';
import { allSettledOrThrow } from './settle.ts';
import { finalizersFor, hasFinalizer, isOpen, patchFinalizer } from './finalizer.ts';
import { transitionsSince, type HistoryStep } from './transition-history.ts';
import { audienceOf, mergeRefs } from '../notify/creation/index.ts';
import { apiTime } from '../runtime/time.ts';
import { OwnWrites } from '../runtime/own-writes.ts';
import { grantNeedsWork, type ApprovalSummary, type RequestSummary } from './settled-summary.ts';

export interface RequestReconcilerDeps {
  client: KubeClient;
  log: Logger;
  requests: Informer<ApprovalRequest, RequestSummary>;
  approvals: Informer<Approval, ApprovalSummary>;
  policies: Informer<ApprovalPolicy>;
  events: EventRecorder;
  reporter: TransitionReporter;
  /** Turns stage teams into groups; the admission webhook must use the same. */
  teamGroupPrefix?: string;
  now?: () => Date;
}

export class ApprovalRequestReconciler {
  private readonly deps: RequestReconcilerDeps;
  private readonly now: () => Date;
  private readonly ownWrites = new OwnWrites();

  constructor(deps: RequestReconcilerDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  reconcile = async (key: string): Promise<ReconcileResult | void> => {
    const request = this.deps.requests.cache.get(key) ?? (await this.settledNeedingWork(key));
    if (!request) {
      this.ownWrites.forget(key);
      return;
    }
    return this.reconcileRequest(key, request);
  };

  /**
   * A request the cache holds as a summary (settled-summary.ts) has nothing left to do unless it
   * is evicted (memory pressure) or Granted with its Approval gone or lacking its labels: then it
   * is read whole.
   */
  private async settledNeedingWork(key: string): Promise<ApprovalRequest | undefined> {
    const cache = this.deps.requests.cache;
    const summary = cache.summary(key);
    if (!summary) return undefined;
    const owed = cache.isEvicted(key) || grantNeedsWork(key, summary, this.deps.approvals.cache);
    if (!owed) return undefined;
    this.ownWrites.forget(key);
    return this.deps.requests.readWhole(key);
  }

  private async reconcileRequest(key: string, request: ApprovalRequest): Promise<ReconcileResult | void> {
    if (request.metadata.deletionTimestamp) return this.finalize(key, request);
    // Our last write has not reached the cache yet; its watch event queues the key again.
    if (this.ownWrites.isBehind(key, request.metadata.resourceVersion)) return;
    const now = this.now();
    const { resolution, strategy, evaluation, evaluateWith } = evaluateRequest(request, {
      policies: this.deps.policies.cache.list(),
      teamGroupPrefix: this.deps.teamGroupPrefix,
    });
    const expiresAt = this.expiryOf(request, resolution);

    const system = this.systemDecisionFor(request, evaluation, resolution, expiresAt, now);
    if (system) {
      const decisions = [...(request.spec.decisions ?? []), system];
      const after = evaluateWith(decisions);
      // A System grant or expiry settles the request: its finalizer goes in the same write.
      const finalizers = finalizersFor(request, isOpen(after.state));
      this.ownWrites.remember(key, await writeSpec(this.deps.client, approvalRequestResource, request, { state: after.state, decisions, finalizers }));
      return;
    }
    if (request.spec.state !== evaluation.state) {
      this.ownWrites.remember(key, await this.correctSpec(request, evaluation));
      return;
    }

    const open = isOpen(evaluation.state);
    // The finalizer goes on before anyone is told about the request (its first report), so that a
    // decider who heard of a request hears of its withdrawal; it comes off once the request settled.
    if (open && !hasFinalizer(request)) this.ownWrites.remember(key, await patchFinalizer(this.deps.client, approvalRequestResource, request, true));

    const previousState = request.status?.lastState as State | undefined;
    const steps = previousState !== evaluation.state ? transitionsSince({ states: evaluation.states, decisions: evaluation.decisions, foldLeadingSystemGrants: true }, previousState) : [];
    // The Approval, the transitions' reports (Notifications, Event) and the finalizer's release do
    // not depend on each other: made at the same time, the status write waits for their longest
    // path, not their sum.
    const [approval, notificationRefs, released] = await allSettledOrThrow([
      evaluation.state === 'Granted' ? ensureApproval(this.deps.client, this.deps.approvals, request) : Promise.resolve(undefined),
      this.reportTransitions(request, steps, strategy, evaluation.state),
      open ? Promise.resolve(undefined) : patchFinalizer(this.deps.client, approvalRequestResource, request, false),
    ] as const);
    this.ownWrites.remember(key, released);
    const desired = {
      ...commonStatus({
        evaluation,
        strategy,
        policyRef: resolution.policy?.metadata.name,
        generation: request.metadata.generation,
        previousConditions: request.status?.conditions,
        now,
      }),
      expiresAt: expiresAt && open ? apiTime(expiresAt) : undefined,
      // The Approval of the request's target, also when a newer grant's content is in force there.
      approval: approval ?? request.status?.approval,
      notificationRefs: mergeRefs(request.status?.notificationRefs, notificationRefs),
    };
    const patch = statusPatch(request.status as Record<string, unknown> | undefined, desired);
    if (patch) this.ownWrites.remember(key, await writeStatus(this.deps.client, approvalRequestResource, request, patch));

    if (expiresAt && open) return { requeueAfterMs: Math.max(0, expiresAt.getTime() - now.getTime()) + 10 };
  }

  /**
   * A request being deleted. While it carries our finalizer: when its decisions leave it open, the
   * decider is told it was withdrawn (one Notification per request, found again after a crash);
   * then the finalizer is released and the API server removes the request. A request decided
   * just before its deletion is released without a notice.
   */
  private async finalize(key: string, request: ApprovalRequest): Promise<void> {
    if (!hasFinalizer(request)) {
      this.ownWrites.forget(key);
      return;
    }
    const { evaluation } = evaluateRequest(request, { policies: this.deps.policies.cache.list(), teamGroupPrefix: this.deps.teamGroupPrefix });
    if (isOpen(evaluation.state)) {
      const { namespace = '', name, uid = '' } = request.metadata;
      await this.deps.reporter.withdrawn(request, {
        kind: 'ApprovalRequest',
        namespace,
        name,
        uid,
        action: request.spec.action ?? 'unknown',
        from: evaluation.state,
        actor: 'unknown',
        object: request,
      });
    }
    await patchFinalizer(this.deps.client, approvalRequestResource, request, false);
    this.ownWrites.forget(key);
  }

  /** The request's own timeout wins over the policy's; none means it never expires. */
  private expiryOf(request: ApprovalRequest, resolution: Resolution): Date | undefined {
    const timeout = request.spec.timeout ?? resolution.policy?.spec.timeout;
    const created = Date.parse(request.metadata.creationTimestamp ?? '');
    if (!timeout || Number.isNaN(created)) return undefined;
    const timeoutMs = durationOrUndefined(timeout);
    return timeoutMs === undefined ? undefined : new Date(created + timeoutMs);
  }

  private systemDecisionFor(request: ApprovalRequest, evaluation: Evaluation, resolution: Resolution, expiresAt: Date | undefined, now: Date) {
    if (!isOpen(evaluation.state)) return undefined;
    if (resolution.trusted) {
      const team = request.spec.requester.teamName;
      return systemDecision('Granted', `auto-approved: team ${team} is trusted by policy ${resolution.policy?.metadata.name}`, now);
    }
    if (resolution.strategy === 'Auto') return systemDecision('Granted', 'auto-approved: strategy Auto', now);
    if (expiresAt && now >= expiresAt) return systemDecision('Expired', `expired: no decision within ${request.spec.timeout ?? resolution.policy?.spec.timeout}`, now);
    return undefined;
  }

  private async correctSpec(request: ApprovalRequest, evaluation: Evaluation): Promise<string | undefined> {
    const finalizers = finalizersFor(request, isOpen(evaluation.state));
    const written = await writeSpec(this.deps.client, approvalRequestResource, request, { state: evaluation.state, finalizers });
    await this.deps.events.record(request, {
      reason: 'StateCorrected',
      type: 'Warning',
      note: `spec.state ${request.spec.state} is not what the decisions give; set to ${evaluation.state}`,
      occurrence: request.metadata.resourceVersion ?? '',
    });
    return written;
  }

  /**
   * Reports each step (transition-history.ts) under its own name, to whom it still matters now that
   * the request is `current` (audience.ts); all their Notifications' refs.
   */
  private reportTransitions(request: ApprovalRequest, steps: readonly HistoryStep[], strategy: string, current: State): Promise<ObjectRef[]> {
    const requestedBy = request.metadata.annotations?.[REQUESTED_BY_ANNOTATION] ?? 'unknown';
    // The grant and its Approval's creation are one event: the request's Granted report names it.
    const approval = { name: approvalNameFor(request), namespace: request.metadata.namespace ?? '' };
    return this.deps.reporter.reportAll(
      steps.map((step) => {
        const created = step.from === undefined;
        const decision = step.decision;
        // A creation is the requester's act (its folded System grant is the operator's or a client's doing).
        const actor = created || !decision ? requestedBy : decision.name;
        return {
          kind: 'ApprovalRequest',
          object: request,
          strategy,
          action: request.spec.action ?? 'unknown',
          from: step.from,
          to: step.to,
          actor,
          writer: decision?.actor,
          comment: decision?.comment,
          occurrence: step.index,
          actorEmail: decision && decision.name === actor ? decision.email : undefined,
          actionedAt: created ? (decision?.timestamp ?? request.metadata.creationTimestamp) : decision?.timestamp,
          ...audienceOf({ kind: 'ApprovalRequest', from: step.from, to: step.to, caused: decision !== undefined }, current),
          ...(step.to === 'Granted' ? { approval } : {}),
        };
      }),
    );
  }
}

// Reconciles an ApprovalRequest (SPEC §6): policy → effective strategy → evaluation of the votes;
// System decisions for Auto, trusted teams and timeouts; the derived state written back when the
// stored one disagrees; the Approval on grant; the status; and one report per state change.
import type { Approval, ApprovalPolicy, ApprovalRequest, ObjectRef } from '../api/types.ts';
import { REQUESTED_BY_ANNOTATION, approvalRequestResource } from '../api/resources.ts';
import { durationOrUndefined, type Evaluation, type State } from '../engine/index.ts';
import type { Informer } from '../runtime/informer.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import type { ReconcileResult } from '../runtime/controller.ts';
import type { Logger } from 'pino';
import { ensureApproval } from './approval-builder.ts';
import type { EventRecorder } from './event-recorder.ts';
import type { Resolution } from '../evaluation/policy-resolver.ts';
import { evaluateRequest } from '../evaluation/subject-evaluation.ts';
import { systemDecision, writeSpec, writeStatus } from './spec-writer.ts';
import { commonStatus, statusPatch } from './status.ts';
import type { TransitionReporter } from './transition-reporter.ts';
import { allSettledOrThrow } from './settle.ts';
import { mergeRefs } from '../notify/creation/index.ts';
import { apiTime } from '../runtime/time.ts';
import { OwnWrites } from '../runtime/own-writes.ts';

export interface RequestReconcilerDeps {
  client: KubeClient;
  log: Logger;
  requests: Informer<ApprovalRequest>;
  approvals: Informer<Approval>;
  policies: Informer<ApprovalPolicy>;
  events: EventRecorder;
  reporter: TransitionReporter;
  /** Turns stage teams into groups; the admission webhook must use the same. */
  teamGroupPrefix?: string;
  now?: () => Date;
}

const OPEN_STATES: readonly State[] = ['Pending', 'Semigranted'];

export class ApprovalRequestReconciler {
  private readonly deps: RequestReconcilerDeps;
  private readonly now: () => Date;
  private readonly ownWrites = new OwnWrites();

  constructor(deps: RequestReconcilerDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  reconcile = async (key: string): Promise<ReconcileResult | void> => {
    const request = this.deps.requests.cache.get(key);
    if (!request || request.metadata.deletionTimestamp) {
      this.ownWrites.forget(key);
      return;
    }
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
      this.ownWrites.remember(key, await writeSpec(this.deps.client, approvalRequestResource, request, { state: after.state, decisions }));
      return;
    }
    if (request.spec.state !== evaluation.state) {
      this.ownWrites.remember(key, await this.correctSpec(request, evaluation));
      return;
    }

    const previousState = request.status?.lastState as State | undefined;
    // The Approval and the transition's report (Notifications, Event) do not depend on each other:
    // made at the same time, the status write waits for their longest path, not their sum.
    const [approval, notificationRefs] = await allSettledOrThrow([
      evaluation.state === 'Granted' ? ensureApproval(this.deps.client, this.deps.approvals, request) : Promise.resolve(undefined),
      previousState !== evaluation.state ? this.reportTransition(request, previousState, evaluation, strategy) : Promise.resolve([]),
    ] as const);
    const desired = {
      ...commonStatus({
        evaluation,
        strategy,
        policyRef: resolution.policy?.metadata.name,
        generation: request.metadata.generation,
        previousConditions: request.status?.conditions,
        now,
      }),
      expiresAt: expiresAt && OPEN_STATES.includes(evaluation.state) ? apiTime(expiresAt) : undefined,
      // The Approval of the request's target, also when a newer grant's content is in force there.
      approval: approval ?? request.status?.approval,
      notificationRefs: mergeRefs(request.status?.notificationRefs, notificationRefs),
    };
    const patch = statusPatch(request.status as Record<string, unknown> | undefined, desired);
    if (patch) this.ownWrites.remember(key, await writeStatus(this.deps.client, approvalRequestResource, request, patch));

    if (expiresAt && OPEN_STATES.includes(evaluation.state)) return { requeueAfterMs: Math.max(0, expiresAt.getTime() - now.getTime()) + 10 };
  };

  /** The request's own timeout wins over the policy's; none means it never expires. */
  private expiryOf(request: ApprovalRequest, resolution: Resolution): Date | undefined {
    const timeout = request.spec.timeout ?? resolution.policy?.spec.timeout;
    const created = Date.parse(request.metadata.creationTimestamp ?? '');
    if (!timeout || Number.isNaN(created)) return undefined;
    const timeoutMs = durationOrUndefined(timeout);
    return timeoutMs === undefined ? undefined : new Date(created + timeoutMs);
  }

  private systemDecisionFor(request: ApprovalRequest, evaluation: Evaluation, resolution: Resolution, expiresAt: Date | undefined, now: Date) {
    if (!OPEN_STATES.includes(evaluation.state)) return undefined;
    if (resolution.trusted) {
      const team = request.spec.requester.teamName;
      return systemDecision('Granted', `auto-approved: team ${team} is trusted by policy ${resolution.policy?.metadata.name}`, now);
    }
    if (resolution.strategy === 'Auto') return systemDecision('Granted', 'auto-approved: strategy Auto', now);
    if (expiresAt && now >= expiresAt) return systemDecision('Expired', `expired: no decision within ${request.spec.timeout ?? resolution.policy?.spec.timeout}`, now);
    return undefined;
  }

  private async correctSpec(request: ApprovalRequest, evaluation: Evaluation): Promise<string | undefined> {
    const written = await writeSpec(this.deps.client, approvalRequestResource, request, { state: evaluation.state });
    await this.deps.events.record(request, {
      reason: 'StateCorrected',
      type: 'Warning',
      note: `spec.state ${request.spec.state} is not what the decisions give; set to ${evaluation.state}`,
      occurrence: request.metadata.resourceVersion ?? '',
    });
    return written;
  }

  private reportTransition(request: ApprovalRequest, from: State | undefined, evaluation: Evaluation, strategy: string): Promise<ObjectRef[]> {
    const last = evaluation.decisions.at(-1);
    return this.deps.reporter.report({
      kind: 'ApprovalRequest',
      object: request,
      strategy,
      action: request.spec.action ?? 'unknown',
      from,
      to: evaluation.state,
      actor: from === undefined || !last ? (request.metadata.annotations?.[REQUESTED_BY_ANNOTATION] ?? 'unknown') : last.name,
      writer: last?.actor,
      comment: last?.comment,
      occurrence: evaluation.decisions.length,
    });
  }
}

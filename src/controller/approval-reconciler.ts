// Reconciles an Approval: the grant's own lifecycle (suspend, resume, deny, allow again),
// expiry after the policy's grantValidity with a System decision, the status, and one report per
// state change, named after the decision that caused it (ADR 0006). The decisions copied from the request are history: evaluation starts from the
// baseline annotation (`Granted/<n>`: the state after the first n decisions).
import type { Logger } from 'pino';
import type { Approval, ApprovalPolicy, DecisionEntry, ObjectRef } from '../api/types.ts';
import { BASELINE_ANNOTATION, approvalResource } from '../api/resources.ts';
import { SYSTEM_DECIDER, durationOrUndefined, type Evaluation, type State } from '../engine/index.ts';
import { audienceOf, dueReminders, mergeRefs } from '../notify/creation/index.ts';
import type { ReconcileResult } from '../runtime/controller.ts';
import type { Informer } from '../runtime/informer.ts';
import { PatchType, type KubeClient } from '../runtime/kube-client.ts';
import { objectPath } from '../runtime/resource.ts';
import { formatBaseline } from '../evaluation/baseline.ts';
import type { EventRecorder } from './event-recorder.ts';
import { evaluateApproval } from '../evaluation/subject-evaluation.ts';
import { systemDecision, writeSpec, writeStatus } from './spec-writer.ts';
import { commonStatus, statusPatch } from './status.ts';
import type { TransitionReporter } from './transition-reporter.ts';
import { transitionsSince, type HistoryStep } from './transition-history.ts';
import { apiTime } from '../runtime/time.ts';
import { OwnWrites } from '../runtime/own-writes.ts';

/** Creates the reminders that are due before an Approval expires (the notification creator); their refs. */
export interface ReminderSender {
  createReminder(approval: Approval, keys: readonly string[], expiresAt: Date, now?: Date): Promise<ObjectRef[]>;
}

interface SentReminders {
  refs: ObjectRef[];
  keys: readonly string[];
  nextAt?: Date;
}

const NO_REMINDERS: SentReminders = { refs: [], keys: [] };

export interface ApprovalReconcilerDeps {
  client: KubeClient;
  log: Logger;
  approvals: Informer<Approval>;
  policies: Informer<ApprovalPolicy>;
  events: EventRecorder;
  reporter: TransitionReporter;
  reminders?: ReminderSender;
  /** Turns stage teams into groups; the admission webhook must use the same. */
  teamGroupPrefix?: string;
  now?: () => Date;
}


export class ApprovalReconciler {
  private readonly deps: ApprovalReconcilerDeps;
  private readonly now: () => Date;
  private readonly ownWrites = new OwnWrites();
  private readonly recheck = new Set<string>();

  constructor(deps: ApprovalReconcilerDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Settled Approvals the cache holds as summaries (settled-summary.ts) are read whole again at
   * their next reconcile: a policy change may give them an expiry or other counting.
   */
  recheckSettled(): void {
    for (const key of this.deps.approvals.cache.compactKeys()) this.recheck.add(key);
  }

  reconcile = async (key: string): Promise<ReconcileResult | void> => {
    const approval = this.deps.approvals.cache.get(key) ?? (await this.settledToRecheck(key));
    if (!approval || approval.metadata.deletionTimestamp) {
      this.ownWrites.forget(key);
      return;
    }
    return this.reconcileApproval(key, approval);
  };

  /** A summarised Approval is read whole when evicted (memory pressure) or to be rechecked. */
  private async settledToRecheck(key: string): Promise<Approval | undefined> {
    const cache = this.deps.approvals.cache;
    const recheck = this.recheck.delete(key);
    if (!cache.isCompact(key) || !(recheck || cache.isEvicted(key))) return undefined;
    this.ownWrites.forget(key);
    return this.deps.approvals.readWhole(key);
  }

  private async reconcileApproval(key: string, approval: Approval): Promise<ReconcileResult | void> {
    // Our last write has not reached the cache yet; its watch event queues the key again.
    if (this.ownWrites.isBehind(key, approval.metadata.resourceVersion)) return;
    const decisions = approval.spec.decisions ?? [];
    const subject = evaluateApproval(approval, { policies: this.deps.policies.cache.list(), teamGroupPrefix: this.deps.teamGroupPrefix });
    if (!subject) {
      // An Approval written by hand (seed-003 style): its state when first seen is where it starts.
      this.ownWrites.remember(key, await this.recordBaseline(approval, formatBaseline(approval.spec.state ?? 'Pending', decisions.length)));
      return;
    }
    const now = this.now();
    const { resolution, history, evaluation } = subject;
    const expiresAt = this.expiryOf(approval, history, evaluation, resolution.policy?.spec.grantValidity);

    if (expiresAt && now >= expiresAt && (evaluation.state === 'Granted' || evaluation.state === 'Suspended')) {
      const expire = systemDecision('Expired', `expired: granted for ${resolution.policy?.spec.grantValidity}`, now);
      const after = subject.evaluateWith([...decisions.slice(history.length), expire]);
      this.ownWrites.remember(key, await writeSpec(this.deps.client, approvalResource, approval, { state: after.state, decisions: [...decisions, expire] }));
      return;
    }
    if (approval.spec.state !== evaluation.state) {
      this.ownWrites.remember(key, await writeSpec(this.deps.client, approvalResource, approval, { state: evaluation.state }));
      await this.deps.events.record(approval, {
        reason: 'StateCorrected',
        type: 'Warning',
        note: `spec.state ${approval.spec.state} is not what the decisions give; set to ${evaluation.state}`,
        occurrence: approval.metadata.resourceVersion ?? '',
      });
      return;
    }

    // A new grant (another expiry) starts its reminders afresh; otherwise remindersSent only grows
    // by the reminders sent now.
    const recorded = expiresAt !== undefined && approval.status?.expiresAt === apiTime(expiresAt);
    const newGrant = expiresAt !== undefined && !recorded;
    const reminders = recorded && evaluation.state === 'Granted' ? await this.sendDueReminders(approval, expiresAt, resolution.policy, now) : NO_REMINDERS;
    const previousState = approval.status?.lastState as State | undefined;
    const steps =
      previousState !== evaluation.state
        ? transitionsSince({ states: evaluation.states, decisions: evaluation.decisions, offset: history.length }, previousState)
        : [];
    const transitionRefs = await this.reportTransitions(approval, steps, resolution.strategy, evaluation.state);
    const notificationRefs = [...reminders.refs, ...transitionRefs];
    const sent = approval.status?.remindersSent ?? [];
    const desired = {
      ...(newGrant ? { remindersSent: undefined } : {}),
      ...(reminders.keys.length > 0 ? { remindersSent: [...new Set([...sent, ...reminders.keys])] } : {}),
      ...commonStatus({
        evaluation,
        strategy: resolution.strategy,
        policyRef: resolution.policy?.metadata.name,
        generation: approval.metadata.generation,
        previousConditions: approval.status?.conditions,
        now,
      }),
      expiresAt: expiresAt ? apiTime(expiresAt) : undefined,
      notificationRefs: mergeRefs(approval.status?.notificationRefs, notificationRefs),
    };
    const patch = statusPatch(approval.status as Record<string, unknown> | undefined, desired);
    if (patch) this.ownWrites.remember(key, await writeStatus(this.deps.client, approvalResource, approval, patch));

    if (expiresAt && evaluation.state !== 'Expired' && evaluation.state !== 'Rejected') {
      const wakeAt = Math.min(expiresAt.getTime(), reminders.nextAt?.getTime() ?? Infinity);
      return { requeueAfterMs: Math.max(0, wakeAt - now.getTime()) + 10 };
    }
  }

  /** Creates what is due now: the refs and threshold keys to record, and when the next reminder falls due. */
  private async sendDueReminders(approval: Approval, expiresAt: Date, policy: ApprovalPolicy | undefined, now: Date): Promise<SentReminders> {
    const rules = policy?.spec.reminders ?? [];
    if (!this.deps.reminders || rules.length === 0) return NO_REMINDERS;
    const { due, nextAt } = dueReminders(rules, expiresAt, now, approval.status?.remindersSent ?? []);
    const refs = due.length > 0 ? await this.deps.reminders.createReminder(approval, due, expiresAt, now) : [];
    return { refs, keys: due, nextAt };
  }

  private async recordBaseline(approval: Approval, baseline: string): Promise<string | undefined> {
    const { namespace, name, resourceVersion } = approval.metadata;
    const written = await this.deps.client.patch<Approval | undefined>(
      objectPath(approvalResource, namespace, name),
      { metadata: { resourceVersion, annotations: { [BASELINE_ANNOTATION]: baseline } } },
      PatchType.merge,
    );
    return written?.metadata?.resourceVersion;
  }

  /**
   * grantedAt + grantValidity, where grantedAt is when the Approval last became Granted from a
   * state other than Suspended (a resume does not extend the grant). Without a validity: never.
   */
  private expiryOf(approval: Approval, history: DecisionEntry[], evaluation: Evaluation, validity: string | undefined): Date | undefined {
    if (!validity) return undefined;
    if (evaluation.state !== 'Granted' && evaluation.state !== 'Suspended') return undefined;
    let grantedAt = Date.parse(approval.metadata.creationTimestamp ?? '');
    let previous: string | undefined;
    for (const decision of [...history, ...evaluation.decisions]) {
      const at = Date.parse(decision.timestamp ?? '');
      if (decision.resultingState === 'Granted' && previous !== 'Suspended' && previous !== 'Granted' && !Number.isNaN(at)) grantedAt = at;
      previous = decision.resultingState;
    }
    if (Number.isNaN(grantedAt)) return undefined;
    const validityMs = durationOrUndefined(validity);
    return validityMs === undefined ? undefined : new Date(grantedAt + validityMs);
  }

  /**
   * Reports each step under its own name. The decisions belong to the grant in approvedRequest: a
   * newer grant replaces them and counts from its own baseline, so the grant is part of the name.
   * A step none of its own decisions caused (its creation, a newer grant taking it over) is the
   * request's grant, which the request reports: audit line only (audience.ts).
   */
  private reportTransitions(approval: Approval, steps: readonly HistoryStep[], strategy: string, current: State): Promise<ObjectRef[]> {
    if (steps.length === 0) return Promise.resolve([]);
    const epoch = approval.spec.approvedRequest?.uid;
    return this.deps.reporter.reportAll(
      steps.map((step) => {
        // The creation (no own decision yet) is the operator's: it issued the grant.
        const decision = step.decision;
        const actor = decision?.name ?? SYSTEM_DECIDER;
        return {
          kind: 'Approval',
          object: approval,
          strategy,
          action: approval.spec.action ?? 'unknown',
          from: step.from,
          to: step.to,
          actor,
          writer: decision?.actor,
          comment: decision?.comment,
          occurrence: step.index,
          epoch,
          actorEmail: decision?.email,
          actionedAt: decision?.timestamp ?? (step.from === undefined ? approval.metadata.creationTimestamp : undefined),
          ...audienceOf({ kind: 'Approval', from: step.from, to: step.to, caused: decision !== undefined }, current),
        };
      }),
    );
  }
}

// Reconciles an Approval (SPEC §6): the grant's own lifecycle (suspend, resume, deny, allow again),
// expiry after the policy's grantValidity with a System decision, the status, and one report per
// state change. The decisions copied from the request are history: evaluation starts from the
// baseline annotation (`Granted/<n>`: the state after the first n decisions).
import type { Logger } from 'pino';
import type { Approval, ApprovalPolicy, DecisionEntry } from '../api/types.ts';
import { BASELINE_ANNOTATION, approvalResource } from '../api/resources.ts';
import { parseDuration, type Evaluation, type State } from '../engine/index.ts';
import { dueReminders } from '../notify/creation/index.ts';
import type { ReconcileResult } from '../runtime/controller.ts';
import type { Informer } from '../runtime/informer.ts';
import { PatchType, type KubeClient } from '../runtime/kube-client.ts';
import { objectPath } from '../runtime/resource.ts';
import { formatBaseline } from './approval-builder.ts';
import type { EventRecorder } from './event-recorder.ts';
import { evaluateApproval } from './subject-evaluation.ts';
import { systemDecision, writeSpec, writeStatus } from './spec-writer.ts';
import { commonStatus, statusPatch } from './status.ts';
import type { TransitionReporter } from './transition-reporter.ts';
import { apiTime } from '../runtime/time.ts';

/** Sends the reminders that are due before an Approval expires (the notification creator). */
export interface ReminderSender {
  createReminder(approval: Approval, keys: readonly string[], expiresAt: Date, now?: Date): Promise<unknown>;
}

export interface ApprovalReconcilerDeps {
  client: KubeClient;
  log: Logger;
  approvals: Informer<Approval>;
  policies: Informer<ApprovalPolicy>;
  events: EventRecorder;
  reporter: TransitionReporter;
  reminders?: ReminderSender;
  now?: () => Date;
}


export class ApprovalReconciler {
  private readonly deps: ApprovalReconcilerDeps;
  private readonly now: () => Date;

  constructor(deps: ApprovalReconcilerDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  reconcile = async (key: string): Promise<ReconcileResult | void> => {
    const approval = this.deps.approvals.cache.get(key);
    if (!approval || approval.metadata.deletionTimestamp) return;
    const decisions = approval.spec.decisions ?? [];
    const subject = evaluateApproval(approval, this.deps.policies.cache.list());
    if (!subject) {
      // An Approval written by hand (seed-003 style): its state when first seen is where it starts.
      await this.recordBaseline(approval, formatBaseline(approval.spec.state ?? 'Pending', decisions.length));
      return;
    }
    const now = this.now();
    const { resolution, history, evaluation } = subject;
    const expiresAt = this.expiryOf(approval, history, evaluation, resolution.policy?.spec.grantValidity);

    if (expiresAt && now >= expiresAt && (evaluation.state === 'Granted' || evaluation.state === 'Suspended')) {
      const expire = systemDecision('Expired', `expired: granted for ${resolution.policy?.spec.grantValidity}`, now);
      const after = subject.evaluateWith([...decisions.slice(history.length), expire]);
      await writeSpec(this.deps.client, approvalResource, approval, { state: after.state, decisions: [...decisions, expire] });
      return;
    }
    if (approval.spec.state !== evaluation.state) {
      await writeSpec(this.deps.client, approvalResource, approval, { state: evaluation.state });
      await this.deps.events.record(approval, {
        reason: 'StateCorrected',
        type: 'Warning',
        note: `spec.state ${approval.spec.state} is not what the decisions give; set to ${evaluation.state}`,
        occurrence: approval.metadata.resourceVersion ?? '',
      });
      return;
    }

    // A new grant (another expiry) starts its reminders afresh; otherwise remindersSent belongs to
    // the reminder sender and is left out of the desired status.
    const recorded = expiresAt !== undefined && approval.status?.expiresAt === apiTime(expiresAt);
    const newGrant = expiresAt !== undefined && !recorded;
    const nextReminderAt = recorded && evaluation.state === 'Granted' ? await this.sendDueReminders(approval, expiresAt, resolution.policy, now) : undefined;
    const desired = {
      ...(newGrant ? { remindersSent: undefined } : {}),
      ...commonStatus({
        evaluation,
        strategy: resolution.strategy,
        policyRef: resolution.policy?.metadata.name,
        generation: approval.metadata.generation,
        previousConditions: approval.status?.conditions,
        now,
      }),
      expiresAt: expiresAt ? apiTime(expiresAt) : undefined,
    };
    const previousState = approval.status?.lastState as State | undefined;
    if (previousState !== evaluation.state) await this.reportTransition(approval, previousState, evaluation, resolution.strategy, decisions.length);
    const patch = statusPatch(approval.status as Record<string, unknown> | undefined, desired);
    if (patch) await writeStatus(this.deps.client, approvalResource, approval, patch);

    if (expiresAt && evaluation.state !== 'Expired' && evaluation.state !== 'Rejected') {
      const wakeAt = Math.min(expiresAt.getTime(), nextReminderAt?.getTime() ?? Infinity);
      return { requeueAfterMs: Math.max(0, wakeAt - now.getTime()) + 10 };
    }
  };

  /** Sends what is due now; returns when the next reminder falls due. */
  private async sendDueReminders(approval: Approval, expiresAt: Date, policy: ApprovalPolicy | undefined, now: Date): Promise<Date | undefined> {
    const rules = policy?.spec.reminders ?? [];
    if (!this.deps.reminders || rules.length === 0) return undefined;
    const { due, nextAt } = dueReminders(rules, expiresAt, now, approval.status?.remindersSent ?? []);
    if (due.length > 0) await this.deps.reminders.createReminder(approval, due, expiresAt, now);
    return nextAt;
  }

  private async recordBaseline(approval: Approval, baseline: string): Promise<void> {
    const { namespace, name, resourceVersion } = approval.metadata;
    await this.deps.client.patch(
      objectPath(approvalResource, namespace, name),
      { metadata: { resourceVersion, annotations: { [BASELINE_ANNOTATION]: baseline } } },
      PatchType.merge,
    );
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
    return new Date(grantedAt + parseDuration(validity));
  }

  private async reportTransition(approval: Approval, from: State | undefined, evaluation: Evaluation, strategy: string, occurrence: number): Promise<void> {
    const last = evaluation.decisions.at(-1);
    await this.deps.reporter.report({
      kind: 'Approval',
      object: approval,
      strategy,
      action: approval.spec.action ?? 'unknown',
      from,
      to: evaluation.state,
      actor: last?.name ?? 'System',
      comment: last?.comment,
      occurrence,
    });
  }
}

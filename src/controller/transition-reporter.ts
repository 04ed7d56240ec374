// What happens once per state change: the audit log line and the metrics always; the Kubernetes
// Event and the Notifications as creation/audience.ts decides (one message per person per event,
// no Event for a creation or an Approval's grant). A reconcile reports the changes status.lastState does not record yet
// (transition-history.ts), so a crash before the status write repeats this step; the Event and
// the Notifications are named after the transition (ADR 0006) and are found again instead of
// being made twice, and the audit line carries the same transition id. The Notifications' refs
// are returned: the reconciler records them in its status write.
import type { Logger } from 'pino';
import type { ObjectRef } from '../api/types.ts';
import type { State } from '../engine/index.ts';
import type { Recipient } from '../notify/creation/naming.ts';
import type { Notifier, StateChange, WithdrawnRequest } from '../notify/notifier.ts';
import type { KubeObject } from '../runtime/resource.ts';
import type { EventRecorder } from './event-recorder.ts';
import type { ApprovalMetrics } from './metrics.ts';
import { allSettledOrThrow } from './settle.ts';
import { transitionId } from './transition-history.ts';

export interface Transition {
  kind: 'ApprovalRequest' | 'Approval';
  object: KubeObject;
  strategy: string;
  action: string;
  /** undefined: the object's creation. */
  from: State | undefined;
  to: State;
  actor: string;
  /** Who wrote the deciding decision when that is not the actor (a delegate, a client's System grant). */
  writer?: string;
  comment?: string;
  /** How many decisions there are up to the one that caused the transition (HistoryStep.index). */
  occurrence: number;
  /** Approvals: the grant their decisions belong to (approvedRequest uid). */
  epoch?: string;
  /** The causing decision's e-mail and time (the creation's time for a creation). */
  actorEmail?: string;
  actionedAt?: string;
  /** Who gets a Notification (creation/audience.ts); empty: nobody. */
  recipients: readonly Recipient[];
  /** Whether the step gets a Kubernetes Event (creation/audience.ts). */
  event: boolean;
  /** A request's grant: its Approval, named in the Notifications and the Event. */
  approval?: { name: string; namespace: string };
}

const FINAL_STATES: readonly string[] = ['Granted', 'Rejected', 'Expired'];

export class TransitionReporter {
  private readonly log: Logger;
  private readonly events: EventRecorder;
  private readonly notifier: Notifier;
  private readonly metrics: ApprovalMetrics;

  constructor(deps: { log: Logger; events: EventRecorder; notifier: Notifier; metrics: ApprovalMetrics }) {
    this.log = deps.log;
    this.events = deps.events;
    this.notifier = deps.notifier;
    this.metrics = deps.metrics;
  }

  async report(t: Transition): Promise<ObjectRef[]> {
    const { namespace = '', name, uid = '' } = t.object.metadata;
    const transition = transitionId({ from: t.from, index: t.occurrence, to: t.to, epoch: t.epoch });
    // The Notifications and the Event do not depend on each other: made side by side.
    const [refs] = await allSettledOrThrow([
      t.recipients.length > 0 ? this.notifier.stateChanged(this.stateChange(t)) : Promise.resolve([]),
      t.event ? this.events.record(t.object, { reason: t.to, note: eventNote(t), occurrence: transition }) : Promise.resolve(),
    ]);
    // Logged once the report is made, so a failed attempt that is retried does not log it again;
    // a crash before the status write does (with the same transition id).
    this.log.info(
      {
        audit: true,
        kind: t.kind,
        request: `${namespace}/${name}`,
        uid,
        transition,
        from: t.from ?? null,
        to: t.to,
        actor: t.actor,
        writer: t.writer ?? t.actor,
        strategy: t.strategy,
      },
      'transition',
    );
    this.metrics.transitions.inc({ kind: t.kind, strategy: t.strategy, from: t.from ?? 'None', to: t.to });
    if (t.kind === 'ApprovalRequest' && FINAL_STATES.includes(t.to)) {
      const created = Date.parse(t.object.metadata.creationTimestamp ?? '');
      if (!Number.isNaN(created)) this.metrics.timeToDecision.observe({ strategy: t.strategy, outcome: t.to }, (Date.now() - created) / 1000);
    }
    return refs;
  }

  private stateChange(t: Transition): StateChange {
    const { namespace = '', name, uid = '' } = t.object.metadata;
    return {
      kind: t.kind,
      namespace,
      name,
      uid,
      action: t.action,
      from: t.from,
      to: t.to,
      actor: t.actor,
      comment: t.comment,
      occurrence: t.occurrence,
      epoch: t.epoch,
      actorEmail: t.actorEmail,
      actionedAt: t.actionedAt,
      recipients: t.recipients,
      approval: t.approval,
    };
  }

  /** Several transitions of one object (oldest first), side by side; all their refs. */
  async reportAll(transitions: readonly Transition[]): Promise<ObjectRef[]> {
    const refs = await allSettledOrThrow(transitions.map((t) => this.report(t)));
    return refs.flat();
  }

  /** A pending request is being deleted: the audit line and the decider's notice (once per request). */
  async withdrawn(object: KubeObject, change: WithdrawnRequest): Promise<void> {
    const { namespace = '', name, uid = '' } = object.metadata;
    await this.notifier.withdrawn(change);
    this.log.info({ audit: true, kind: change.kind, request: `${namespace}/${name}`, uid, transition: 'withdrawn', from: change.from, to: null }, 'withdrawn');
  }
}

/** `Pending → Granted by alice (written by portal); Approval apisubscription--x`, or `created in state Pending`. */
export function eventNote(t: Pick<Transition, 'from' | 'to' | 'actor' | 'writer' | 'approval'>): string {
  if (!t.from) return `created in state ${t.to}`;
  const writer = t.writer && t.writer !== t.actor ? ` (written by ${t.writer})` : '';
  const approval = t.approval ? `; Approval ${t.approval.name}` : '';
  return `${t.from} → ${t.to} by ${t.actor}${writer}${approval}`;
}

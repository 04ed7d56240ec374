// What happens once per observed state change: the audit log line, the Kubernetes Event, the
// metrics and the notifications. Observed = spec.state differs from status.lastState, so a crash
// before the status write repeats this step; every part of it is idempotent. The Notifications'
// refs are returned: the reconciler records them in its status write.
import type { Logger } from 'pino';
import type { ObjectRef } from '../api/types.ts';
import type { State } from '../engine/index.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { KubeObject } from '../runtime/resource.ts';
import type { EventRecorder } from './event-recorder.ts';
import type { ApprovalMetrics } from './metrics.ts';
import { allSettledOrThrow } from './settle.ts';

export interface Transition {
  kind: 'ApprovalRequest' | 'Approval';
  object: KubeObject;
  strategy: string;
  action: string;
  from: State | undefined;
  to: State;
  actor: string;
  /** Who wrote the deciding decision when that is not the actor (a delegate, a client's System grant). */
  writer?: string;
  comment?: string;
  /** Index of the transition (number of decisions), so each occurrence gets its own Event. */
  occurrence: number;
}

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
    this.log.info(
      { audit: true, kind: t.kind, request: `${namespace}/${name}`, from: t.from ?? null, to: t.to, actor: t.actor, writer: t.writer ?? t.actor, strategy: t.strategy },
      'transition',
    );
    // The Notifications and the Event do not depend on each other: made side by side.
    const [refs] = await allSettledOrThrow([
      this.notifier.stateChanged({
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
      }),
      this.events.record(t.object, {
        reason: t.to,
        note: t.from ? `${t.from} → ${t.to} by ${t.actor}${t.writer && t.writer !== t.actor ? ` (written by ${t.writer})` : ''}` : `created in state ${t.to}`,
        occurrence: `${t.occurrence}/${t.to}`,
      }),
    ]);
    this.metrics.transitions.inc({ kind: t.kind, strategy: t.strategy, from: t.from ?? 'None', to: t.to });
    if (t.kind === 'ApprovalRequest' && ['Granted', 'Rejected', 'Expired'].includes(t.to)) {
      const created = Date.parse(t.object.metadata.creationTimestamp ?? '');
      if (!Number.isNaN(created)) this.metrics.timeToDecision.observe({ strategy: t.strategy, outcome: t.to }, (Date.now() - created) / 1000);
    }
    return refs;
  }
}

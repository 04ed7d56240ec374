// The seam between the controllers and notifications: controllers report each state
// change here and record the refs they get back in the subject's status.
import type { Logger } from 'pino';
import type { ApprovalRequest, ObjectRef } from '../api/types.ts';
import type { State } from '../engine/index.ts';

export interface StateChange {
  kind: 'ApprovalRequest' | 'Approval';
  namespace: string;
  name: string;
  uid: string;
  action: string;
  /** undefined: the subject's creation. */
  from: State | undefined;
  to: State;
  actor: string;
  comment?: string;
  /**
   * Which change of the subject this is: how many of its decisions there are up to and including
   * the one that caused it (0: none, the object as created). With the uid, `from`, `to` and
   * `epoch` it names the change's Notifications (ADR 0006), so a repeated call finds them.
   * Absent: the subject's current decision count.
   */
  occurrence?: number;
  /** Approvals: the grant (approvedRequest uid) their decisions belong to; a newer grant starts counting again. */
  epoch?: string;
  /** The e-mail of the decision that caused the change, when it has one. */
  actorEmail?: string;
  /** When the change was made: the causing decision's timestamp (the creation's for a creation). */
  actionedAt?: string;
}

/** A pending request that is being deleted (its finalizer keeps it until this is done). */
export type WithdrawnRequest = Omit<StateChange, 'to' | 'from' | 'occurrence' | 'epoch'> & { from: State; object?: ApprovalRequest };

export interface Notifier {
  /**
   * Called once per observed state change; must be idempotent (a crash may repeat a call).
   * Resolves with the refs of the change's Notifications, which the caller records in status.
   */
  stateChanged(change: StateChange): Promise<ObjectRef[]>;
  /**
   * A pending request is being deleted before it was decided. Called by the reconciler of the
   * request, before it releases the request's finalizer; idempotent (one notice per request uid),
   * rejects when the notice could not be made (the reconciler retries).
   */
  withdrawn(change: WithdrawnRequest): Promise<void>;
}

/** Logs what would be notified; the default until Notification objects exist. */
export class LoggingNotifier implements Notifier {
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  async stateChanged(change: StateChange): Promise<ObjectRef[]> {
    this.log.debug({ notify: change }, 'state change to notify');
    return [];
  }

  async withdrawn(change: WithdrawnRequest): Promise<void> {
    this.log.debug({ notify: change }, 'withdrawn request to notify');
  }
}

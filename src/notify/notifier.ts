// The seam between the controllers and notifications: controllers report each state
// change here and record the refs they get back in the subject's status.
import type { ApprovalRequest, ObjectRef } from '../api/types.ts';
import type { State } from '../engine/index.ts';
import type { Recipient } from './creation/naming.ts';

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
  /**
   * Who is told (creation/audience.ts decides); absent: the decider on every change, the
   * requester on every change but to Pending and Semigranted. Empty: nobody.
   */
  recipients?: readonly Recipient[];
  /** A request's grant: its Approval, which this change's Notifications name (the grant and the Approval are one event). */
  approval?: { name: string; namespace: string };
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

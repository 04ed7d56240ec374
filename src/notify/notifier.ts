// The seam between the controllers and notifications (SPEC §9): controllers report each state
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
  from: State | undefined;
  to: State;
  actor: string;
  comment?: string;
  /** Which change of the subject this is (its decision count), so names stay deterministic. */
  occurrence?: number;
}

export interface Notifier {
  /**
   * Called once per observed state change; must be idempotent (a crash may repeat a call).
   * Resolves with the refs of the change's Notifications, which the caller records in status.
   */
  stateChanged(change: StateChange): Promise<ObjectRef[]>;
  /** A pending request was deleted before it was decided. */
  withdrawn(change: Omit<StateChange, 'to' | 'from'> & { from: State; object?: ApprovalRequest }): Promise<void>;
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

  async withdrawn(change: Omit<StateChange, 'to' | 'from'> & { from: State; object?: ApprovalRequest }): Promise<void> {
    this.log.debug({ notify: change }, 'withdrawn request to notify');
  }
}

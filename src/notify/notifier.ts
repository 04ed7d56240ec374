// The seam between the controllers and notifications (SPEC §9): controllers report each state
// change here; the Notification objects and their delivery arrive in the notifications issue.
import type { Logger } from 'pino';
import type { ApprovalRequest } from '../api/types.ts';
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
  /** Called once per observed state change; must be idempotent (a crash may repeat a call). */
  stateChanged(change: StateChange): Promise<void>;
  /** A pending request was deleted before it was decided. */
  withdrawn(change: Omit<StateChange, 'to' | 'from'> & { from: State; object?: ApprovalRequest }): Promise<void>;
}

/** Logs what would be notified; the default until Notification objects exist. */
export class LoggingNotifier implements Notifier {
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  async stateChanged(change: StateChange): Promise<void> {
    this.log.debug({ notify: change }, 'state change to notify');
  }

  async withdrawn(change: Omit<StateChange, 'to' | 'from'> & { from: State; object?: ApprovalRequest }): Promise<void> {
    this.log.debug({ notify: change }, 'withdrawn request to notify');
  }
}

// Who is told about a reported step, and whether it gets a Kubernetes Event: one message per
// person per event. Pure.
//
// A reconcile reports the steps status.lastState does not record yet (controller/transition-history.ts),
// often one, several when it looks late (the operator was down, votes came fast, a crash before
// the status write). Each person hears only what still matters when the operator looks:
//
// - "Waiting for you" (a step to Pending or Semigranted) goes to the decider, and only while the
//   object is still open: nobody is asked to act on something already decided. The requester is
//   never told about it (nothing is decided yet).
// - An outcome or a lifecycle change (Granted, Rejected, Expired; on an Approval also Suspended
//   and the resume) goes to the decider and the requester, whatever came after it, so it is
//   never lost.
// - A request's grant and its Approval's creation are one event: the request's Granted report
//   names the Approval, and an Approval step no decision of its own caused (its creation, a newer
//   grant taking it over) tells nobody and records no Event.
// - Events record the state changes decisions caused. A creation is no change: the object, its
//   status and (for Auto and trusted teams) its System decision already say what it is, and an
//   Event would be a write that repeats another.
//
// Crash safety (ADR 0006) does not depend on this choice: the names come from the step alone
// (uid, the causing decision's position, from, to), so whichever steps a retry tells, it finds
// what an earlier attempt made (AlreadyExists) and never makes a second one. Only "waiting"
// depends on the current state, and only to leave a message out; outcomes never do.
import type { State } from '../../engine/index.ts';
import type { Recipient } from './naming.ts';

/** The states in which a request waits for a decider. */
export const WAITING_STATES: readonly State[] = ['Pending', 'Semigranted'];

export const isWaiting = (state: State): boolean => WAITING_STATES.includes(state);

/** A reported step, as far as the rules need it. */
export interface AudienceStep {
  kind: 'ApprovalRequest' | 'Approval';
  /** undefined: the object's creation. */
  from: State | undefined;
  to: State;
  /** Whether one of the object's own decisions caused the step (an Approval's history from its request is not its own). */
  caused: boolean;
}

export interface StepAudience {
  /** Who gets a Notification, decider first. */
  recipients: Recipient[];
  /** Whether the step gets a Kubernetes Event. */
  event: boolean;
}

const NOBODY: StepAudience = { recipients: [], event: false };

/** Who hears of `step` when the object is now in `current`, and whether it gets an Event. */
export function audienceOf(step: AudienceStep, current: State): StepAudience {
  // The grant itself: the request's Granted Notifications and Event tell it and name the Approval.
  if (step.kind === 'Approval' && !step.caused) return NOBODY;
  const event = step.from !== undefined;
  if (isWaiting(step.to)) return { recipients: isWaiting(current) ? ['decider'] : [], event };
  return { recipients: ['decider', 'requester'], event };
}

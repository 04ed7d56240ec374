// The pure part of delivery: which channels a Notification has, which are due now, the state after
// an attempt, and the Delivered condition. The controller does the I/O around these.
import { isDeepStrictEqual } from 'node:util';
import { backoffDelayMs, type BackoffOptions } from './backoff.ts';
import { CALLBACK_KEY, FALLBACK_EMAIL_KEY, channelKey, type ChannelDeliveryState, type ConditionEntry, type NotificationStatus, type Notification } from './types.ts';

export type TargetKind = 'channel' | 'fallback-email' | 'callback';

export interface Target {
  key: string;
  kind: TargetKind;
  /** For `channel`: the NotificationChannel's namespace and name. */
  ref?: { namespace: string; name: string };
}

export const DELIVERED = 'Delivered';

/** A state as delivery writes it: `sent` and `attempts` always set. */
export type DeliveryState = ChannelDeliveryState & { sent: boolean; attempts: number };

/** Every delivery a Notification asks for: its channels, else the fallback e-mail; and the callback. */
export function targetsOf(notification: Notification): Target[] {
  const namespace = notification.metadata.namespace ?? '';
  const targets: Target[] = [];
  const seen = new Set<string>();
  for (const ref of notification.spec.channels ?? []) {
    if (!ref?.name) continue;
    const key = channelKey(ref, namespace);
    if (seen.has(key)) continue;
    seen.add(key);
    targets.push({ key, kind: 'channel', ref: { namespace: ref.namespace || namespace, name: ref.name } });
  }
  if (targets.length === 0 && (notification.spec.fallbackEmail?.recipients ?? []).length > 0) {
    targets.push({ key: FALLBACK_EMAIL_KEY, kind: 'fallback-email' });
  }
  if (notification.spec.callback?.url) targets.push({ key: CALLBACK_KEY, kind: 'callback' });
  return targets;
}

/** A failed channel whose last attempt scheduled no next one has given up (past its maximum age). */
export const hasGivenUp = (state: ChannelDeliveryState | undefined) => !!state && !state.sent && (state.attempts ?? 0) > 0 && !state.nextAttemptAt;

/**
 * Delivered, or given up on, for the current spec: nothing will ever be sent for it again (a
 * channel that appears later does not revive a given-up target either), so the delivery cache lets
 * it go. Notifications accumulate with every state change; only the unsettled ones cost memory.
 */
export function isSettled(notification: Notification): boolean {
  const delivered = notification.status?.conditions?.find((c) => c.type === DELIVERED);
  if (!delivered || delivered.observedGeneration !== notification.metadata.generation) return false;
  return delivered.status === 'True' || delivered.reason === 'GaveUp';
}

/** Due now: never sent, not given up, and its next attempt time (if any) has come. */
export function isDue(state: ChannelDeliveryState | undefined, now: Date): boolean {
  if (!state) return true;
  if (state.sent || hasGivenUp(state)) return false;
  return !state.nextAttemptAt || Date.parse(state.nextAttemptAt) <= now.getTime();
}

const MAX_ERROR_LENGTH = 1024;
const clipError = (message: string) => (message.length <= MAX_ERROR_LENGTH ? message : `${message.slice(0, MAX_ERROR_LENGTH - 1)}…`);

/** The state after a successful attempt; `note` (e.g. skipped recipients) goes into errorMessage. */
export function sentState(previous: ChannelDeliveryState | undefined, now: Date, note?: string): DeliveryState {
  const state: DeliveryState = { sent: true, timestamp: now.toISOString(), attempts: (previous?.attempts ?? 0) + 1 };
  if (note) state.errorMessage = clipError(note);
  return state;
}

/**
 * The state after a failed attempt: the next attempt after the backoff, or none (given up) when it
 * would fall after `createdAt + maxAgeMs`.
 */
export function failedState(
  previous: ChannelDeliveryState | undefined,
  now: Date,
  error: string,
  createdAt: Date,
  maxAgeMs: number,
  backoff: BackoffOptions,
): DeliveryState {
  const attempts = (previous?.attempts ?? 0) + 1;
  const next = now.getTime() + backoffDelayMs(attempts, backoff);
  const state: DeliveryState = { sent: false, timestamp: now.toISOString(), attempts, errorMessage: clipError(error) };
  if (next - createdAt.getTime() <= maxAgeMs) state.nextAttemptAt = new Date(next).toISOString();
  return state;
}

/** Delay until the earliest pending retry, or undefined when nothing is pending. */
export function nextRequeueMs(targets: Target[], states: Record<string, ChannelDeliveryState>, now: Date): number | undefined {
  let earliest: number | undefined;
  for (const target of targets) {
    const state = states[target.key];
    if (state && (state.sent || hasGivenUp(state))) continue;
    const at = state?.nextAttemptAt ? Date.parse(state.nextAttemptAt) : now.getTime();
    earliest = earliest === undefined ? at : Math.min(earliest, at);
  }
  return earliest === undefined ? undefined : Math.max(0, earliest - now.getTime());
}

const conditionTime = (now: Date) => now.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Delivered=True/Delivered (or NoChannels), False/Retrying while any retry is pending, else False/GaveUp. */
export function deliveredCondition(
  targets: Target[],
  states: Record<string, ChannelDeliveryState>,
  ignored: string[],
  now: Date,
  generation: number | undefined,
  previous: ConditionEntry | undefined,
): ConditionEntry {
  const sent = targets.filter((t) => states[t.key]?.sent);
  const gaveUp = targets.filter((t) => hasGivenUp(states[t.key]));
  const pending = targets.filter((t) => !states[t.key]?.sent && !hasGivenUp(states[t.key]));
  const ignoredNote = ignored.length > 0 ? ` (${ignored.join(', ')} ignore this purpose)` : '';
  let status: ConditionEntry['status'];
  let reason: string;
  let message: string;
  if (targets.length === 0) {
    [status, reason, message] = ['True', 'NoChannels', `nothing to deliver: no channel, fallback e-mail or callback${ignoredNote}`];
  } else if (pending.length === 0 && gaveUp.length === 0) {
    [status, reason, message] = ['True', 'Delivered', `delivered to ${sent.map((t) => t.key).join(', ')}${ignoredNote}`];
  } else if (pending.length > 0) {
    const details = pending.map((t) => {
      const state = states[t.key];
      return state ? `${t.key} (attempt ${state.attempts ?? 0} failed: ${state.errorMessage ?? 'unknown error'}; next at ${state.nextAttemptAt})` : `${t.key} (not attempted yet)`;
    });
    [status, reason, message] = ['False', 'Retrying', `${sent.length} of ${targets.length} delivered; pending: ${details.join('; ')}`];
  } else {
    const details = gaveUp.map((t) => `${t.key} after ${states[t.key]!.attempts} attempt(s): ${states[t.key]!.errorMessage ?? 'unknown error'}`);
    [status, reason, message] = ['False', 'GaveUp', `${sent.length} of ${targets.length} delivered; gave up on ${details.join('; ')}`];
  }
  return {
    type: DELIVERED,
    status,
    reason,
    message: clipError(message),
    lastTransitionTime: previous && previous.status === status ? previous.lastTransitionTime : conditionTime(now),
    observedGeneration: generation,
  };
}

/** A state as a merge-patch value: absent optional fields become null (removed on the server). */
export function statePatch(state: ChannelDeliveryState): Record<string, unknown> {
  return {
    sent: state.sent ?? false,
    attempts: state.attempts ?? 0,
    timestamp: state.timestamp ?? null,
    errorMessage: state.errorMessage ?? null,
    nextAttemptAt: state.nextAttemptAt ?? null,
  };
}

const normalize = (state: ChannelDeliveryState | undefined) =>
  state && { sent: state.sent ?? false, attempts: state.attempts ?? 0, timestamp: state.timestamp, errorMessage: state.errorMessage, nextAttemptAt: state.nextAttemptAt };

/**
 * The merge patch of /status that takes `current` to the given states and condition, or undefined
 * when nothing differs. Other conditions and other state keys are left alone.
 */
export function deliveryStatusPatch(
  current: NotificationStatus | undefined,
  states: Record<string, ChannelDeliveryState>,
  condition: ConditionEntry | undefined,
  generation: number | undefined,
): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  const statesPatch: Record<string, unknown> = {};
  for (const [key, state] of Object.entries(states)) {
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(normalize(current?.states?.[key]) ?? null)), JSON.parse(JSON.stringify(normalize(state))))) {
      statesPatch[key] = statePatch(state);
    }
  }
  if (Object.keys(statesPatch).length > 0) patch.states = statesPatch;
  if (condition) {
    const existing = current?.conditions ?? [];
    const old = existing.find((c) => c.type === condition.type);
    const same =
      old &&
      old.status === condition.status &&
      old.reason === condition.reason &&
      old.message === condition.message &&
      old.observedGeneration === condition.observedGeneration;
    if (!same) patch.conditions = [...existing.filter((c) => c.type !== condition.type), condition];
  }
  if (generation !== undefined && current?.observedGeneration !== generation) patch.observedGeneration = generation;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

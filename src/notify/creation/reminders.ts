// Reminders before an Approval expires. Pure: which thresholds are due, and when the
// next one is. A policy reminder {before: 720h, repeat: 168h} gives the thresholds `720h` (720 h
// before expiry), `720h@1` (552 h before), `720h@2` (384 h), … while they are before expiry. Each
// threshold is sent once per grant; the keys already sent are kept in the Approval's
// status.remindersSent.
import { durationOrUndefined } from '../../engine/index.ts';

export interface ReminderRule {
  before: string;
  repeat?: string;
}

export interface ReminderThreshold {
  key: string;
  at: Date;
}

/** At most this many repeats per rule (a `repeat: 1s` over a year's grant would be millions). */
export const MAX_REPEATS = 1000;

const DAY_MS = 86_400_000;

/** Every threshold of the rules before `expiresAt`, earliest first; a key given by two rules counts once. */
export function reminderThresholds(rules: readonly ReminderRule[], expiresAt: Date): ReminderThreshold[] {
  const byKey = new Map<string, ReminderThreshold>();
  const end = expiresAt.getTime();
  for (const rule of rules) {
    const before = durationOrUndefined(rule.before);
    if (before === undefined || before <= 0) continue;
    const first = end - before;
    if (!byKey.has(rule.before)) byKey.set(rule.before, { key: rule.before, at: new Date(first) });
    const repeat = durationOrUndefined(rule.repeat);
    if (!repeat || repeat <= 0) continue;
    for (let n = 1; n <= MAX_REPEATS; n++) {
      const at = first + n * repeat;
      if (at >= end) break;
      const key = `${rule.before}@${n}`;
      if (!byKey.has(key)) byKey.set(key, { key, at: new Date(at) });
    }
  }
  return [...byKey.values()].sort((a, b) => a.at.getTime() - b.at.getTime() || a.key.localeCompare(b.key));
}

/**
 * The thresholds that are due now (passed, not yet sent, expiry not reached), earliest first, and
 * when the next unsent one falls due (undefined: none before expiry). Several thresholds can be
 * due at once (the operator was down, or the grant is shorter than `before`): send one reminder
 * for them all (NotificationCreator.createReminder takes the whole list) and record every key.
 */
export function dueReminders(
  policyReminders: readonly ReminderRule[],
  expiresAt: Date,
  now: Date,
  alreadySent: readonly string[],
): { due: string[]; nextAt?: Date } {
  if (now.getTime() >= expiresAt.getTime()) return { due: [] };
  const sent = new Set(alreadySent);
  const due: string[] = [];
  let nextAt: Date | undefined;
  for (const threshold of reminderThresholds(policyReminders, expiresAt)) {
    if (sent.has(threshold.key)) continue;
    if (threshold.at.getTime() <= now.getTime()) due.push(threshold.key);
    else if (!nextAt) nextAt = threshold.at;
  }
  return nextAt ? { due, nextAt } : { due };
}

/** Whole days left until expiry, rounded down, never negative. */
export function daysRemaining(expiresAt: Date, now: Date): number {
  return Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / DAY_MS));
}

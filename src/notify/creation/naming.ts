// Purposes and object names of the Notifications the operator creates. Pure functions:
// the same event always gives the same name, so a repeated call (a crash between the create and
// the status write) finds the object it created before instead of making a second one.
import { createHash } from 'node:crypto';

/** Who a notification is for. */
export type Recipient = 'decider' | 'requester';

/** What happened: a state change (first seen → created, later → updated), a withdrawn request, a reminder. */
export type NotificationEvent = 'created' | 'updated' | 'withdrawn' | 'reminder';

/** spec.purpose is at most 63 characters (so it is a valid label value too). */
export const MAX_PURPOSE_LENGTH = 63;
/** metadata.name of a Notification: a DNS subdomain name. */
export const MAX_NAME_LENGTH = 253;
/** Hex characters of the content hash at the end of every name. */
export const HASH_LENGTH = 10;

/**
 * One segment of a purpose or name: lower case, every character other than a-z, 0-9 and `-`
 * replaced by `-`, no leading or trailing `-`. So `ApprovalRequest` → `approvalrequest`,
 * `read_only` → `read-only`, `catalog.v2` → `catalog-v2`.
 */
export function segment(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * `lower(<kind>--<action>--<event>--<recipient>)`, e.g. `approvalrequest--subscribe--created--decider`.
 * Characters outside a-z, 0-9 and `-` become `-`; an empty action is `unknown`; an action too long
 * for the 63-character limit is cut (kind, event and recipient always stay whole).
 */
export function purposeFor(kind: string, action: string, event: NotificationEvent, recipient: Recipient): string {
  const kindPart = segment(kind) || 'unknown';
  const suffix = `--${event}--${recipient}`;
  const room = MAX_PURPOSE_LENGTH - kindPart.length - 2 - suffix.length;
  let actionPart = segment(action) || 'unknown';
  if (actionPart.length > room) actionPart = actionPart.slice(0, room).replace(/-+$/, '') || 'unknown';
  return `${kindPart}--${actionPart}${suffix}`;
}

/** The purpose of a state-change notification; `created` when the object was first seen (from undefined). */
export function notificationPurpose(kind: string, action: string, created: boolean, recipient: Recipient): string {
  return purposeFor(kind, action, created ? 'created' : 'updated', recipient);
}

/** The first HASH_LENGTH hex characters of sha256 over the JSON of `content`. */
export function contentHash(content: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * `<purpose>--<target>[--<qualifier>]--<hash>`: a valid DNS subdomain name of at most 253
 * characters (only a-z, 0-9 and `-`; starts with a letter or digit, ends with the hash). The hash
 * is over `content`, which must identify the event (subject uid, purpose, from, to, occurrence),
 * so the same event always gets the same name. A long target is cut; purpose, qualifier and hash
 * stay whole.
 */
export function notificationName(purpose: string, target: string, content: readonly unknown[], qualifier?: string): string {
  const hash = contentHash(content);
  const head = segment(purpose) || 'notification';
  const tail = `${qualifier && segment(qualifier) ? `--${segment(qualifier)}` : ''}--${hash}`;
  const room = MAX_NAME_LENGTH - head.length - tail.length - 2;
  const targetPart = segment(target).slice(0, Math.max(0, room)).replace(/-+$/, '');
  const name = targetPart ? `${head}--${targetPart}${tail}` : `${head}${tail}`;
  // Only reachable with an absurdly long purpose or qualifier (never with purposeFor's).
  return name.length <= MAX_NAME_LENGTH ? name : `${name.slice(0, MAX_NAME_LENGTH - HASH_LENGTH - 2).replace(/-+$/, '')}--${hash}`;
}

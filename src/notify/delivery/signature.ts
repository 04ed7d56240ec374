// The signature of callbacks and signed webhooks: the hex HMAC-SHA256 of
// "<timestamp>.<body>" with the shared secret, sent as `X-Approval-Signature-256: sha256=<hex>`
// beside `X-Approval-Timestamp: <unix seconds>`.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Approval-Timestamp';
export const SIGNATURE_HEADER = 'X-Approval-Signature-256';

export function sign(secret: string | Buffer, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The two headers of a signed POST of `body` at `now`. */
export function signatureHeaders(secret: string | Buffer, body: string, now: Date = new Date()): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: sign(secret, timestamp, body) };
}

/**
 * What a receiver does (and what the docs show): recompute the HMAC over the raw body, compare in
 * constant time, and refuse timestamps older than `toleranceSeconds` (replays).
 */
export function verifySignature(
  secret: string | Buffer,
  timestamp: string | undefined,
  signature: string | undefined,
  body: string,
  options: { now?: Date; toleranceSeconds?: number } = {},
): boolean {
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  const age = Math.abs((options.now ?? new Date()).getTime() / 1000 - Number(timestamp));
  if (age > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(sign(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

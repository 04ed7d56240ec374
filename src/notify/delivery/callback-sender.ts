// Signed callbacks: when a request with spec.callback reaches Granted, Rejected, Expired
// or is withdrawn, POST
//   {approvalRequest: {name, namespace, uid}, status: approved|rejected|expired|cancelled,
//    actionedComment, actionedAt, actionedBy: {name, email}, correlationId}
// with `X-Approval-Timestamp` and `X-Approval-Signature-256: sha256=<hex HMAC-SHA256 of
// "<timestamp>.<body>">`. The secret is read from the API at send time by the caller and never logged.
import { DEFAULT_HTTP_TIMEOUT_MS, postJson, type OutboundHttp } from './http.ts';
import { signatureHeaders } from './signature.ts';
import type { Notification } from './types.ts';

export const CALLBACK_STATUSES = ['approved', 'rejected', 'expired', 'cancelled'] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

export interface CallbackPayload {
  approvalRequest: { name: string; namespace: string; uid: string };
  status: CallbackStatus;
  actionedComment: string | null;
  actionedAt: string;
  actionedBy: { name: string | null; email: string | null };
  correlationId: string | null;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** Maps a final state (or `callback_status` as creation wrote it) to the callback's status. */
export function callbackStatusOf(value: unknown): CallbackStatus | undefined {
  const lower = typeof value === 'string' ? value.toLowerCase() : '';
  if ((CALLBACK_STATUSES as readonly string[]).includes(lower)) return lower as CallbackStatus;
  const byState: Record<string, CallbackStatus> = { granted: 'approved', rejected: 'rejected', expired: 'expired', withdrawn: 'cancelled', canceled: 'cancelled' };
  return byState[lower];
}

/**
 * The callback body of a Notification. The request is `properties.subject` (its uid from
 * `properties.subject.uid`, else the owner reference to it); the status from
 * `properties.callback_status` (else `state_new`); comment, actor (`actor`, `actor_email`),
 * `actioned_at` (else the Notification's creation time) and `correlation_id` from the properties.
 */
export function callbackPayload(notification: Notification): CallbackPayload {
  const properties = (notification.spec.properties ?? {}) as Record<string, unknown>;
  const subject = (properties.subject && typeof properties.subject === 'object' ? properties.subject : {}) as Record<string, unknown>;
  const name = str(subject.name) ?? '';
  const namespace = str(subject.namespace) ?? notification.metadata.namespace ?? '';
  const owner = notification.metadata.ownerReferences?.find((ref) => ref.kind === (str(subject.kind) ?? 'ApprovalRequest') && (!name || ref.name === name));
  const status = callbackStatusOf(properties.callback_status) ?? callbackStatusOf(properties.state_new);
  if (!status) throw new Error(`notification has no callback status (properties.callback_status ${JSON.stringify(properties.callback_status ?? null)})`);
  return {
    approvalRequest: { name: name || owner?.name || '', namespace, uid: str(subject.uid) ?? owner?.uid ?? '' },
    status,
    actionedComment: str(properties.comment) ?? null,
    actionedAt: str(properties.actioned_at) ?? notification.metadata.creationTimestamp ?? new Date(0).toISOString(),
    actionedBy: { name: str(properties.actor) ?? null, email: str(properties.actor_email) ?? null },
    correlationId: str(properties.correlation_id) ?? null,
  };
}

export interface CallbackSendOptions {
  idempotencyKey: string;
  /** The Secret's key; without a secretRef the callback goes unsigned. */
  secret?: string | Buffer;
  timeoutMs?: number;
  /** The outbound policy's client (default: the strict policy). */
  outbound?: OutboundHttp;
  now?: Date;
}

export async function sendCallback(url: string, payload: CallbackPayload, options: CallbackSendOptions): Promise<void> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'Idempotency-Key': options.idempotencyKey };
  if (options.secret !== undefined) Object.assign(headers, signatureHeaders(options.secret, body, options.now));
  await postJson(url, body, { headers, timeoutMs: options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS, outbound: options.outbound });
}

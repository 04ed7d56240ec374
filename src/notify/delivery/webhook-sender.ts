// Generic webhooks: a JSON POST of the notification (purpose, sender, properties and
// the rendered texts) with `Idempotency-Key: <uid>/<channel>`; signed like callbacks (callback-sender.ts) when
// the channel names a Secret.
import { DEFAULT_HTTP_TIMEOUT_MS, postJson, type OutboundHttp } from './http.ts';
import { signatureHeaders } from './signature.ts';

export interface WebhookContent {
  notification: { namespace: string; name: string; uid: string };
  purpose: string;
  sender?: { type?: string; name?: string };
  properties: Record<string, unknown>;
  subject: string;
  text: string;
}

export interface WebhookSendOptions {
  idempotencyKey: string;
  /** The shared secret that signs the body; unsigned without one. */
  secret?: string | Buffer;
  timeoutMs?: number;
  /** The outbound policy's client (default: the strict policy). */
  outbound?: OutboundHttp;
  now?: Date;
}

/** The body: the same bytes for every attempt (the signature and its timestamp are headers). */
export function webhookPayload(content: WebhookContent): Record<string, unknown> {
  return {
    notification: content.notification,
    purpose: content.purpose,
    sender: content.sender ?? {},
    properties: content.properties,
    message: { subject: content.subject, text: content.text },
  };
}

export async function sendWebhook(url: string, content: WebhookContent, options: WebhookSendOptions): Promise<void> {
  const body = JSON.stringify(webhookPayload(content));
  const headers: Record<string, string> = { 'Idempotency-Key': options.idempotencyKey };
  if (options.secret !== undefined) Object.assign(headers, signatureHeaders(options.secret, body, options.now));
  await postJson(url, body, { headers, timeoutMs: options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS, outbound: options.outbound });
}

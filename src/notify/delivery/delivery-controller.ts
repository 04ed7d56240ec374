// The notification delivery controller. For each Notification it delivers every
// channel (NotificationChannel refs, else the fallback e-mail through the default SMTP server, and
// the signed callback as the channel `callback`) exactly once as far as the status can tell:
//   - a channel marked `sent` is never attempted again;
//   - before sending, the Notification is read from the API server (not the cache), so a cache that
//     has not yet seen our last status write cannot cause a resend;
//   - each success is written to /status at once, before the next channel is tried, so a crash
//     re-sends at most the one message in flight, which the receiver de-duplicates by its
//     Message-ID / Idempotency-Key (derived from the Notification's uid and the channel key);
//   - failures retry with exponential backoff (1 s doubling, capped at 1 h) until the maximum age
//     (72 h; callbacks 3 days), then Delivered=False/GaveUp.
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { Controller } from '../../runtime/controller.ts';
import { shrinkForCache, type InformerEvent } from '../../runtime/informer.ts';
import { OwnWrites } from '../../runtime/own-writes.ts';
import { isNotFound, PatchType, type KubeClient } from '../../runtime/kube-client.ts';
import type { Manager } from '../../runtime/manager.ts';
import { objectKey, objectPath, splitKey } from '../../runtime/resource.ts';
import { optedInToSigning, signingSecretRefusal } from '../../authorization/secret-use.ts';
import { channelAccepts, channelRefusal } from '../channel-access.ts';
import { renderNotification, templateName, TemplateError, type RenderedMessage } from '../templates/render.ts';
import { DEFAULT_CALLBACK_MAX_AGE_MS, DEFAULT_MAX_AGE_MS, type BackoffOptions } from './backoff.ts';
import { callbackPayload, sendCallback } from './callback-sender.ts';
import { sendChat } from './chat-sender.ts';
import { EmailSender, messageIdFor, redactSmtpUrl, type SmtpTimeouts } from './email-sender.ts';
import { DeliveryError, OutboundHttp } from './http.ts';
import type { OutboundPolicyOptions } from './outbound-policy.ts';
import { filterRecipients, isSafeSender, shownAddress } from './recipients.ts';
import {
  DELIVERED,
  deliveredCondition,
  deliveryStatusPatch,
  failedState,
  isDue,
  isSettled,
  nextRequeueMs,
  sentState,
  statePatch,
  targetsOf,
  type Target,
} from './status.ts';
import {
  notificationChannelResource,
  notificationTemplateResource,
  notificationResource,
  secretResource,
  type ChannelDeliveryState,
  type NotificationChannel,
  type NotificationTemplate,
  type Notification,
  type SecretKeyRef,
  type TemplateKind,
} from './types.ts';
import { sendWebhook } from './webhook-sender.ts';

export { isSettled } from './status.ts';

export interface DeliveryControllerOptions {
  client: KubeClient;
  log: Logger;
  /** The default SMTP server (`--smtp-url`): fallback e-mail and e-mail channels. No e-mail without it. */
  smtpUrl?: string;
  /** The default sender address (`--mail-from`); an e-mail channel may name its own. */
  mailFrom?: string;
  /** Recipient domains e-mail may go to (subdomains included); empty or absent: any. */
  allowedRecipientDomains?: string[];
  /** How long a channel is retried, from the Notification's creation (default 72 h). */
  maxAgeMs?: number;
  /** How long a callback is retried (default 3 days). */
  callbackMaxAgeMs?: number;
  now?: () => Date;
  /** Where operator-wide NotificationTemplates live (overridden by one in the Notification's namespace). */
  operatorNamespace?: string;
  /** First retry delay (default 1 s); doubles per failed attempt. */
  baseDelayMs?: number;
  /** Longest retry delay (default 1 h). */
  maxDelayMs?: number;
  /** Timeout of one chat, webhook or callback POST (default 10 s). */
  httpTimeoutMs?: number;
  smtpTimeouts?: SmtpTimeouts;
  /** Concurrent reconciles (default 4): deliveries wait on the network, not on the CPU. */
  workers?: number;
  /**
   * Where chat, webhook and callback POSTs may go (outbound-policy.ts): https only and global
   * addresses only by default; `allow` (--allow-outbound), `deny` (--deny-outbound),
   * `allowInsecureHttp` (--allow-insecure-http). The API server of `client` is never reached.
   */
  outbound?: Pick<OutboundPolicyOptions, 'allow' | 'deny' | 'allowInsecureHttp'>;
  /** The approvals console (`--console-url`): texts and chat cards link to the object's page. */
  consoleUrl?: string;
}

export const DELIVERY_CONTROLLER_NAME = 'notification-delivery';
const DEFAULT_FROM = 'approval-operator@localhost';

interface AttemptResult {
  ok: boolean;
  /** The error, or for a success what was skipped (recipients outside the allow-list, rejected ones). */
  message?: string;
  /** For the log only: the cause behind a failure the status words carefully. */
  detail?: string;
}

/** The API server of the operator's kubeconfig: an endpoint deliveries never reach. */
export function apiServerEndpoint(server: string): { host: string; port: number; label: string } | undefined {
  try {
    const url = new URL(server);
    return { host: url.hostname, port: Number(url.port) || (url.protocol === 'http:' ? 80 : 443), label: 'the Kubernetes API server' };
  } catch {
    return undefined;
  }
}

/** Whether a channel's `ignore` list names `purpose` (exact, or a pattern with `*`). */
export function ignoresPurpose(ignore: readonly string[] | undefined, purpose: string): boolean {
  return (ignore ?? []).some((pattern) => {
    if (!pattern.includes('*')) return pattern === purpose;
    const regex = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return regex.test(purpose);
  });
}

function deliveriesCounter(registry: Registry): Counter<'channel_type' | 'result'> {
  const name = 'approval_operator_notification_deliveries_total';
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'channel_type' | 'result'>;
  return new Counter({
    name,
    help: 'Notification delivery attempts by channel type (email, chat, webhook, callback) and result (sent, failed, gave_up).',
    labelNames: ['channel_type', 'result'],
    registers: [registry],
  });
}

/**
 * What the cache keeps of an unsettled Notification: everything but its template properties, the
 * bulk of it. The cache only plans (which targets are due, the Delivered condition); every send
 * reads the live object first.
 */
export function plannedOnly(notification: Notification): Notification {
  const shrunk = shrinkForCache(notification);
  if (shrunk.spec?.properties !== undefined) delete shrunk.spec.properties;
  return shrunk;
}

export function createDeliveryController(manager: Manager, options: DeliveryControllerOptions): Controller {
  const { client, log } = options;
  const now = options.now ?? (() => new Date());
  const backoff: BackoffOptions = { baseDelayMs: options.baseDelayMs, maxDelayMs: options.maxDelayMs };
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const callbackMaxAgeMs = options.callbackMaxAgeMs ?? DEFAULT_CALLBACK_MAX_AGE_MS;
  const notifications = manager.informer<Notification>(notificationResource, { transform: plannedOnly, keep: (n) => !isSettled(n) });
  const channels = manager.informer<NotificationChannel>(notificationChannelResource);
  const templates = manager.informer<NotificationTemplate>(notificationTemplateResource);
  const deliveries = deliveriesCounter(manager.metrics.registry);
  const email = options.smtpUrl ? new EmailSender(options.smtpUrl, options.smtpTimeouts) : undefined;
  if (email) log.info({ smtp: redactSmtpUrl(email.smtpUrl), allowedRecipientDomains: options.allowedRecipientDomains }, 'notification e-mail enabled');
  const apiServer = apiServerEndpoint(client.server);
  const outbound = new OutboundHttp({ ...options.outbound, protectedEndpoints: apiServer ? [apiServer] : [] });
  log.info(
    { allow: options.outbound?.allow ?? [], deny: options.outbound?.deny ?? [], allowInsecureHttp: outbound.policy.allowInsecureHttp },
    'outbound policy for chat, webhook and callback deliveries',
  );

  const channelTypeOf = (target: Target): string => {
    if (target.kind === 'callback') return 'callback';
    if (target.kind === 'fallback-email') return 'email';
    const channel = channels.cache.get(`${target.ref!.namespace}/${target.ref!.name}`);
    return channel?.spec.email ? 'email' : channel?.spec.chat ? 'chat' : channel?.spec.webhook ? 'webhook' : 'unknown';
  };

  /** The override of `<purpose>--<kind>`: the Notification's namespace first, then the operator's. */
  const overrideOf = (notification: Notification, kind: TemplateKind): NotificationTemplate | undefined => {
    const name = templateName(notification.spec.purpose, kind);
    const namespaces = [notification.metadata.namespace, options.operatorNamespace].filter((ns): ns is string => !!ns);
    for (const namespace of new Set(namespaces)) {
      const template = templates.cache.get(`${namespace}/${name}`);
      if (template?.spec) return template;
    }
    return undefined;
  };

  const render = (notification: Notification, kind: TemplateKind): RenderedMessage => {
    const properties = (notification.spec.properties ?? {}) as Record<string, unknown>;
    const override = overrideOf(notification, kind);
    try {
      return renderNotification(notification.spec.purpose, properties, kind, override?.spec, { consoleUrl: options.consoleUrl });
    } catch (err) {
      if (!(err instanceof TemplateError) || !override) throw err;
      log.warn(
        { notification: objectKey(notification.metadata), template: objectKey(override.metadata), err: err.message },
        'notification template override failed; using the built-in template',
      );
      return renderNotification(notification.spec.purpose, properties, kind, undefined, { consoleUrl: options.consoleUrl });
    }
  };

  /**
   * The value of a signing Secret's key, read now (never cached, never logged). The Secret must
   * carry the opt-in label; a missing Secret, a missing key, a Secret without the label and one the
   * operator may not read all give the same message, so a secretRef cannot probe which exist.
   */
  const readSecret = async (namespace: string, ref: SecretKeyRef): Promise<Buffer> => {
    const refusal = signingSecretRefusal(namespace, ref);
    let secret: { metadata?: { labels?: Record<string, string> }; data?: Record<string, string> };
    try {
      secret = await client.get<typeof secret>(objectPath(secretResource, namespace, ref.name));
    } catch (err) {
      const status = (err as { status?: number }).status;
      // Errors other than "not there" or "not allowed" (the API server unavailable) are the operator's trouble, not the writer's.
      if (isNotFound(err) || status === 403) throw new DeliveryError(refusal, isNotFound(err) ? 'not found' : 'forbidden to the operator');
      throw new DeliveryError(`reading Secret "${ref.name}" failed (the operator log has the cause)`, (err as Error).message);
    }
    const value = secret.data?.[ref.key];
    if (!optedInToSigning(secret)) throw new DeliveryError(refusal, 'no opt-in label');
    if (value === undefined) throw new DeliveryError(refusal, 'no such key');
    return Buffer.from(value, 'base64');
  };

  const sendMail = async (notification: Notification, target: Target, recipients: string[], from: string | undefined): Promise<AttemptResult> => {
    if (!email) return { ok: false, message: 'no SMTP server configured (--smtp-url)' };
    if (from && !isSafeSender(from)) return { ok: false, message: `the channel's email.from ${shownAddress(from)} is not one plain address or "Name <address>"` };
    const { allowed, skipped, invalid } = filterRecipients(recipients, options.allowedRecipientDomains);
    const invalidNote = invalid.length > 0 ? `dropped invalid address${invalid.length > 1 ? 'es' : ''} ${invalid.map(shownAddress).join(', ')} (one plain address local@domain each)` : undefined;
    const skippedNote = skipped.length > 0 ? `skipped recipients outside the allowed domains: ${skipped.join(', ')}` : undefined;
    const notes = [invalidNote, skippedNote].filter(Boolean).join('; ');
    if (allowed.length === 0) {
      if (recipients.length === 0) return { ok: false, message: 'no recipients' };
      return { ok: false, message: invalid.length > 0 ? `no valid recipient: ${notes}` : `no recipient in the allowed domains (${skippedNote})` };
    }
    const message = render(notification, 'mail');
    const sender = from || options.mailFrom || DEFAULT_FROM;
    const result = await email.send({
      from: sender,
      to: allowed,
      subject: message.subject,
      text: message.text,
      html: message.html,
      messageId: messageIdFor(notification.metadata.uid ?? '', target.key, sender),
      headers: { 'X-Approval-Notification': objectKey(notification.metadata), 'X-Approval-Purpose': notification.spec.purpose },
    });
    const rejectedNote = result.rejected.length > 0 ? `rejected by the SMTP server: ${result.rejected.join(', ')}` : undefined;
    return { ok: true, message: [notes, rejectedNote].filter(Boolean).join('; ') || undefined };
  };

  const idempotencyKey = (notification: Notification, target: Target) => `${notification.metadata.uid ?? ''}/${target.key}`;

  const attempt = async (notification: Notification, target: Target): Promise<AttemptResult> => {
    const namespace = notification.metadata.namespace ?? '';
    const properties = (notification.spec.properties ?? {}) as Record<string, unknown>;
    const ident = { namespace, name: notification.metadata.name, uid: notification.metadata.uid ?? '' };
    const timeoutMs = options.httpTimeoutMs;
    if (target.kind === 'fallback-email') return sendMail(notification, target, notification.spec.fallbackEmail?.recipients ?? [], undefined);
    if (target.kind === 'callback') {
      const callback = notification.spec.callback!;
      const secret = callback.secretRef ? await readSecret(namespace, callback.secretRef) : undefined;
      await sendCallback(callback.url, callbackPayload(notification), { idempotencyKey: idempotencyKey(notification, target), secret, timeoutMs, outbound });
      return { ok: true };
    }
    const ref = target.ref!;
    const channel = channels.cache.get(`${ref.namespace}/${ref.name}`);
    if (!channel) return { ok: false, message: `NotificationChannel ${ref.namespace}/${ref.name} not found` };
    // Creation only names channels that accept the Notification's namespace; a hand-written (or older) Notification is checked here.
    if (!channelAccepts(channel, namespace)) return { ok: false, message: channelRefusal(ref, namespace) };
    const { email: mail, chat, webhook } = channel.spec;
    if (mail) return sendMail(notification, target, mail.recipients ?? [], mail.from);
    if (chat) {
      const message = render(notification, 'chat');
      await sendChat(
        chat.webhookUrl,
        chat.format ?? 'generic',
        { subject: message.subject, text: message.text, purpose: notification.spec.purpose, notification: ident, properties, link: message.link },
        { idempotencyKey: idempotencyKey(notification, target), timeoutMs, outbound },
      );
      return { ok: true };
    }
    if (webhook) {
      const message = render(notification, 'webhook');
      const secret = webhook.secretRef ? await readSecret(ref.namespace, webhook.secretRef) : undefined;
      await sendWebhook(
        webhook.url,
        { notification: ident, purpose: notification.spec.purpose, sender: notification.spec.sender, properties, subject: message.subject, text: message.text },
        { idempotencyKey: idempotencyKey(notification, target), secret, timeoutMs, outbound },
      );
      return { ok: true };
    }
    return { ok: false, message: `NotificationChannel ${ref.namespace}/${ref.name} has no email, chat or webhook` };
  };

  /** The channels to deliver to, without those whose channel ignores the purpose. */
  const plan = (notification: Notification) => {
    const ignored: string[] = [];
    const targets = targetsOf(notification).filter((target) => {
      if (target.kind !== 'channel') return true;
      const channel = channels.cache.get(`${target.ref!.namespace}/${target.ref!.name}`);
      if (channel && ignoresPurpose(channel.spec.ignore, notification.spec.purpose)) {
        ignored.push(target.key);
        return false;
      }
      return true;
    });
    return { targets, ignored };
  };

  // Our last status write per Notification, until the cache has caught up with it: a reconcile on
  // an older cached copy reads the live object instead (no stale decisions, no condition written
  // from outdated states).
  const written = new OwnWrites();

  const patchStatus = async (notification: Notification, patch: Record<string, unknown>): Promise<Notification> => {
    const updated = await client.patch<Notification>(
      objectPath(notificationResource, notification.metadata.namespace, notification.metadata.name, 'status'),
      { status: patch },
      PatchType.merge,
    );
    written.remember(objectKey(updated.metadata), updated.metadata.resourceVersion);
    return updated;
  };

  const getLive = async (key: string): Promise<Notification | undefined> => {
    const { namespace, name } = splitKey(key);
    return client.getIfExists<Notification>(objectPath(notificationResource, namespace, name));
  };

  const reconcile = async (key: string): Promise<{ requeueAfterMs?: number } | void> => {
    const cached = notifications.cache.get(key);
    if (!cached || cached.metadata.deletionTimestamp) {
      written.forget(key);
      return;
    }
    let live: Notification | undefined;
    if (written.isBehind(key, cached.metadata.resourceVersion)) {
      live = await getLive(key);
      if (!live) return;
      written.remember(key, live.metadata.resourceVersion);
    }
    const at = now();
    const current = live ?? cached;
    if (!plan(current).targets.some((target) => isDue(current.status?.states?.[target.key], at))) {
      return finish(current, at);
    }
    // Something is due: decide on the live object, not on a cache that may lag our last write.
    live ??= await getLive(key);
    if (!live || live.metadata.deletionTimestamp) return;
    const { targets } = plan(live);
    const states: Record<string, ChannelDeliveryState> = { ...live.status?.states };
    const createdAt = new Date(live.metadata.creationTimestamp ?? at.toISOString());
    const startedAt = now();
    const due = targets.filter((target) => isDue(states[target.key], startedAt));
    for (const [index, target] of due.entries()) {
      const previous = states[target.key];
      const channelType = channelTypeOf(target);
      let result: AttemptResult;
      try {
        result = await attempt(live, target);
      } catch (err) {
        result = { ok: false, message: err instanceof Error ? err.message : String(err), detail: err instanceof DeliveryError ? err.detail : undefined };
      }
      const done = now();
      const context = { notification: key, channel: target.key, attempt: (previous?.attempts ?? 0) + 1 };
      if (result.ok) {
        const state = sentState(previous, done, result.message);
        states[target.key] = state;
        deliveries.inc({ channel_type: channelType, result: 'sent' });
        log.info({ ...context, note: result.message }, 'notification delivered');
        // Recorded before anything else is sent, so a crash from here on does not send this channel
        // again. After the last one, the final status write below (right away) records it.
        if (index < due.length - 1) live = await patchStatus(live, { states: { [target.key]: statePatch(state) } });
      } else {
        const state = failedState(previous, done, result.message ?? 'unknown error', createdAt, target.kind === 'callback' ? callbackMaxAgeMs : maxAgeMs, backoff);
        states[target.key] = state;
        const gaveUp = !state.nextAttemptAt;
        deliveries.inc({ channel_type: channelType, result: gaveUp ? 'gave_up' : 'failed' });
        log.warn({ ...context, err: result.message, cause: result.detail, nextAttemptAt: state.nextAttemptAt }, gaveUp ? 'notification delivery gave up' : 'notification delivery failed; will retry');
      }
    }
    return finish(live, now(), states);
  };

  /** Writes the states not yet written and the Delivered condition; schedules the next retry. */
  const finish = async (notification: Notification, at: Date, states = notification.status?.states ?? {}) => {
    const { targets, ignored } = plan(notification);
    const previous = notification.status?.conditions?.find((c) => c.type === DELIVERED);
    const condition = deliveredCondition(targets, states, ignored, at, notification.metadata.generation, previous);
    const patch = deliveryStatusPatch(notification.status, states, condition, notification.metadata.generation);
    if (patch) await patchStatus(notification, patch);
    const requeueAfterMs = nextRequeueMs(targets, states, at);
    return requeueAfterMs === undefined ? undefined : { requeueAfterMs };
  };

  const controller = new Controller({
    name: DELIVERY_CONTROLLER_NAME,
    reconcile,
    log,
    metrics: manager.metrics,
    workers: options.workers ?? 4,
  });
  controller.watch(notifications);
  // A channel that appears (or changes) later: retry the notifications that wait for it now.
  controller.watch(channels, (event: InformerEvent<NotificationChannel>) => {
    if (event.type === 'RESYNC') return [];
    const channelNamespace = event.object.metadata.namespace ?? '';
    const channelName = event.object.metadata.name;
    return notifications.cache
      .list()
      .filter((n) => (n.spec.channels ?? []).some((ref) => ref.name === channelName && (ref.namespace || n.metadata.namespace) === channelNamespace))
      .filter((n) => n.status?.conditions?.find((c) => c.type === DELIVERED)?.status !== 'True')
      .map((n) => objectKey(n.metadata));
  });
  return controller;
}

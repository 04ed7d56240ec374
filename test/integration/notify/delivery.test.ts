// Notification delivery against the real API server, a real SMTP server
// (smtp-server on 127.0.0.1) and a real HTTP receiver: Notifications are created directly, as
// creation does, and a Manager runs only the delivery controller (with a short backoff).
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Notification } from '../../../src/api/types.ts';
import { notificationChannelResource, notificationResource, notificationTemplateResource } from '../../../src/api/resources.ts';
import { createDeliveryController, DELIVERY_CONTROLLER_NAME, type DeliveryControllerOptions } from '../../../src/notify/delivery/delivery-controller.ts';
import { messageIdFor } from '../../../src/notify/delivery/email-sender.ts';
import { renderNotification } from '../../../src/notify/templates/render.ts';
import { PatchType, type KubeClient } from '../../../src/runtime/kube-client.ts';
import { Manager } from '../../../src/runtime/manager.ts';
import { collectionPath, objectPath } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, eventually, testLogger } from '../../support/cluster.ts';
import { HttpReceiver, LOCAL_RECEIVER_OUTBOUND } from '../../support/http-receiver.ts';
import { installCrds } from '../../support/kubectl.ts';
import { TestSmtpServer } from '../../support/smtp.ts';

const MAIL_FROM = 'approvals@example.com';
const PURPOSE = 'approvalrequest--subscribe--created--decider';

const properties = {
  kind: 'ApprovalRequest',
  action: 'subscribe',
  event: 'created',
  recipient: 'decider',
  state_new: 'Pending',
  requester_team: 'hyperion',
  decider_team: 'platform',
  reason: 'orders need the catalog',
  actor: 'bob',
  target: { kind: 'ApiExposure', namespace: 'prod', name: 'catalog' },
  subject: { kind: 'ApprovalRequest', namespace: 'team-a', name: 'catalog-read', uid: 'req-uid-1' },
};

type Spec = Partial<Notification['spec']>;

async function metricValue(manager: Manager, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await manager.metrics.registry.getSingleMetric(name)?.get();
  const matching = metric?.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)) ?? [];
  return matching.reduce((sum, v) => sum + v.value, 0);
}

describe('notification delivery', () => {
  let client: KubeClient;
  let ns: string;
  const smtp = new TestSmtpServer();
  const receiver = new HttpReceiver();
  const running: Manager[] = [];

  before(async () => {
    client = adminClient();
    await installCrds();
    ns = await createNamespace(client, 'delivery');
    await smtp.start();
    await receiver.start();
  });
  after(async () => {
    for (const manager of running) await manager.stop().catch(() => undefined);
    await smtp.stop();
    await receiver.stop();
    await client.close();
  });

  /** The API writes of the running delivery managers. */
  const writes: Array<{ verb: string; status: number }> = [];

  async function startDelivery(options: Partial<DeliveryControllerOptions> = {}): Promise<Manager> {
    const managerClient = adminClient();
    managerClient.onResponse((verb, status) => verb !== 'GET' && writes.push({ verb, status }));
    const manager = new Manager({ client: managerClient, log: testLogger(), namespace: ns });
    const controller = createDeliveryController(manager, {
      client: managerClient,
      log: testLogger(),
      smtpUrl: smtp.url,
      mailFrom: MAIL_FROM,
      baseDelayMs: 100,
      maxDelayMs: 400,
      smtpTimeouts: { connectionTimeoutMs: 2000, greetingTimeoutMs: 2000, socketTimeoutMs: 5000 },
      // The receiver listens on 127.0.0.1: allowed explicitly (the outbound policy refuses loopback).
      outbound: LOCAL_RECEIVER_OUTBOUND,
      ...options,
    });
    manager.addController(controller);
    await manager.start();
    running.push(manager);
    return manager;
  }

  async function stopDelivery(manager: Manager): Promise<void> {
    await manager.stop();
    running.splice(running.indexOf(manager), 1);
  }

  const create = (name: string, spec: Spec) =>
    client.create<Notification>(collectionPath(notificationResource, ns), {
      apiVersion: 'notification.cp.ei.telekom.de/v1',
      kind: 'Notification',
      metadata: { name },
      spec: { purpose: PURPOSE, sender: { type: 'User', name: 'bob' }, properties: { ...properties, subject: { ...properties.subject, namespace: ns } }, ...spec },
    });
  const get = (name: string) => client.get<Notification>(objectPath(notificationResource, ns, name));
  const delivered = (name: string, reason = 'Delivered', status = 'True') =>
    eventually(
      `${name} Delivered=${status}/${reason}`,
      async () => {
        const notification = await get(name);
        const condition = notification.status?.conditions?.find((c) => c.type === 'Delivered');
        return condition?.status === status && condition.reason === reason ? notification : undefined;
      },
      30_000,
    );
  const createChannel = (name: string, spec: Record<string, unknown>) =>
    client.create(collectionPath(notificationChannelResource, ns), { apiVersion: 'notification.cp.ei.telekom.de/v1', kind: 'NotificationChannel', metadata: { name }, spec });
  // Signing Secrets opt in with the label (docs/security.md, "Outbound requests and Secrets").
  const createSecret = (name: string, data: Record<string, string>) =>
    client.create(`/api/v1/namespaces/${ns}/secrets`, {
      metadata: { name, labels: { 'approval.cp.ei.telekom.de/signing-secret': 'true' } },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    });
  const mailsWithId = (messageId: string) => smtp.messages.filter((m) => m.messageId === messageId);

  it('(a) e-mails the fallback recipients in the allowed domains with the rendered subject and a stable Message-ID', async () => {
    const manager = await startDelivery({ allowedRecipientDomains: ['example.com'] });
    try {
      writes.length = 0;
      const created = await create('fallback-mail', { fallbackEmail: { recipients: ['team-a@example.com', 'spy@evil.test'] } });
      const notification = await delivered('fallback-mail');
      const messageId = messageIdFor(created.metadata.uid!, 'fallback-email', MAIL_FROM);
      const [mail] = mailsWithId(messageId);
      assert.ok(mail, 'the mail arrived with the derived Message-ID');
      assert.equal(mail.subject, renderNotification(PURPOSE, created.spec.properties ?? {}, 'mail').subject);
      assert.match(mail.subject, /New subscribe request from team hyperion for ApiExposure prod\/catalog/);
      assert.deepEqual(mail.to, ['team-a@example.com'], 'the recipient outside the allow-list is skipped');
      assert.equal(mail.from, MAIL_FROM);
      assert.match(mail.headers['content-type'] ?? '', /multipart\/alternative/, 'text and HTML');
      const state = notification.status?.states?.['fallback-email'];
      assert.equal(state?.sent, true);
      assert.equal(state?.attempts, 1);
      assert.match(state?.errorMessage ?? '', /skipped recipients outside the allowed domains: spy@evil.test/);
      assert.equal(notification.status?.observedGeneration, notification.metadata.generation);
      await sleep(300);
      assert.deepEqual(writes, [{ verb: 'PATCH', status: 200 }], 'one status write for a notification delivered at once');
    } finally {
      await stopDelivery(manager);
    }
  });

  it('(b) retries a chat webhook that fails 3 times: one successful delivery, attempts=4', async () => {
    await createChannel('team-chat', { chat: { webhookUrl: receiver.url('/chat'), format: 'slack' } });
    const manager = await startDelivery();
    try {
      receiver.failNext(3);
      const created = await create('chat-retry', { channels: [{ name: 'team-chat', namespace: ns }] });
      const notification = await delivered('chat-retry');
      const key = `${ns}/team-chat`;
      assert.equal(notification.status?.states?.[key]?.attempts, 4);
      assert.equal(notification.status?.states?.[key]?.sent, true);
      assert.equal(notification.status?.states?.[key]?.nextAttemptAt, undefined);
      await sleep(1000);
      const requests = receiver.received('/chat');
      assert.equal(requests.length, 4);
      assert.equal(receiver.received('/chat', true).length, 1, 'exactly one successful delivery');
      assert.deepEqual(new Set(requests.map((r) => r.headers['idempotency-key'])), new Set([`${created.metadata.uid}/${key}`]), 'one Idempotency-Key for every attempt');
      const body = JSON.parse(requests.at(-1)!.body) as { text: string; blocks: Array<{ type: string }> };
      assert.equal(body.blocks[0]?.type, 'header');
      assert.equal(await metricValue(manager, 'approval_operator_notification_deliveries_total', { channel_type: 'chat', result: 'failed' }), 3);
      assert.equal(await metricValue(manager, 'approval_operator_notification_deliveries_total', { channel_type: 'chat', result: 'sent' }), 1);
    } finally {
      await stopDelivery(manager);
    }
  });

  it('(c) delivers later when the SMTP server was down, and loses nothing', async () => {
    const manager = await startDelivery();
    try {
      await smtp.stop();
      const created = await create('smtp-down', { fallbackEmail: { recipients: ['team-a@example.com'] } });
      const retrying = await eventually(
        'failed attempts while SMTP is down',
        async () => {
          const notification = await get('smtp-down');
          const state = notification.status?.states?.['fallback-email'];
          return state && !state.sent && (state.attempts ?? 0) >= 2 ? notification : undefined;
        },
        30_000,
      );
      assert.equal(retrying.status?.conditions?.find((c) => c.type === 'Delivered')?.reason, 'Retrying');
      assert.match(retrying.status?.states?.['fallback-email']?.errorMessage ?? '', /SMTP 127\.0\.0\.1:\d+: .*ECONN/);
      assert.ok(retrying.status?.states?.['fallback-email']?.nextAttemptAt);
      await smtp.start();
      const notification = await delivered('smtp-down');
      assert.ok((notification.status?.states?.['fallback-email']?.attempts ?? 0) >= 3);
      await sleep(500);
      assert.equal(mailsWithId(messageIdFor(created.metadata.uid!, 'fallback-email', MAIL_FROM)).length, 1, 'exactly one mail');
    } finally {
      await stopDelivery(manager);
    }
  });

  it('(d) signs the callback and a webhook with the Secret read at send time; the receiver verifies both', async () => {
    const secret = 'callback-shared-secret';
    await createChannel('team-hook', { webhook: { url: receiver.url('/hook'), secretRef: { name: 'hook-secret', key: 'hmac' } } });
    await createSecret('hook-secret', { hmac: 'webhook-secret' });
    const manager = await startDelivery();
    try {
      const created = await create('callback', {
        channels: [{ name: 'team-hook', namespace: ns }],
        properties: { ...properties, subject: { ...properties.subject, namespace: ns }, callback_status: 'approved', comment: 'LGTM', actor_email: 'bob@example.com', correlation_id: 'deploy-7' },
        callback: { url: receiver.url('/callback'), secretRef: { name: 'cb-secret', key: 'hmac' } },
      });
      // The Secret does not exist yet: the callback waits for it (and the webhook goes out meanwhile).
      await eventually('the callback to fail for the missing Secret', async () => {
        const state = (await get('callback')).status?.states?.callback;
        return state && !state.sent && /Secret "cb-secret" \(key "hmac"\) cannot sign/.test(state.errorMessage ?? '');
      });
      await createSecret('cb-secret', { hmac: secret });
      const notification = await delivered('callback');
      assert.equal(notification.status?.states?.callback?.sent, true);

      const [callback] = receiver.received('/callback', true);
      assert.ok(callback);
      const timestamp = callback.headers['x-approval-timestamp'] as string;
      const signature = callback.headers['x-approval-signature-256'] as string;
      const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${callback.body}`).digest('hex')}`;
      assert.ok(timingSafeEqual(Buffer.from(signature), Buffer.from(expected)), 'the signature verifies with the shared secret');
      assert.ok(Math.abs(Date.now() / 1000 - Number(timestamp)) < 60);
      assert.deepEqual(JSON.parse(callback.body), {
        approvalRequest: { name: 'catalog-read', namespace: ns, uid: 'req-uid-1' },
        status: 'approved',
        actionedComment: 'LGTM',
        actionedAt: created.metadata.creationTimestamp,
        actionedBy: { name: 'bob', email: 'bob@example.com' },
        correlationId: 'deploy-7',
      });
      assert.equal(callback.headers['idempotency-key'], `${created.metadata.uid}/callback`);

      const [hook] = receiver.received('/hook', true);
      assert.ok(hook);
      const hookExpected = `sha256=${createHmac('sha256', 'webhook-secret').update(`${hook.headers['x-approval-timestamp'] as string}.${hook.body}`).digest('hex')}`;
      assert.equal(hook.headers['x-approval-signature-256'], hookExpected);
      const payload = JSON.parse(hook.body) as { notification: { uid: string }; purpose: string; message: { subject: string } };
      assert.equal(payload.notification.uid, created.metadata.uid);
      assert.equal(payload.purpose, PURPOSE);
      assert.match(payload.message.subject, /New subscribe request/);
    } finally {
      await stopDelivery(manager);
    }
  });

  it('(e) never sends a delivered channel again: not after a restart, not when marked sent before a crash', async () => {
    await createChannel('restart-chat', { chat: { webhookUrl: receiver.url('/restart'), format: 'teams' } });
    await createChannel('crash-chat', { chat: { webhookUrl: receiver.url('/crash'), format: 'generic' } });
    const first = await startDelivery();
    await create('restart', { channels: [{ name: 'restart-chat', namespace: ns }], fallbackEmail: undefined });
    const before = await delivered('restart');
    await stopDelivery(first);
    assert.equal(receiver.received('/restart').length, 1);

    // A crash right after sending to crash-chat, before the second channel: its state says sent.
    const crashed = await create('crash', { channels: [{ name: 'crash-chat', namespace: ns }, { name: 'restart-chat', namespace: ns }] });
    await client.patch(
      objectPath(notificationResource, ns, 'crash', 'status'),
      { status: { states: { [`${ns}/crash-chat`]: { sent: true, attempts: 1, timestamp: new Date().toISOString() } } } },
      PatchType.merge,
    );

    const second = await startDelivery();
    try {
      const notification = await delivered('crash');
      assert.equal(receiver.received('/crash').length, 0, 'the channel marked sent is not sent again');
      assert.equal(notification.status?.states?.[`${ns}/restart-chat`]?.sent, true);
      const restartRequests = receiver.received('/restart');
      assert.equal(restartRequests.length, 2, 'one for "restart", one for "crash"');
      assert.equal(restartRequests[1]!.headers['idempotency-key'], `${crashed.metadata.uid}/${ns}/restart-chat`);
      await eventually('the new manager to have reconciled "restart"', async () => (await metricValue(second, 'approval_operator_reconcile_total', { controller: DELIVERY_CONTROLLER_NAME })) >= 2);
      await sleep(500);
      const after = await get('restart');
      assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'a delivered Notification costs no write after a restart');
      const teams = JSON.parse(restartRequests[0]!.body) as { type: string; attachments: Array<{ contentType: string }> };
      assert.equal(teams.type, 'message');
      assert.equal(teams.attachments[0]?.contentType, 'application/vnd.microsoft.card.adaptive');
    } finally {
      await stopDelivery(second);
    }
  });

  it('(f) uses a NotificationTemplate override and skips channels that ignore the purpose', async () => {
    await createChannel('quiet-chat', { chat: { webhookUrl: receiver.url('/quiet') }, ignore: ['approvalrequest--*--decider'] });
    await createChannel('override-mail', { email: { recipients: ['ops@example.com'], from: 'Ops <ops@example.com>' } });
    await client.create(collectionPath(notificationTemplateResource, ns), {
      apiVersion: 'notification.cp.ei.telekom.de/v1',
      kind: 'NotificationTemplate',
      metadata: { name: `${PURPOSE}--mail` },
      spec: { subject: 'Custom: {{requester_team}} wants {{target.name}}', body: 'Reason: {{reason}}' },
    });
    const manager = await startDelivery();
    try {
      const created = await create('override', { channels: [{ name: 'quiet-chat', namespace: ns }, { name: 'override-mail', namespace: ns }] });
      const notification = await delivered('override');
      assert.match(notification.status?.conditions?.find((c) => c.type === 'Delivered')?.message ?? '', /quiet-chat ignore this purpose/);
      assert.equal(notification.status?.states?.[`${ns}/quiet-chat`], undefined);
      assert.equal(receiver.received('/quiet').length, 0);
      const [mail] = mailsWithId(messageIdFor(created.metadata.uid!, `${ns}/override-mail`, 'ops@example.com'));
      assert.ok(mail);
      assert.equal(mail.subject, 'Custom: hyperion wants catalog');
      assert.equal(mail.from, 'ops@example.com');
      assert.match(mail.headers['content-type'] ?? '', /text\/plain/, 'an override without html sends text only');
    } finally {
      await stopDelivery(manager);
    }
  });

  it('(g) gives up after the maximum age: Delivered=False/GaveUp and no more attempts', async () => {
    await createChannel('dead-hook', { webhook: { url: receiver.url('/dead') } });
    const manager = await startDelivery({ maxAgeMs: 1500 });
    try {
      receiver.failNext(1_000);
      await create('gave-up', { channels: [{ name: 'dead-hook', namespace: ns }] });
      const notification = await delivered('gave-up', 'GaveUp', 'False');
      const state = notification.status?.states?.[`${ns}/dead-hook`];
      assert.equal(state?.sent, false);
      assert.equal(state?.nextAttemptAt, undefined);
      assert.match(state?.errorMessage ?? '', /HTTP 500/);
      const attempts = receiver.received('/dead').length;
      assert.equal(attempts, state?.attempts);
      await sleep(1000);
      assert.equal(receiver.received('/dead').length, attempts, 'no attempt after giving up');
    } finally {
      receiver.failNext(0);
      await stopDelivery(manager);
    }
  });
});

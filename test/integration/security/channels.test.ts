// NotificationChannels of other namespaces (threat model: docs/security.md, "Outbound requests and
// Secrets"). A request names its teams' applicationRef namespaces, and their channels receive its
// notifications. Naming a victim's namespace must not make the operator deliver requester-written
// text to the victim's webhook, signed with the victim's Secret: a channel serves requests of
// other namespaces only when its annotation notification.cp.ei.telekom.de/accept-from-namespaces
// names them (or is "*"); otherwise the team's teamEmail gets the e-mail fallback. Delivery checks
// the same again for Notifications written by hand.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Notification } from '../../../src/api/types.ts';
import { notificationChannelResource, notificationResource } from '../../../src/api/resources.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath, objectPath } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, eventually } from '../../support/cluster.ts';
import { HttpReceiver, LOCAL_RECEIVER_OUTBOUND } from '../../support/http-receiver.ts';
import { installCrds } from '../../support/kubectl.ts';
import { notificationHelpers, simpleRequest } from '../../support/notifications.ts';
import { startOperator, type RunningOperator } from '../../support/operator.ts';
import { TestSmtpServer } from '../../support/smtp.ts';

const ACCEPT_ANNOTATION = 'notification.cp.ei.telekom.de/accept-from-namespaces';
const SIGNING_SECRET_LABEL = 'approval.cp.ei.telekom.de/signing-secret';

describe("NotificationChannels of other namespaces", () => {
  let client: KubeClient;
  let ns: string;
  let victimNs: string;
  let partnerNs: string;
  let operator: RunningOperator;
  const smtp = new TestSmtpServer();
  const receiver = new HttpReceiver();
  const helpers = notificationHelpers(adminClient(), () => ns);

  const createChannel = (namespace: string, name: string, path: string, annotations?: Record<string, string>) =>
    client.create(collectionPath(notificationChannelResource, namespace), {
      apiVersion: 'notification.cp.ei.telekom.de/v1',
      kind: 'NotificationChannel',
      metadata: { name, ...(annotations ? { annotations } : {}) },
      spec: { webhook: { url: receiver.url(path), secretRef: { name: 'hook-key', key: 'hmac' } } },
    });
  const createSigningSecret = (namespace: string) =>
    client.create(`/api/v1/namespaces/${namespace}/secrets`, {
      metadata: { name: 'hook-key', labels: { [SIGNING_SECRET_LABEL]: 'true' } },
      data: { hmac: Buffer.from(`${namespace}-secret`).toString('base64') },
    });
  const requesterIn = (namespace: string, email = 'shop@example.com') => ({ teamName: 'shop', teamEmail: email, reason: 'text the requester wrote', applicationRef: { name: 'app', namespace } });

  before(async () => {
    client = adminClient();
    await installCrds();
    await smtp.start();
    await receiver.start();
    ns = await createNamespace(client, 'channels-requester');
    victimNs = await createNamespace(client, 'channels-victim');
    partnerNs = await createNamespace(client, 'channels-partner');
    await createSigningSecret(victimNs);
    await createSigningSecret(partnerNs);
    await createChannel(victimNs, 'victim-hook', '/victim');
    await createChannel(partnerNs, 'partner-hook', '/partner', { [ACCEPT_ANNOTATION]: `other-ns, ${ns}` });
    // Channels live in other namespaces: this operator watches all of them.
    operator = await startOperator({ delivery: { smtpUrl: smtp.url, baseDelayMs: 100, maxDelayMs: 400, outbound: LOCAL_RECEIVER_OUTBOUND } });
  });
  after(async () => {
    await operator?.stop();
    await smtp.stop();
    await receiver.stop();
    await client.close();
  });

  it("does not use another namespace's channel that does not accept the request's namespace: the team's e-mail instead", async () => {
    await helpers.fileAndGrant(simpleRequest('into-victim', { requester: requesterIn(victimNs, 'shop-victim@example.com') }));
    const notification = await helpers.notificationFor('into-victim', 'requester', 'Granted');
    assert.deepEqual(notification.spec.channels, [], "the victim's channel is not used");
    assert.deepEqual(notification.spec.fallbackEmail, { recipients: ['shop-victim@example.com'] });
    await eventually('the fallback e-mail', () => smtp.messages.some((m) => m.to.includes('shop-victim@example.com')));
    await sleep(300);
    assert.equal(receiver.received('/victim').length, 0, "nothing reached the victim's webhook");
  });

  it('uses a channel whose namespace accepts the request namespace (annotation)', async () => {
    await helpers.fileAndGrant(simpleRequest('into-partner', { requester: requesterIn(partnerNs) }));
    const notification = await helpers.notificationFor('into-partner', 'requester', 'Granted');
    assert.deepEqual(notification.spec.channels, [{ name: 'partner-hook', namespace: partnerNs }]);
    const state = await helpers.stateAfter('into-partner', `${partnerNs}/partner-hook`);
    assert.equal(state.sent, true, state.errorMessage ?? '');
    // One message per person per event: the grant's, which names the Approval (its creation sends none of its own).
    const key = `${notification.metadata.uid}/${partnerNs}/partner-hook`;
    assert.equal(receiver.received('/partner', true).filter((r) => r.headers['idempotency-key'] === key).length, 1);
  });

  it('refuses at delivery a hand-written Notification that names a channel not accepting its namespace', async () => {
    await client.create<Notification>(collectionPath(notificationResource, ns), {
      apiVersion: 'notification.cp.ei.telekom.de/v1',
      kind: 'Notification',
      metadata: { name: 'hand-written' },
      spec: {
        purpose: 'approvalrequest--subscribe--created--decider',
        sender: { type: 'User', name: 'carol' },
        channels: [{ name: 'victim-hook', namespace: victimNs }],
        properties: { state_new: 'Pending', requester_team: 'shop', reason: 'text the requester wrote' },
      },
    });
    const state = await eventually('the refusal', async () => {
      const current = await client.get<Notification>(objectPath(notificationResource, ns, 'hand-written'));
      const entry = current.status?.states?.[`${victimNs}/victim-hook`];
      return entry && (entry.sent || (entry.attempts ?? 0) >= 2) ? entry : undefined;
    });
    assert.equal(state.sent, false);
    assert.equal(
      state.errorMessage,
      `NotificationChannel ${victimNs}/victim-hook does not accept notifications from namespace ${ns} (annotation ${ACCEPT_ANNOTATION})`,
    );
    assert.equal(receiver.received('/victim').length, 0);
  });
});

// Notifications end to end: the operator with delivery on, a real
// SMTP server and a real HTTP receiver on 127.0.0.1. Requests are applied from config/samples.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Approval, Notification } from '../../../src/api/types.ts';
import { approvalResource, notificationResource } from '../../../src/api/resources.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath, objectPath } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, eventually } from '../../support/cluster.ts';
import { HttpReceiver, LOCAL_RECEIVER_OUTBOUND } from '../../support/http-receiver.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { installCrds, kubectlOk, samplePath } from '../../support/kubectl.ts';
import { startOperator } from '../../support/operator.ts';
import { TestSmtpServer } from '../../support/smtp.ts';

describe('notifications end to end', () => {
  let client: KubeClient;
  let ns: string;
  let operator: Awaited<ReturnType<typeof startOperator>>;
  const smtp = new TestSmtpServer();
  const receiver = new HttpReceiver();

  // Scoped to the test's namespace (--namespace): earlier test files left undelivered Notifications elsewhere.
  const start = () =>
    startOperator({
      namespace: ns,
      // The callback receiver listens on 127.0.0.1: allowed explicitly (the outbound policy refuses loopback).
      delivery: { smtpUrl: `smtp://127.0.0.1:${smtp.port}`, mailFrom: 'approvals@example.com', baseDelayMs: 200, maxDelayMs: 1000, outbound: LOCAL_RECEIVER_OUTBOUND },
    });
  const { getRequest, waitForState, vote } = approvalHelpers(adminClient(), () => ns);
  const notificationsOf = async (subjectName: string) =>
    (await client.get<{ items: Notification[] }>(collectionPath(notificationResource, ns))).items.filter(
      (n) => (n.spec.properties as { subject?: { name?: string } } | undefined)?.subject?.name === subjectName,
    );
  const mailsTo = (address: string, subject: RegExp) => smtp.messages.filter((m) => m.to.includes(address) && subject.test(m.subject));

  before(async () => {
    client = adminClient();
    await installCrds();
    await smtp.start();
    await receiver.start();
    ns = await createNamespace(client, 'notify');
    operator = await start();
  });
  after(async () => {
    await operator?.stop();
    await smtp.stop();
    await receiver.stop();
    await client.close();
  });

  it('scenario 2: the decider is mailed the new request; on the grant both teams are mailed once, each Notification Delivered', async () => {
    await kubectlOk(['-n', ns, 'apply', '-f', samplePath('scenario-02-simple.yaml')]);
    await waitForState('orders-read-simple', 'Pending');
    await eventually('the decider mail', () => mailsTo('orders@example.com', /New subscribe request from team shop/).length === 1);
    assert.equal(mailsTo('shop@example.com', /./).length, 0, 'the requester is not mailed while Pending');
    await vote('ar', 'orders-read-simple', 'alice', 'Granted');
    await waitForState('orders-read-simple', 'Granted');
    await eventually('mails to both teams about the grant', () =>
      mailsTo('shop@example.com', /Your subscribe request .* is Granted/).length === 1 && mailsTo('orders@example.com', /is Granted/).length >= 1);
    const notifications = await eventually('every Notification delivered', async () => {
      const list = await notificationsOf('orders-read-simple');
      return list.length === 3 && list.every((n) => n.status?.conditions?.some((c) => c.type === 'Delivered' && c.status === 'True')) ? list : undefined;
    });
    assert.deepEqual(notifications.map((n) => n.spec.purpose).sort(), [
      'approvalrequest--subscribe--created--decider',
      'approvalrequest--subscribe--updated--decider',
      'approvalrequest--subscribe--updated--requester',
    ]);
    const request = await getRequest('orders-read-simple');
    assert.equal(request.status?.notificationRefs?.length, 3, 'each Notification is linked once in status');
  });

  it('scenario 9: a request that times out is Expired, the requester is mailed and the callback arrives signed', async () => {
    await kubectlOk(['-n', ns, 'create', 'secret', 'generic', 'callback-key', '--from-literal=key=s3cret']);
    // A Secret signs only when it opts in (docs/security.md, "Outbound requests and Secrets").
    await kubectlOk(['-n', ns, 'label', 'secret', 'callback-key', 'approval.cp.ei.telekom.de/signing-secret=true']);
    const manifest = JSON.stringify({
      apiVersion: 'approval.cp.ei.telekom.de/v1',
      kind: 'ApprovalRequest',
      metadata: { name: 'with-callback' },
      spec: {
        action: 'subscribe',
        strategy: 'Simple',
        timeout: '2s',
        requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'callback test', applicationRef: { name: 'shop-frontend', namespace: 'default' } },
        decider: { teamName: 'orders', teamEmail: 'orders@example.com', applicationRef: { name: 'orders-api', namespace: 'default' } },
        target: { kind: 'ApiSubscription', name: 'shop--callback', namespace: ns },
        callback: { url: receiver.url('/approval-callback'), secretRef: { name: 'callback-key', key: 'key' } },
      },
    });
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: manifest });
    const expired = await waitForState('with-callback', 'Expired', 20_000);
    const [call] = await eventually('the callback', () => (receiver.received('/approval-callback', true).length > 0 ? receiver.received('/approval-callback', true) : undefined));
    const timestamp = String(call!.headers['x-approval-timestamp']);
    const expected = `sha256=${createHmac('sha256', 's3cret').update(`${timestamp}.${call!.body}`).digest('hex')}`;
    assert.equal(call!.headers['x-approval-signature-256'], expected, 'the signature verifies with the shared secret');
    const payload = JSON.parse(call!.body) as { approvalRequest: { name: string; uid: string }; status: string };
    assert.equal(payload.status, 'expired');
    assert.deepEqual(payload.approvalRequest, { name: 'with-callback', namespace: ns, uid: expired.metadata.uid });
    await eventually('the requester mail', () => mailsTo('shop@example.com', /is Expired/).length >= 1);
  });

  it('scenario 8: reminders before an Approval expires, each sent once, then the expiry is notified', async (t) => {
    t.after(() => kubectlOk(['delete', 'approvalpolicy', 'short-lived-grants', '--ignore-not-found']));
    await kubectlOk(['-n', ns, 'apply', '-f', samplePath('scenario-08-approval-lifecycle.yaml')]);
    await kubectlOk(['patch', 'approvalpolicy', 'short-lived-grants', '--type=merge', '-p', '{"spec":{"grantValidity":"8s","reminders":[{"before":"5s"}]}}']);
    await waitForState('reports-read-lifecycle', 'Pending');
    await vote('ar', 'reports-read-lifecycle', 'alice', 'Granted');
    const name = 'reportsubscription--shop-frontend--reports-read';
    const reminded = await eventually('the reminder recorded', async () => {
      const approval = await client.get<Approval>(objectPath(approvalResource, ns, name));
      return (approval.status?.remindersSent?.length ?? 0) > 0 ? approval : undefined;
    }, 15_000);
    assert.equal(reminded.spec.state, 'Granted', 'the reminder comes before the expiry');
    await eventually('reminder mails to both teams', () =>
      mailsTo('shop@example.com', /Your subscribe access to .* expires/).length === 1 && mailsTo('orders@example.com', /access of team shop .* expires/).length === 1);
    await eventually('the expiry', async () => (await client.get<Approval>(objectPath(approvalResource, ns, name))).status?.lastState === 'Expired', 20_000);
    await eventually('the expiry mail', () => mailsTo('shop@example.com', /is Expired/).some((m) => /reports/.test(m.raw)));
    assert.equal(mailsTo('shop@example.com', /expires/).length, 1, 'the reminder threshold was sent once');
  });

  it('scenario 12: the operator restarted in the middle of a FourEyes request converges with no duplicate Notification or mail', async () => {
    await kubectlOk(['-n', ns, 'apply', '-f', samplePath('scenario-03-foureyes.yaml')]);
    await waitForState('orders-write-foureyes', 'Pending');
    await vote('ar', 'orders-write-foureyes', 'alice', 'Granted');
    await waitForState('orders-write-foureyes', 'Semigranted');
    await operator.stop();
    await vote('ar', 'orders-write-foureyes', 'bob', 'Granted');
    operator = await start();
    await waitForState('orders-write-foureyes', 'Granted');
    const notifications = await eventually('all Notifications delivered', async () => {
      const list = await notificationsOf('orders-write-foureyes');
      const delivered = list.every((n) => n.status?.conditions?.some((c) => c.type === 'Delivered' && c.status === 'True'));
      return list.length === 4 && delivered ? list : undefined;
    });
    assert.equal(new Set(notifications.map((n) => n.metadata.name)).size, 4);
    assert.deepEqual(notifications.map((n) => `${n.spec.purpose} ${String(n.spec.properties?.state_new)}`).sort(), [
      'approvalrequest--subscribe--created--decider Pending',
      'approvalrequest--subscribe--updated--decider Granted',
      'approvalrequest--subscribe--updated--decider Semigranted',
      'approvalrequest--subscribe--updated--requester Granted',
    ]);
    // The Approval's creation is the request's grant: no Notification of its own.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.deepEqual(await notificationsOf('apisubscription--shop-frontend--orders-write'), [], "no Notification about the Approval's creation");
    const mails = smtp.messages.filter((m) => /orders-write-foureyes|shop-frontend--orders-write/.test(m.raw));
    assert.equal(new Set(mails.map((m) => m.messageId)).size, mails.length, 'no mail was sent twice');
    // created (decider), Semigranted (decider), Granted (decider, requester; naming the Approval).
    assert.equal(mails.length, notifications.length, 'one mail per Notification');
  });
});

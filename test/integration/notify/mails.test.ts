// One message per person per event, as the teams see it: the exact mails of scenarios 2 and 3 at
// a real SMTP server (recipient, subject, count; nothing else arrives). The request's grant and
// its Approval's creation are one event: one mail per team, which names the Approval.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Notification } from '../../../src/api/types.ts';
import { notificationResource } from '../../../src/api/resources.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath } from '../../../src/runtime/resource.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { adminClient, createNamespace, eventually } from '../../support/cluster.ts';
import { installCrds, kubectlOk, samplePath } from '../../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../../support/operator.ts';
import { requestJson } from '../../support/requests.ts';
import { TestSmtpServer, type ReceivedMail } from '../../support/smtp.ts';

const DECIDER = 'orders@example.com';
const REQUESTER = 'shop@example.com';

describe('the mails of scenarios 2 and 3: one per person per event', () => {
  let client: KubeClient;
  let ns: string;
  let operator: RunningOperator | undefined;
  const smtp = new TestSmtpServer();
  const { getRequest, waitForState, vote } = approvalHelpers(adminClient(), () => ns);

  const notifications = async () => (await client.get<{ items: Notification[] }>(collectionPath(notificationResource, ns))).items;
  /** The uid in a Message-ID (`<notification uid>.<channel>@…`): which Notification a mail delivers. */
  const notificationUid = (mail: ReceivedMail) => /^<([0-9a-f-]{36})\./.exec(mail.messageId)?.[1];
  /** `to: subject` of the mails of every Notification about `target` (the request's or its Approval's), sorted. */
  const mailsAbout = async (target: string) => {
    const uids = new Set((await notifications()).filter((n) => (n.spec.properties?.target as { name?: string } | undefined)?.name === target).map((n) => n.metadata.uid));
    return smtp.messages.filter((m) => uids.has(notificationUid(m))).map((m) => `${m.to.join(',')}: ${m.subject}`).sort();
  };
  const allDelivered = async () => (await notifications()).every((n) => n.status?.conditions?.some((c) => c.type === 'Delivered' && c.status === 'True'));
  /** Waits for `count` mails about `target`, then 1.5 s more in which nothing else may arrive. */
  const settledMails = async (target: string, count: number) => {
    await eventually(`${count} mails about ${target}`, async () => (await mailsAbout(target)).length >= count && (await allDelivered()), 20_000);
    await sleep(1500); // anything else (an Approval's own mail, a duplicate) would arrive now
    assert.ok(await allDelivered(), 'every Notification is mailed');
    return mailsAbout(target);
  };
  /** The mail's text, quoted-printable or base64 parts decoded (enough to find ASCII words in it). */
  const textOf = (mail: ReceivedMail | undefined) => {
    const raw = mail?.raw ?? '';
    const qp = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    const base64 = [...raw.matchAll(/\r?\n\r?\n([A-Za-z0-9+/=\r\n]{40,})/g)].map((m) => Buffer.from(m[1]!.replace(/\s/g, ''), 'base64').toString('utf8'));
    return [qp, ...base64].join('\n');
  };

  const start = () =>
    startOperator({
      namespace: ns,
      delivery: { smtpUrl: `smtp://127.0.0.1:${smtp.port}`, mailFrom: 'approvals@example.com', baseDelayMs: 200, maxDelayMs: 1000 },
    });

  before(async () => {
    client = adminClient();
    await installCrds();
    await smtp.start();
    ns = await createNamespace(client, 'mails');
    operator = await start();
  });
  after(async () => {
    await operator?.stop();
    await smtp.stop();
    await client.close();
  });

  it('scenario 2 (Simple): the decider is asked once; on the grant each team gets one mail, naming the Approval', async () => {
    const target = 'shop-frontend--orders-read';
    await kubectlOk(['-n', ns, 'apply', '-f', samplePath('scenario-02-simple.yaml')]);
    await waitForState('orders-read-simple', 'Pending');
    assert.deepEqual(await settledMails(target, 1), [`${DECIDER}: [Approval] New subscribe request from team shop for ApiSubscription default/${target}`]);

    await vote('ar', 'orders-read-simple', 'alice', 'Granted', 'fine for read access');
    await waitForState('orders-read-simple', 'Granted');
    assert.deepEqual(await settledMails(target, 3), [
      `${DECIDER}: [Approval] New subscribe request from team shop for ApiSubscription default/${target}`,
      `${DECIDER}: [Approval] Request ${ns}/orders-read-simple is Granted`,
      `${REQUESTER}: [Approval] Your subscribe request for ApiSubscription default/${target} is Granted`,
    ]);
    const approval = (await getRequest('orders-read-simple')).status?.approval?.name;
    assert.equal(approval, `apisubscription--${target}`);
    for (const to of [DECIDER, REQUESTER]) {
      const grant = smtp.messages.find((m) => m.to.includes(to) && /is Granted/.test(m.subject) && textOf(m).includes('orders-read-simple'));
      assert.match(textOf(grant), new RegExp(`Approval:\\s+${ns}/${approval}`), `the mail to ${to} names the Approval`);
    }
  });

  it('scenario 3 (FourEyes): Semigranted tells only the decider, a repeated vote nothing, the grant each team once', async () => {
    const target = 'shop-frontend--orders-write';
    await kubectlOk(['-n', ns, 'apply', '-f', samplePath('scenario-03-foureyes.yaml')]);
    await waitForState('orders-write-foureyes', 'Pending');
    const created = `${DECIDER}: [Approval] New subscribe request from team shop for ApiSubscription default/${target}`;
    assert.deepEqual(await settledMails(target, 1), [created]);

    await vote('ar', 'orders-write-foureyes', 'alice', 'Granted');
    await waitForState('orders-write-foureyes', 'Semigranted');
    const semigranted = `${DECIDER}: [Approval] Request ${ns}/orders-write-foureyes is Semigranted`;
    assert.deepEqual(await settledMails(target, 2), [created, semigranted], 'only the decider hears of Semigranted');

    await vote('ar', 'orders-write-foureyes', 'alice', 'Granted');
    await eventually('the repeated vote processed', async () => {
      const request = await getRequest('orders-write-foureyes');
      return request.status?.observedGeneration === request.metadata.generation && request.status?.lastState === 'Semigranted';
    });
    assert.deepEqual(await settledMails(target, 2), [created, semigranted], 'the repeated vote changes nothing and mails nobody');

    await vote('ar', 'orders-write-foureyes', 'bob', 'Granted');
    await waitForState('orders-write-foureyes', 'Granted');
    assert.deepEqual(await settledMails(target, 4), [
      created,
      `${DECIDER}: [Approval] Request ${ns}/orders-write-foureyes is Granted`,
      semigranted,
      `${REQUESTER}: [Approval] Your subscribe request for ApiSubscription default/${target} is Granted`,
    ]);
    assert.equal(smtp.messages.length, 7, 'nothing else arrived at all: 3 mails of scenario 2, 4 of scenario 3');
  });

  it('filed and approved while the operator was down: nobody is asked to act, each team hears the outcome once', async () => {
    await operator!.stop();
    operator = undefined;
    const mailsBefore = smtp.messages.length;
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: requestJson(ns, 'late-simple', 'Simple') });
    await vote('ar', 'late-simple', 'alice', 'Granted');
    operator = await start();
    await waitForState('late-simple', 'Granted');
    assert.deepEqual(await settledMails('late-simple-target', 2), [
      `${DECIDER}: [Approval] Request ${ns}/late-simple is Granted`,
      `${REQUESTER}: [Approval] Your subscribe request for ApiSubscription ${ns}/late-simple-target is Granted`,
    ]);
    assert.equal(smtp.messages.length - mailsBefore, 2, 'nothing else arrived');
  });
});

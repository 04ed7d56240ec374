// E-mail header injection (threat model: docs/security.md, "Outbound requests and Secrets"). The
// requester writes teamEmail; the operator mails it the outcome. An address with CR/LF (a header
// of its own), a second address after a comma, or any control character must never make a mail
// go to someone else: delivery drops such a recipient and says so in the status. Real SMTP server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Notification } from '../../../src/api/types.ts';
import { notificationChannelResource, notificationResource } from '../../../src/api/resources.ts';
import { ApiError, type KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath, objectPath } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, eventually } from '../../support/cluster.ts';
import { installCrds } from '../../support/kubectl.ts';
import { notificationHelpers, simpleRequest } from '../../support/notifications.ts';
import { startOperator, type RunningOperator } from '../../support/operator.ts';
import { TestSmtpServer } from '../../support/smtp.ts';

const EVIL = 'evil@example.com';

describe('e-mail header injection', () => {
  let client: KubeClient;
  let ns: string;
  let operator: RunningOperator;
  const smtp = new TestSmtpServer();
  const helpers = notificationHelpers(adminClient(), () => ns);
  const mailsToEvil = () => smtp.messages.filter((m) => m.to.includes(EVIL) || /evil@example\.com/i.test(m.headers.bcc ?? '') || /evil@example\.com/i.test(m.headers.to ?? ''));

  before(async () => {
    client = adminClient();
    await installCrds();
    await smtp.start();
    ns = await createNamespace(client, 'mail-injection');
    operator = await startOperator({ namespace: ns, delivery: { smtpUrl: smtp.url, mailFrom: 'approvals@example.com', baseDelayMs: 100, maxDelayMs: 400 } });
  });
  after(async () => {
    await operator?.stop();
    await smtp.stop();
    await client.close();
  });

  for (const [name, teamEmail] of [
    ['crlf-bcc', `x@example.org\r\nBcc: ${EVIL}`],
    ['lf-bcc', `x@example.org\nBcc: ${EVIL}`],
    ['comma', `x@example.org, ${EVIL}`],
    ['display-name', `x@example.org <${EVIL}>`],
  ] as const) {
    it(`teamEmail ${JSON.stringify(teamEmail)}: nothing goes to the injected address`, async () => {
      const request = simpleRequest(`mail-${name}`, { requester: { teamName: 'shop', teamEmail, reason: 'r' } });
      try {
        await helpers.fileAndGrant(request);
      } catch (err) {
        // A schema that refuses the address (a CRD pattern) stops it one step earlier: also fine.
        if (err instanceof ApiError && err.status === 422) return;
        throw err;
      }
      const state = await helpers.stateAfter(`mail-${name}`, 'fallback-email', 2);
      assert.equal(state.sent, false, 'no valid recipient: nothing sent');
      assert.match(state.errorMessage ?? '', /no valid recipient: dropped invalid address /);
      assert.ok(!(state.errorMessage ?? '').includes('\n') && !(state.errorMessage ?? '').includes('\r'), 'the status shows the address escaped');
      await sleep(300);
      assert.deepEqual(mailsToEvil(), [], 'no mail to the injected address');
    });
  }

  // Delivery also drops such an address should one reach it (test/unit/notify/delivery/email.test.ts).
  it('an e-mail channel with an injected recipient is refused by the schema; a valid one mails only its recipients', async () => {
    const channel = (recipients: string[]) => ({
      apiVersion: 'notification.cp.ei.telekom.de/v1',
      kind: 'NotificationChannel',
      metadata: { name: 'team-mail' },
      spec: { email: { recipients } },
    });
    await assert.rejects(client.create(collectionPath(notificationChannelResource, ns), channel(['team@example.com', `x@example.org\r\nBcc: ${EVIL}`])), (err: Error) => {
      assert.match(err.message, /spec\.email\.recipients\[1\]: Invalid value/);
      return true;
    });
    await client.create(collectionPath(notificationChannelResource, ns), channel(['team@example.com']));
    await client.create<Notification>(collectionPath(notificationResource, ns), {
      apiVersion: 'notification.cp.ei.telekom.de/v1',
      kind: 'Notification',
      metadata: { name: 'channel-mail' },
      spec: { purpose: 'approvalrequest--subscribe--created--decider', sender: { type: 'User', name: 'carol' }, channels: [{ name: 'team-mail', namespace: ns }], properties: { state_new: 'Pending' } },
    });
    const state = await eventually('the channel mail', async () => (await client.get<Notification>(objectPath(notificationResource, ns, 'channel-mail'))).status?.states?.[`${ns}/team-mail`]);
    assert.equal(state.sent, true, state.errorMessage ?? '');
    await eventually('the mail to the valid recipient', () => smtp.messages.some((m) => m.to.includes('team@example.com')));
    assert.deepEqual(smtp.messages.filter((m) => m.to.includes('team@example.com')).map((m) => m.to), [['team@example.com']]);
    assert.deepEqual(mailsToEvil(), []);
  });
});

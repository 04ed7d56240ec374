// Notifications link to the console (--console-url): text and HTML mail, and chat cards' Open button.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slackPayload, teamsPayload } from '../../../src/notify/delivery/chat-sender.ts';
import { renderNotification } from '../../../src/notify/templates/render.ts';

const properties = {
  state_new: 'Pending',
  requester_team: 'shop',
  decider_team: 'orders',
  reason: 'needs **read** access <script>alert(1)</script>',
  target: { kind: 'ApiSubscription', namespace: 'shop', name: 'orders' },
  subject: { kind: 'ApprovalRequest', namespace: 'shop', name: 'orders-read' },
};
const consoleUrl = 'https://approvals.example.com';
const link = 'https://approvals.example.com/ns/shop/approvalrequests/orders-read';

describe('notifications link to the console', () => {
  it('gives a decider the link in text and HTML, and the reason as sanitised markdown', () => {
    const mail = renderNotification('approvalrequest--subscribe--created--decider', properties, 'mail', undefined, { consoleUrl });
    assert.match(mail.text, new RegExp(`Decide in the approvals console: ${link}`));
    assert.match(mail.text, /Or with kubectl: `kubectl approval approve orders-read -n shop`/);
    assert.ok(mail.html?.includes(`<a href="${link}">`));
    assert.match(mail.html ?? '', /<strong>read<\/strong>/);
    assert.doesNotMatch(mail.html ?? '', /<script>/);
    assert.equal(mail.link, link);
  });

  it('links requesters to their request, and Approvals to their page', () => {
    const mail = renderNotification('approvalrequest--subscribe--updated--requester', { ...properties, state_old: 'Pending', state_new: 'Granted' }, 'mail', undefined, { consoleUrl });
    assert.match(mail.text, new RegExp(`See it in the approvals console: ${link}`));
    const approval = renderNotification('approval--subscribe--reminder--requester', { ...properties, subject: { namespace: 'shop', name: 'g' } }, 'chat', undefined, { consoleUrl });
    assert.equal(approval.link, 'https://approvals.example.com/ns/shop/approvals/g');
  });

  it('keeps the kubectl command without a console URL', () => {
    const mail = renderNotification('approvalrequest--subscribe--created--decider', properties, 'mail');
    assert.match(mail.text, /Decide with `kubectl approval approve orders-read -n shop` \(or `reject`\)\./);
    assert.equal(mail.link, undefined);
  });

  it('puts an Open button on Teams and Slack cards', () => {
    const content = { subject: 's', text: 't', purpose: 'p', notification: { namespace: 'shop', name: 'n', uid: 'u' }, properties, link };
    const teams = teamsPayload(content) as { attachments: Array<{ content: { actions?: unknown[] } }> };
    assert.deepEqual(teams.attachments[0]!.content.actions, [{ type: 'Action.OpenUrl', title: 'Open', url: link }]);
    const slack = slackPayload(content) as { blocks: Array<{ type: string; elements?: Array<{ url?: string }> }> };
    assert.equal(slack.blocks.find((b) => b.type === 'actions')?.elements?.[0]?.url, link);
    assert.equal((teamsPayload({ ...content, link: undefined }) as typeof teams).attachments[0]!.content.actions, undefined);
  });
});

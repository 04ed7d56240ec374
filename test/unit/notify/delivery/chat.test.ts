import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chatPayload, escapeSlack, sendChat, type ChatContent } from '../../../../src/notify/delivery/chat-sender.ts';
import { NO_ANSWER, OutboundHttp } from '../../../../src/notify/delivery/http.ts';
import { HttpReceiver, LOCAL_RECEIVER_OUTBOUND } from '../../../support/http-receiver.ts';

const content: ChatContent = {
  subject: '[Approval] New subscribe request from team hyperion',
  text: 'Team hyperion asks for <!channel> access & more.\n',
  purpose: 'approvalrequest--subscribe--created--decider',
  notification: { namespace: 'team-a', name: 'n1', uid: 'uid-1' },
  properties: { state_old: 'Pending', state_new: 'Granted', requester_team: 'hyperion', target: { kind: 'Api', namespace: 'prod', name: 'orders' }, actor: 'alice' },
};

describe('chat payloads', () => {
  it('Slack: text plus header, section, fields and context blocks, escaped', () => {
    const payload = chatPayload('slack', content) as { text: string; blocks: Array<Record<string, unknown>> };
    assert.equal(payload.text, content.subject);
    assert.deepEqual(
      payload.blocks.map((b) => b.type),
      ['header', 'section', 'section', 'context'],
    );
    assert.deepEqual(payload.blocks[0], { type: 'header', text: { type: 'plain_text', text: content.subject, emoji: false } });
    const section = payload.blocks[1] as { text: { type: string; text: string } };
    assert.equal(section.text.type, 'mrkdwn');
    assert.equal(section.text.text, 'Team hyperion asks for &lt;!channel&gt; access &amp; more.');
    const fields = (payload.blocks[2] as { fields: Array<{ text: string }> }).fields.map((f) => f.text);
    assert.ok(fields.includes('*State*\nPending → Granted'));
    assert.ok(fields.includes('*Target*\nApi prod/orders'));
  });

  it('Slack: clips the header to 150 characters', () => {
    const payload = chatPayload('slack', { ...content, subject: 'x'.repeat(400) }) as { blocks: Array<{ text?: { text: string } }> };
    assert.equal(payload.blocks[0]!.text!.text.length, 150);
  });

  it('Teams: a message with one Adaptive Card', () => {
    const payload = chatPayload('teams', content) as {
      type: string;
      attachments: Array<{ contentType: string; content: { type: string; version: string; body: Array<Record<string, unknown>> } }>;
    };
    assert.equal(payload.type, 'message');
    assert.equal(payload.attachments.length, 1);
    const card = payload.attachments[0]!;
    assert.equal(card.contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(card.content.type, 'AdaptiveCard');
    assert.equal(card.content.version, '1.4');
    assert.deepEqual(card.content.body[0], { type: 'TextBlock', text: content.subject, weight: 'Bolder', size: 'Medium', wrap: true });
    assert.equal(card.content.body[1]!.text, content.text.trim());
    const facts = card.content.body[2] as { type: string; facts: Array<{ title: string; value: string }> };
    assert.equal(facts.type, 'FactSet');
    assert.deepEqual(facts.facts.find((f) => f.title === 'By'), { title: 'By', value: 'alice' });
  });

  it('generic: subject, text, purpose, notification and properties', () => {
    assert.deepEqual(chatPayload('generic', content), {
      subject: content.subject,
      text: content.text,
      purpose: content.purpose,
      notification: content.notification,
      properties: content.properties,
    });
  });

  it('escapes Slack control characters', () => {
    assert.equal(escapeSlack('<@U1> & <!here>'), '&lt;@U1&gt; &amp; &lt;!here&gt;');
  });
});

describe('sendChat', () => {
  const receiver = new HttpReceiver();
  // The receiver is on 127.0.0.1: allowed explicitly.
  const outbound = new OutboundHttp(LOCAL_RECEIVER_OUTBOUND);
  before(() => receiver.start());
  after(async () => {
    await receiver.stop();
    await outbound.close();
  });

  it('POSTs JSON with the Idempotency-Key', async () => {
    await sendChat(receiver.url('/hook'), 'slack', content, { idempotencyKey: 'uid-1/team-a/chat', outbound });
    const [request] = receiver.received('/hook');
    assert.equal(request!.method, 'POST');
    assert.equal(request!.headers['content-type'], 'application/json');
    assert.equal(request!.headers['idempotency-key'], 'uid-1/team-a/chat');
    assert.equal((JSON.parse(request!.body) as { text: string }).text, content.subject);
  });

  it('fails on a non-2xx answer without showing the URL path (it may hold a token)', async () => {
    receiver.failNext(1, 503);
    await assert.rejects(sendChat(receiver.url('/services/T000/B000/secret-token'), 'generic', content, { idempotencyKey: 'k', outbound }), (err: Error) => {
      assert.match(err.message, /HTTP 503/);
      assert.ok(!err.message.includes('secret-token'));
      return true;
    });
  });

  it('fails on a refused connection and on a timeout, with the same words (no port scanner)', async () => {
    const { createServer } = await import('node:net');
    const closed = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => closed.once('listening', resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const noAnswer = (err: Error) => err.message.endsWith(`failed: ${NO_ANSWER}`) && !/ECONNREFUSED|timed out/.test(err.message);
    await assert.rejects(sendChat(`http://127.0.0.1:${closedPort}/x`, 'generic', content, { idempotencyKey: 'k', outbound }), noAnswer);
    const silent = createServer(() => undefined).listen(0, '127.0.0.1');
    await new Promise((resolve) => silent.once('listening', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      await assert.rejects(sendChat(`http://127.0.0.1:${port}/x`, 'generic', content, { idempotencyKey: 'k', timeoutMs: 200, outbound }), noAnswer);
    } finally {
      silent.close();
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIENCES, EVENTS } from '../../../../src/notify/templates/defaults.ts';
import { parsePurpose, renderNotification, templateContext, TemplateError } from '../../../../src/notify/templates/render.ts';

const properties = {
  state_old: 'Pending',
  state_new: 'Granted',
  requester_team: 'hyperion',
  decider_team: 'platform',
  reason: 'needs <script>alert(1)</script> & more',
  comment: 'LGTM "ok"',
  actor: 'alice',
  target: { kind: 'ApiExposure', namespace: 'prod', name: 'orders' },
  subject: { kind: 'ApprovalRequest', namespace: 'team-a', name: 'sub-orders' },
  expiration_date: '2030-01-31',
  days_remaining: 3,
};

describe('parsePurpose', () => {
  it('splits kind, action, event and audience', () => {
    assert.deepEqual(parsePurpose('approvalrequest--subscribe--created--decider'), {
      objectKind: 'approvalrequest',
      action: 'subscribe',
      event: 'created',
      audience: 'decider',
    });
    assert.deepEqual(parsePurpose('Approval--Subscribe--Reminder--Requester'), { objectKind: 'approval', action: 'subscribe', event: 'reminder', audience: 'requester' });
  });

  it('keeps actions that contain `--` and defaults unknown events and audiences', () => {
    assert.deepEqual(parsePurpose('approvalrequest--api--subscribe--withdrawn--requester'), {
      objectKind: 'approvalrequest',
      action: 'api--subscribe',
      event: 'withdrawn',
      audience: 'requester',
    });
    assert.deepEqual(parsePurpose('approval--subscribe--suspended'), { objectKind: 'approval', action: 'subscribe--suspended', event: 'updated', audience: 'requester' });
  });
});

describe('renderNotification (built-in templates)', () => {
  it('has subject, text and HTML for every family of mail, and texts for chat and webhook', () => {
    for (const event of EVENTS) {
      for (const audience of AUDIENCES) {
        const purpose = `approvalrequest--subscribe--${event}--${audience}`;
        const mail = renderNotification(purpose, properties, 'mail');
        assert.equal(mail.source, 'builtin');
        assert.ok(mail.subject.startsWith('[Approval] '), `${purpose}: ${mail.subject}`);
        assert.ok(!mail.subject.includes('\n'));
        assert.ok(mail.text.includes('ApiExposure prod/orders'), `${purpose} text names the target`);
        assert.ok(mail.html?.includes('<html>'), `${purpose} has HTML`);
        for (const kind of ['chat', 'webhook'] as const) {
          const message = renderNotification(purpose, properties, kind);
          assert.ok(message.subject.length > 0 && message.text.length > 0, `${purpose} ${kind}`);
          assert.equal(message.html, undefined);
        }
      }
    }
  });

  it('escapes values in HTML and leaves plain text as it is', () => {
    const mail = renderNotification('approvalrequest--subscribe--updated--requester', properties, 'mail');
    assert.ok(mail.text.includes('needs <script>alert(1)</script> & more'));
    assert.ok(mail.text.includes('LGTM "ok"'));
    assert.ok(!mail.html!.includes('<script>'));
    assert.ok(mail.html!.includes('needs &lt;script&gt;alert(1)&lt;/script&gt; &amp; more'));
    assert.ok(mail.text.includes('Pending → Granted'));
    assert.match(mail.subject, /Your subscribe request for ApiExposure prod\/orders is Granted/);
  });

  it('tells the decider of a pending request how to decide', () => {
    const mail = renderNotification('approvalrequest--subscribe--created--decider', { ...properties, state_old: undefined, state_new: 'Pending' }, 'mail');
    assert.ok(mail.text.includes('kubectl approval approve sub-orders -n team-a'));
    assert.ok(mail.html!.includes('<code>kubectl approval approve sub-orders -n team-a</code>'));
    const granted = renderNotification('approvalrequest--subscribe--updated--decider', properties, 'mail');
    assert.ok(!granted.text.includes('kubectl approval approve'));
  });

  it('tells the decider of a request granted as it was filed (Auto, a trusted team) without asking anything', () => {
    const mail = renderNotification('approvalrequest--subscribe--created--decider', { ...properties, state_old: undefined, state_new: 'Granted' }, 'mail');
    assert.match(mail.subject, /^\[Approval\] Request team-a\/sub-orders of team hyperion is Granted$/);
    assert.ok(mail.text.includes('no decision is needed'));
    assert.ok(!mail.text.includes('kubectl approval approve'));
    const pending = renderNotification('approvalrequest--subscribe--created--decider', { ...properties, state_old: undefined, state_new: 'Pending' }, 'mail');
    assert.match(pending.subject, /^\[Approval\] New subscribe request from team hyperion for ApiExposure prod\/orders$/);
  });

  it("names the grant's Approval (the grant and the Approval's creation are one message)", () => {
    const withApproval = { ...properties, approval: { kind: 'Approval', namespace: 'team-a', name: 'apiexposure--orders' } };
    for (const purpose of ['approvalrequest--subscribe--updated--requester', 'approvalrequest--subscribe--updated--decider']) {
      const mail = renderNotification(purpose, withApproval, 'mail');
      assert.match(mail.text, /Approval: {2}team-a\/apiexposure--orders/, purpose);
      assert.ok(mail.html!.includes('<td>team-a/apiexposure--orders</td>'), purpose);
    }
    assert.ok(!renderNotification('approvalrequest--subscribe--updated--requester', properties, 'mail').text.includes('Approval:'));
  });

  it('renders reminders with the expiry', () => {
    const chat = renderNotification('approval--subscribe--reminder--requester', properties, 'chat');
    assert.ok(chat.subject.includes('expires 2030-01-31'));
    assert.ok(chat.text.includes('in 3 day(s)'));
  });

  it('survives missing properties', () => {
    const mail = renderNotification('approvalrequest--subscribe--created--decider', {}, 'mail');
    assert.ok(mail.subject.length > 0);
    assert.ok(mail.text.includes('its target'));
  });

  it('keeps the subject on one line whatever the properties hold', () => {
    const mail = renderNotification('approvalrequest--subscribe--created--requester', { ...properties, state_new: 'Granted\r\nBcc: evil@example.com' }, 'mail');
    assert.ok(!/[\r\n]/.test(mail.subject));
  });
});

describe('renderNotification (overrides)', () => {
  it('renders an override with the same context', () => {
    const override = { subject: '{{upper requester_team}} wants {{target.name}}', body: 'Reason: {{reason}} ({{purpose}})', html: '<b>{{reason}}</b>' };
    const mail = renderNotification('approvalrequest--subscribe--created--decider', properties, 'mail', override);
    assert.equal(mail.source, 'override');
    assert.equal(mail.subject, 'HYPERION wants orders');
    assert.equal(mail.text, 'Reason: needs <script>alert(1)</script> & more (approvalrequest--subscribe--created--decider)');
    assert.equal(mail.html, '<b>needs &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</b>');
  });

  it('sends text only when a mail override has no HTML', () => {
    const mail = renderNotification('approvalrequest--subscribe--created--decider', properties, 'mail', { subject: 's', body: 'b' });
    assert.equal(mail.html, undefined);
  });

  it('throws TemplateError for a broken override', () => {
    assert.throws(() => renderNotification('x--y--created--decider', properties, 'chat', { subject: '{{#if}}', body: '' }), TemplateError);
  });

  it('does not expose prototype properties', () => {
    const mail = renderNotification('x--y--created--decider', properties, 'chat', { subject: '{{constructor.name}}', body: '{{__proto__}}' });
    assert.equal(mail.subject, '');
    assert.equal(mail.text, '');
  });
});

describe('templateContext', () => {
  it('adds labels but lets properties win', () => {
    const context = templateContext('approval--subscribe--updated--decider', { ...properties, action: 'custom' });
    assert.equal(context.objectLabel, 'approval');
    assert.equal(context.subjectName, 'team-a/sub-orders');
    assert.equal(context.targetLabel, 'ApiExposure prod/orders');
    assert.equal(context.stateLabel, 'Pending → Granted');
    assert.equal(context.action, 'custom');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EmailSender, messageIdFor, parseSmtpUrl, redactSmtpUrl } from '../../../../src/notify/delivery/email-sender.ts';
import { filterRecipients, isAllowedRecipient, isPlainAddress, isSafeSender, shownAddress } from '../../../../src/notify/delivery/recipients.ts';
import { TestSmtpServer } from '../../../support/smtp.ts';

describe('SMTP URLs', () => {
  it('parses smtp and smtps URLs with credentials', () => {
    assert.deepEqual(parseSmtpUrl('smtp://mail.example.com'), { host: 'mail.example.com', port: 25, secure: false });
    assert.deepEqual(parseSmtpUrl('smtps://user%40x:p%40ss@mail.example.com'), { host: 'mail.example.com', port: 465, secure: true, auth: { user: 'user@x', pass: 'p@ss' } });
    assert.deepEqual(parseSmtpUrl('smtp://127.0.0.1:2525'), { host: '127.0.0.1', port: 2525, secure: false });
    assert.throws(() => parseSmtpUrl('http://x'), /smtp:\/\/ or smtps:\/\//);
    assert.throws(() => parseSmtpUrl('not a url'), /invalid SMTP URL/);
  });

  it('redacts the password', () => {
    assert.equal(redactSmtpUrl('smtp://u:secret@h:25'), 'smtp://u:***@h:25');
    assert.ok(!redactSmtpUrl('smtp://u:secret@h:25').includes('secret'));
  });
});

describe('Message-ID', () => {
  it('is stable per notification and channel, and distinct across channels', () => {
    const a = messageIdFor('1234-abcd', 'team-a/mail', 'Ops <ops@example.com>');
    assert.equal(a, messageIdFor('1234-abcd', 'team-a/mail', 'Ops <ops@example.com>'));
    assert.match(a, /^<1234-abcd\.team-a\.mail\.[0-9a-f]{8}@example\.com>$/);
    assert.notEqual(a, messageIdFor('1234-abcd', 'team-a/mail2', 'ops@example.com'));
    assert.notEqual(messageIdFor('u', 'a/b.c'), messageIdFor('u', 'a.b/c'));
    assert.match(messageIdFor('u', 'fallback-email'), /@approval-operator\.local>$/);
  });
});

describe('recipient allow-list', () => {
  it('allows listed domains and their subdomains only', () => {
    const allowed = ['example.com', '.corp.test'];
    assert.equal(isAllowedRecipient('a@example.com', allowed), true);
    assert.equal(isAllowedRecipient('a@Mail.Example.COM', allowed), true);
    assert.equal(isAllowedRecipient('a@x.corp.test', allowed), true);
    assert.equal(isAllowedRecipient('a@evil-example.com', allowed), false);
    assert.equal(isAllowedRecipient('a@example.com.evil.org', allowed), false);
    assert.equal(isAllowedRecipient('no-at-sign', allowed), false);
    assert.equal(isAllowedRecipient('anyone@anywhere.org', undefined), true);
    assert.equal(isAllowedRecipient('anyone@anywhere.org', []), true);
  });

  it('splits and de-duplicates', () => {
    assert.deepEqual(filterRecipients(['a@example.com', 'A@example.com', 'b@other.org', ' '], ['example.com']), { allowed: ['a@example.com'], skipped: ['b@other.org'], invalid: [] });
  });

  it('drops every address that is not one plain address: header injection, several addresses, display names', () => {
    const injected = ['x@example.org\r\nBcc: evil@example.com', 'x@example.org\nBcc: evil@example.com', 'x@example.org\r\n', 'x@example.org, evil@example.com', 'x@example.org;evil@example.com', 'X <evil@example.com>', '"a@b"@example.com', 'a@exa mple.com', 'a\u0000@example.com', 'a@example.com\u2028', '@example.com', 'a@', 'a@-example.com', `${'a'.repeat(65)}@example.com`];
    for (const address of injected) assert.equal(isPlainAddress(address), false, JSON.stringify(address));
    for (const address of ['a@example.com', 'first.last+tag@mail.example.co.uk', "o'brien@example.com", 'team@localhost', 'A_B-c@EXAMPLE.COM']) assert.equal(isPlainAddress(address), true, address);
    assert.deepEqual(filterRecipients([' ok@example.com\t', injected[0]!, injected[3]!], undefined), { allowed: ['ok@example.com'], skipped: [], invalid: [injected[0], injected[3]] });
  });

  it('accepts a From of one address or "Name <address>", nothing else', () => {
    for (const from of ['ops@example.com', 'Ops <ops@example.com>', 'Approval Operator <approvals@example.com>']) assert.equal(isSafeSender(from), true, from);
    for (const from of ['Ops <ops@example.com>\r\nBcc: evil@example.com', 'a@example.com, evil@example.com', '"Ops, Team" <ops@example.com>', 'Ops <ops@example.com> <evil@example.com>', 'Ops']) {
      assert.equal(isSafeSender(from), false, JSON.stringify(from));
    }
  });

  it('shows an address escaped and clipped', () => {
    assert.equal(shownAddress('x@example.org\r\nBcc: evil@example.com'), '"x@example.org\\r\\nBcc: evil@example.com"');
    assert.ok(shownAddress('a'.repeat(500)).length <= 121);
  });
});

describe('EmailSender against a real SMTP server', () => {
  const smtp = new TestSmtpServer();
  before(() => smtp.start());
  after(() => smtp.stop());

  it('sends text and HTML with the given Message-ID', async () => {
    const sender = new EmailSender(smtp.url, { connectionTimeoutMs: 2000, greetingTimeoutMs: 2000, socketTimeoutMs: 2000 });
    const messageId = messageIdFor('uid-1', 'fallback-email', 'ops@example.com');
    const result = await sender.send({ from: 'ops@example.com', to: ['team@example.com'], subject: 'Hello → there', text: 'plain body', html: '<p>html body</p>', messageId });
    assert.deepEqual(result, { accepted: ['team@example.com'], rejected: [] });
    const [mail] = await smtp.waitFor(1);
    assert.equal(mail!.subject, 'Hello → there');
    assert.equal(mail!.messageId, messageId);
    assert.deepEqual(mail!.to, ['team@example.com']);
    assert.equal(mail!.headers['auto-submitted'], 'auto-generated');
    assert.match(mail!.headers['content-type'] ?? '', /multipart\/alternative/);
    assert.ok(mail!.raw.includes('plain body') && mail!.raw.includes('<p>html body</p>'));
  });

  it('gives up on a server that accepts the connection but never greets (greeting timeout)', async () => {
    const { createServer } = await import('node:net');
    const mute = createServer(() => undefined).listen(0, '127.0.0.1');
    await new Promise((resolve) => mute.once('listening', resolve));
    const port = (mute.address() as { port: number }).port;
    const started = Date.now();
    try {
      const sender = new EmailSender(`smtp://127.0.0.1:${port}`, { greetingTimeoutMs: 300 });
      await assert.rejects(sender.send({ from: 'a@b.c', to: ['x@y.z'], subject: 's', text: 't', messageId: '<m@x>' }), /ETIMEDOUT|[Gg]reeting/);
      assert.ok(Date.now() - started < 5000);
    } finally {
      mute.close();
    }
  });

  it('fails fast when nothing listens', async () => {
    const sender = new EmailSender('smtp://127.0.0.1:1', { connectionTimeoutMs: 1000 });
    await assert.rejects(sender.send({ from: 'a@b.c', to: ['x@y.z'], subject: 's', text: 't', messageId: '<m@x>' }), /ECONNREFUSED|ECONNECTION/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HASH_LENGTH, MAX_NAME_LENGTH, contentHash, notificationName, notificationPurpose, purposeFor, segment } from '../../../../src/notify/creation/naming.ts';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('notificationPurpose', () => {
  it('is lower(<kind>--<action>--<created|updated>--<decider|requester>)', () => {
    assert.equal(notificationPurpose('ApprovalRequest', 'subscribe', true, 'decider'), 'approvalrequest--subscribe--created--decider');
    assert.equal(notificationPurpose('ApprovalRequest', 'Subscribe', false, 'requester'), 'approvalrequest--subscribe--updated--requester');
    assert.equal(notificationPurpose('Approval', 'subscribe', false, 'decider'), 'approval--subscribe--updated--decider');
  });

  it('names withdrawn requests and reminders the same way', () => {
    assert.equal(purposeFor('ApprovalRequest', 'subscribe', 'withdrawn', 'decider'), 'approvalrequest--subscribe--withdrawn--decider');
    assert.equal(purposeFor('Approval', 'subscribe', 'reminder', 'requester'), 'approval--subscribe--reminder--requester');
  });

  it('replaces characters names and labels cannot hold, and uses unknown for an empty action', () => {
    assert.equal(notificationPurpose('ApprovalRequest', 'read_only access', true, 'decider'), 'approvalrequest--read-only-access--created--decider');
    assert.equal(notificationPurpose('ApprovalRequest', '', true, 'decider'), 'approvalrequest--unknown--created--decider');
    assert.equal(notificationPurpose('ApprovalRequest', '___', true, 'decider'), 'approvalrequest--unknown--created--decider');
  });

  it('cuts a long action so the purpose fits 63 characters and keeps kind, event and recipient', () => {
    const purpose = notificationPurpose('ApprovalRequest', 'a'.repeat(100), false, 'requester');
    assert.equal(purpose.length, 63);
    assert.match(purpose, /^approvalrequest--a+--updated--requester$/);
  });

  it('is always a valid label value of at most 63 characters (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom('ApprovalRequest', 'Approval'), fc.string({ maxLength: 300 }), fc.boolean(), fc.constantFrom('decider', 'requester'), (kind, action, created, recipient) => {
        const purpose = notificationPurpose(kind, action, created, recipient as 'decider' | 'requester');
        assert.ok(purpose.length >= 1 && purpose.length <= 63, purpose);
        assert.match(purpose, LABEL_VALUE);
        assert.match(purpose, DNS_SUBDOMAIN);
      }),
    );
  });
});

describe('notificationName', () => {
  const content = ['uid-1', 'approvalrequest--subscribe--created--decider', '', 'Pending', 0];

  it('is <purpose>--<target>--<hash of the content>', () => {
    const name = notificationName('approvalrequest--subscribe--created--decider', 'orders-api', content);
    assert.equal(name, `approvalrequest--subscribe--created--decider--orders-api--${contentHash(content)}`);
    assert.match(contentHash(content), new RegExp(`^[0-9a-f]{${HASH_LENGTH}}$`));
  });

  it('is the same for the same content and differs when any part differs', () => {
    const a = notificationName('p', 't', content);
    assert.equal(notificationName('p', 't', [...content]), a);
    for (let i = 0; i < content.length; i++) {
      const changed = [...content];
      changed[i] = `${String(changed[i])}x`;
      assert.notEqual(notificationName('p', 't', changed), a, `part ${i}`);
    }
  });

  it('puts a qualifier (the reminder threshold) before the hash', () => {
    assert.match(notificationName('approval--subscribe--reminder--decider', 'orders', ['x'], '720h@2'), /^approval--subscribe--reminder--decider--orders--720h-2--[0-9a-f]{10}$/);
  });

  it('cuts a long target to 253 characters and keeps the purpose and the hash', () => {
    const purpose = 'approvalrequest--subscribe--created--decider';
    const name = notificationName(purpose, 'x'.repeat(400), content);
    assert.equal(name.length, MAX_NAME_LENGTH);
    assert.ok(name.startsWith(`${purpose}--x`));
    assert.ok(name.endsWith(`--${contentHash(content)}`));
  });

  it('is always a valid DNS subdomain name (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 400 }), fc.option(fc.string({ maxLength: 30 }), { nil: undefined }), (purpose, target, qualifier) => {
        const name = notificationName(purpose, target, [purpose, target], qualifier);
        assert.ok(name.length <= MAX_NAME_LENGTH, name);
        assert.match(name, DNS_SUBDOMAIN);
      }),
    );
  });

  it('segment lower-cases and replaces what a name cannot hold', () => {
    assert.equal(segment('Orders.API_v2'), 'orders-api-v2');
    assert.equal(segment('--x--'), 'x');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Notification } from '../../../../src/api/types.ts';
import { plannedOnly } from '../../../../src/notify/delivery/delivery-controller.ts';

describe('plannedOnly (the cached form of a Notification)', () => {
  it('keeps what planning reads (purpose, channels, fallback, callback, status) and drops the template properties', () => {
    const notification: Notification = {
      metadata: { name: 'n', namespace: 'a', managedFields: [{ manager: 'approval-operator' }] } as Notification['metadata'],
      spec: {
        purpose: 'approvalrequest--subscribe--created--decider',
        sender: { type: 'User', name: 'bob' },
        channels: [{ name: 'mail', namespace: 'b' }],
        fallbackEmail: { recipients: ['x@example.com'] },
        callback: { url: 'https://example.com/cb' },
        properties: { reason: 'a long text', requester_team: 'shop' },
      },
      status: { states: { 'channel/b/mail': { state: 'Delivered', attempts: 1 } } },
    } as unknown as Notification;
    const cached = plannedOnly(structuredClone(notification));
    assert.equal(cached.spec.properties, undefined);
    assert.equal((cached.metadata as { managedFields?: unknown }).managedFields, undefined);
    const { properties: _dropped, ...kept } = notification.spec;
    assert.deepEqual(cached.spec, kept);
    assert.deepEqual(cached.status, notification.status);
  });
});

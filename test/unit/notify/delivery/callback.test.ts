import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callbackPayload, callbackStatusOf, sendCallback } from '../../../../src/notify/delivery/callback-sender.ts';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../../../src/notify/delivery/signature.ts';
import type { Notification } from '../../../../src/notify/delivery/types.ts';
import { sendWebhook, webhookPayload } from '../../../../src/notify/delivery/webhook-sender.ts';
import { OutboundHttp } from '../../../../src/notify/delivery/http.ts';
import { HttpReceiver, LOCAL_RECEIVER_OUTBOUND } from '../../../support/http-receiver.ts';

const notification: Notification = {
  metadata: {
    name: 'approvalrequest--subscribe--updated--requester--r1--abc',
    namespace: 'team-a',
    uid: 'n-uid',
    creationTimestamp: '2030-01-01T10:00:00Z',
    ownerReferences: [{ apiVersion: 'approval.cp.ei.telekom.de/v1', kind: 'ApprovalRequest', name: 'r1', uid: 'r1-uid' }],
  },
  spec: {
    purpose: 'approvalrequest--subscribe--updated--requester',
    sender: { type: 'System', name: 'approval-operator' },
    channels: [],
    properties: {
      state_old: 'Pending',
      state_new: 'Granted',
      callback_status: 'approved',
      comment: 'LGTM',
      actor: 'alice',
      actor_email: 'alice@example.com',
      subject: { kind: 'ApprovalRequest', namespace: 'team-a', name: 'r1' },
      correlation_id: 'deploy-42',
    },
    callback: { url: 'http://example.invalid/cb', secretRef: { name: 's', key: 'k' } },
  },
};

describe('callback payload', () => {
  it('has exactly the documented fields', () => {
    assert.deepEqual(callbackPayload(notification), {
      approvalRequest: { name: 'r1', namespace: 'team-a', uid: 'r1-uid' },
      status: 'approved',
      actionedComment: 'LGTM',
      actionedAt: '2030-01-01T10:00:00Z',
      actionedBy: { name: 'alice', email: 'alice@example.com' },
      correlationId: 'deploy-42',
    });
  });

  it('falls back to the final state, and to null for unknown details', () => {
    const bare: Notification = { ...notification, spec: { ...notification.spec, properties: { state_new: 'Expired', subject: { name: 'r1', namespace: 'team-a', uid: 'given' } } } };
    assert.deepEqual(callbackPayload(bare), {
      approvalRequest: { name: 'r1', namespace: 'team-a', uid: 'given' },
      status: 'expired',
      actionedComment: null,
      actionedAt: '2030-01-01T10:00:00Z',
      actionedBy: { name: null, email: null },
      correlationId: null,
    });
  });

  it('maps states to callback statuses', () => {
    assert.equal(callbackStatusOf('Granted'), 'approved');
    assert.equal(callbackStatusOf('Rejected'), 'rejected');
    assert.equal(callbackStatusOf('Expired'), 'expired');
    assert.equal(callbackStatusOf('withdrawn'), 'cancelled');
    assert.equal(callbackStatusOf('cancelled'), 'cancelled');
    assert.equal(callbackStatusOf('Pending'), undefined);
  });

  it('refuses a notification without a final status', () => {
    assert.throws(() => callbackPayload({ ...notification, spec: { ...notification.spec, properties: { state_new: 'Pending' } } }), /no callback status/);
  });
});

describe('sendCallback and sendWebhook', () => {
  const receiver = new HttpReceiver();
  // The receiver is on 127.0.0.1: allowed explicitly.
  const outbound = new OutboundHttp(LOCAL_RECEIVER_OUTBOUND);
  before(() => receiver.start());
  after(async () => {
    await receiver.stop();
    await outbound.close();
  });

  it('signs the raw body so that the receiver can verify it', async () => {
    await sendCallback(receiver.url('/cb'), callbackPayload(notification), { idempotencyKey: 'n-uid/callback', secret: 'shared', outbound });
    const [request] = receiver.received('/cb');
    const timestamp = request!.headers[TIMESTAMP_HEADER.toLowerCase()] as string;
    const signature = request!.headers[SIGNATURE_HEADER.toLowerCase()] as string;
    assert.ok(verifySignature('shared', timestamp, signature, request!.body));
    assert.ok(!verifySignature('wrong', timestamp, signature, request!.body));
    assert.equal(request!.headers['idempotency-key'], 'n-uid/callback');
    assert.deepEqual(JSON.parse(request!.body), callbackPayload(notification));
  });

  it('sends unsigned without a secret', async () => {
    await sendCallback(receiver.url('/unsigned'), callbackPayload(notification), { idempotencyKey: 'k', outbound });
    const [request] = receiver.received('/unsigned');
    assert.equal(request!.headers[SIGNATURE_HEADER.toLowerCase()], undefined);
  });

  it('webhooks carry the notification and the rendered texts, signed when asked', async () => {
    const content = {
      notification: { namespace: 'team-a', name: 'n', uid: 'n-uid' },
      purpose: 'p',
      sender: { type: 'System', name: 'op' },
      properties: { state_new: 'Granted' },
      subject: 'S',
      text: 'T',
    };
    await sendWebhook(receiver.url('/wh'), content, { idempotencyKey: 'n-uid/team-a/wh', secret: Buffer.from('k'), outbound });
    const [request] = receiver.received('/wh');
    assert.deepEqual(JSON.parse(request!.body), webhookPayload(content));
    assert.deepEqual(JSON.parse(request!.body).message, { subject: 'S', text: 'T' });
    assert.ok(verifySignature(Buffer.from('k'), request!.headers['x-approval-timestamp'] as string, request!.headers['x-approval-signature-256'] as string, request!.body));
  });
});

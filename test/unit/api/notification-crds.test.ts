// The notification kinds: CRDs, REST resources, generated types and ajv validation.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crdFor, loadCrds, storageSchema, type CrdDocument, type JsonSchemaProps } from '../../../src/api/crds.ts';
import {
  NOTIFICATION_API_VERSION,
  NOTIFICATION_GROUP,
  PURPOSE_LABEL,
  SENDER_TYPE_LABEL,
  notificationChannelResource,
  notificationResource,
  notificationTemplateResource,
} from '../../../src/api/resources.ts';
import type { Notification, NotificationChannel, NotificationTemplate } from '../../../src/api/types.ts';
import { validateManifest } from '../../../src/api/validation.ts';
import { generateApiTypes } from '../../../hack/gen-api-types.ts';

const crds = loadCrds();
const notification = crdFor(crds, NOTIFICATION_GROUP, 'Notification');
const channel = crdFor(crds, NOTIFICATION_GROUP, 'NotificationChannel');
const template = crdFor(crds, NOTIFICATION_GROUP, 'NotificationTemplate');

function at(crd: CrdDocument, path: string): JsonSchemaProps {
  let schema = storageSchema(crd);
  for (const step of path.split('.')) {
    const field = step.replace(/\[\]$/, '');
    const next = field === '{}' ? (schema.additionalProperties as JsonSchemaProps | undefined) : schema.properties?.[field];
    assert.ok(next && typeof next === 'object', `${crd.spec.names.kind}: no field ${path}`);
    schema = step.endsWith('[]') ? (next.items ?? assert.fail(`${path} is not an array`)) : next;
  }
  return schema;
}
const columns = (crd: CrdDocument) => crd.spec.versions[0]?.additionalPrinterColumns?.map((c) => `${c.name}=${c.jsonPath}`);
const rules = (schema: JsonSchemaProps) => (schema['x-kubernetes-validations'] ?? []).map((r) => r.rule);

const validNotification = (): Notification => ({
  apiVersion: NOTIFICATION_API_VERSION,
  kind: 'Notification',
  metadata: { name: 'approvalrequest--subscribe--created--decider--orders--0123456789', namespace: 'team-a' },
  spec: {
    purpose: 'approvalrequest--subscribe--created--decider',
    sender: { type: 'User', name: 'alice' },
    channels: [{ name: 'mail', namespace: 'orders' }],
    properties: { state_new: 'Pending', target: { kind: 'ApiSubscription', namespace: 'team-a', name: 'orders' }, days_remaining: 3 },
    callback: { url: 'https://example.com/hook', secretRef: { name: 's', key: 'k' } },
  },
  status: {
    conditions: [{ type: 'Delivered', status: 'False', reason: 'Retrying', message: '1 pending', lastTransitionTime: '2024-05-01T10:00:00Z' }],
    states: { 'orders/mail': { sent: false, attempts: 2, errorMessage: 'timeout', timestamp: '2024-05-01T10:00:00Z', nextAttemptAt: '2024-05-01T10:00:04Z' } },
    observedGeneration: 1,
  },
});

describe('notification CRDs', () => {
  it('has the three kinds, v1 served and stored, namespaced, with the status subresource', () => {
    assert.equal(NOTIFICATION_API_VERSION, `${NOTIFICATION_GROUP}/v1`);
    for (const [crd, resource, short] of [
      [notification, notificationResource, 'notif'],
      [channel, notificationChannelResource, 'nch'],
      [template, notificationTemplateResource, 'ntpl'],
    ] as const) {
      assert.equal(crd.metadata.name, `${resource.plural}.${NOTIFICATION_GROUP}`);
      assert.equal(crd.spec.group, resource.group);
      assert.equal(crd.spec.names.kind, resource.kind);
      assert.equal(crd.spec.names.plural, resource.plural);
      assert.equal(crd.spec.scope, 'Namespaced');
      assert.equal(resource.namespaced, true);
      assert.deepEqual(crd.spec.names.shortNames, [short]);
      assert.deepEqual(crd.spec.names.categories, ['approval-operator']);
      const [v1] = crd.spec.versions;
      assert.deepEqual({ name: v1?.name, served: v1?.served, storage: v1?.storage }, { name: 'v1', served: true, storage: true });
      assert.deepEqual(v1?.subresources, { status: {} });
      assert.deepEqual(storageSchema(crd).required, ['spec']);
    }
    assert.equal(PURPOSE_LABEL, 'notification.cp.ei.telekom.de/purpose');
    assert.equal(SENDER_TYPE_LABEL, 'notification.cp.ei.telekom.de/sender-type');
  });

  it('has the printer columns', () => {
    assert.deepEqual(columns(notification), ['Purpose=.spec.purpose', 'Delivered=.status.conditions[?(@.type=="Delivered")].status', 'Age=.metadata.creationTimestamp']);
    assert.equal(columns(channel)?.at(-1), 'Age=.metadata.creationTimestamp');
    assert.deepEqual(columns(template), ['Subject=.spec.subject', 'Age=.metadata.creationTimestamp']);
  });

  it('has the Notification spec and status of the design (docs/notifications.md)', () => {
    assert.deepEqual(Object.keys(at(notification, 'spec').properties ?? {}), ['purpose', 'sender', 'channels', 'fallbackEmail', 'properties', 'callback']);
    assert.deepEqual(at(notification, 'spec').required, ['purpose', 'sender']);
    assert.equal(at(notification, 'spec.purpose').minLength, 1);
    assert.equal(at(notification, 'spec.purpose').maxLength, 63);
    assert.deepEqual(at(notification, 'spec.sender.type').enum, ['User', 'System']);
    assert.deepEqual(at(notification, 'spec.channels[]').required, ['name', 'namespace']);
    assert.deepEqual(at(notification, 'spec.channels')['x-kubernetes-list-map-keys'], ['namespace', 'name']);
    assert.equal(at(notification, 'spec.fallbackEmail.recipients').minItems, 1);
    assert.equal(at(notification, 'spec.properties')['x-kubernetes-preserve-unknown-fields'], true);
    assert.deepEqual(at(notification, 'spec.callback').required, ['url']);
    assert.deepEqual(Object.keys(at(notification, 'status').properties ?? {}), ['conditions', 'states', 'observedGeneration']);
    assert.deepEqual(at(notification, 'status.conditions')['x-kubernetes-list-map-keys'], ['type']);
    assert.deepEqual(Object.keys(at(notification, 'status.states.{}').properties ?? {}), ['sent', 'timestamp', 'attempts', 'errorMessage', 'nextAttemptAt']);
    assert.equal(rules(at(notification, 'spec')).length, 1);
  });

  it('has the NotificationChannel and NotificationTemplate specs', () => {
    assert.deepEqual(Object.keys(at(channel, 'spec').properties ?? {}), ['email', 'chat', 'webhook', 'ignore']);
    assert.deepEqual(at(channel, 'spec.email').required, ['recipients']);
    assert.equal(at(channel, 'spec.email.recipients').minItems, 1);
    assert.deepEqual(at(channel, 'spec.chat.format').enum, ['teams', 'slack', 'generic']);
    assert.equal(at(channel, 'spec.chat.format').default, 'generic');
    assert.equal(at(channel, 'spec.chat.webhookUrl').format, 'uri');
    assert.deepEqual(at(channel, 'spec.webhook.secretRef').required, ['name', 'key']);
    assert.deepEqual(rules(at(channel, 'spec')), ['(has(self.email) ? 1 : 0) + (has(self.chat) ? 1 : 0) + (has(self.webhook) ? 1 : 0) == 1']);
    assert.deepEqual(Object.keys(at(template, 'spec').properties ?? {}), ['subject', 'body', 'html']);
    assert.match(rules(storageSchema(template))[0] ?? '', /mail\|chat\|webhook/);
  });
});

describe('notification types and validation', () => {
  it('generates the notification kinds into src/api/generated.ts', () => {
    const code = generateApiTypes();
    for (const kind of ['Notification', 'NotificationChannel', 'NotificationTemplate']) {
      assert.match(code, new RegExp(`export interface ${kind} \\{\\n  apiVersion\\?: string;\\n  kind\\?: string;\\n  metadata: ObjectMeta;\\n  spec: ${kind}Spec;\\n  status\\?: ${kind}Status;\\n\\}`));
    }
    assert.match(code, /states\?: Record<string, ChannelDeliveryState>;/);
    assert.match(code, /export interface ChannelDeliveryState \{/);
    assert.match(code, /export type SenderType = 'User' \| 'System';/);
    assert.match(code, /callback\?: Callback;/);
  });

  it('accepts valid notification manifests and applies the defaults', () => {
    assert.deepEqual(validateManifest(validNotification()).errors, []);
    const chat: NotificationChannel = {
      apiVersion: NOTIFICATION_API_VERSION,
      kind: 'NotificationChannel',
      metadata: { name: 'chat', namespace: 'orders' },
      spec: { chat: { webhookUrl: 'https://chat.example.com/hook' }, ignore: ['*--requester'] },
    };
    const result = validateManifest(chat);
    assert.deepEqual(result.errors, []);
    assert.equal((result.defaulted as NotificationChannel).spec.chat?.format, 'generic');
    const tpl: NotificationTemplate = {
      apiVersion: NOTIFICATION_API_VERSION,
      kind: 'NotificationTemplate',
      metadata: { name: 'approvalrequest--subscribe--created--decider--mail', namespace: 'approval-system' },
      spec: { subject: 'New request {{target.name}}', body: 'Please decide', html: '<p>Please decide</p>' },
    };
    assert.deepEqual(validateManifest(tpl).errors, []);
  });

  it('rejects bad notification manifests with the field path', () => {
    const tooLong = validNotification();
    tooLong.spec.purpose = 'x'.repeat(64);
    assert.ok(validateManifest(tooLong).errors.some((e) => e.startsWith('spec.purpose:')));
    const badSender = validNotification();
    (badSender.spec.sender as { type: string }).type = 'Robot';
    assert.ok(validateManifest(badSender).errors.some((e) => e.startsWith('spec.sender.type: must be one of')));
    const dupChannel = validNotification();
    dupChannel.spec.channels = [{ name: 'mail', namespace: 'orders' }, { name: 'mail', namespace: 'orders' }];
    assert.ok(validateManifest(dupChannel).errors.some((e) => e.startsWith('spec.channels:')));
    const emptyFallback = validNotification();
    emptyFallback.spec.fallbackEmail = { recipients: [] };
    assert.ok(validateManifest(emptyFallback).errors.some((e) => e.startsWith('spec.fallbackEmail.recipients:')));
    const badState = validNotification();
    (badState.status!.states!['orders/mail'] as Record<string, unknown>).attempts = 'two';
    assert.ok(validateManifest(badState).errors.some((e) => e.startsWith('status.states.orders/mail.attempts:')), JSON.stringify(validateManifest(badState).errors));
    const badFormat = { apiVersion: NOTIFICATION_API_VERSION, kind: 'NotificationChannel', metadata: { name: 'c' }, spec: { chat: { webhookUrl: 'https://x', format: 'irc' } } };
    assert.ok(validateManifest(badFormat).errors.some((e) => e.startsWith('spec.chat.format: must be one of')));
    const noRecipients = { apiVersion: NOTIFICATION_API_VERSION, kind: 'NotificationChannel', metadata: { name: 'c' }, spec: { email: {} } };
    assert.ok(validateManifest(noRecipients).errors.includes('spec.email.recipients: must have required property'));
  });
});

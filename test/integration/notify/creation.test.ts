// Notification creation against the real API server: the CRDs accept what the creator
// writes, a repeated state change creates nothing new and returns the same refs (which the
// controllers record in status), and the CEL rules of the notification kinds hold.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Approval, ApprovalRequest, Notification, NotificationChannel } from '../../../src/api/types.ts';
import {
  API_VERSION,
  NOTIFICATION_API_VERSION,
  PURPOSE_LABEL,
  SENDER_TYPE_LABEL,
  approvalRequestResource,
  approvalResource,
  notificationChannelResource,
  notificationResource,
} from '../../../src/api/resources.ts';
import { ACCEPT_FROM_NAMESPACES_ANNOTATION } from '../../../src/notify/channel-access.ts';
import { NotificationCreator } from '../../../src/notify/creation/notification-creator.ts';
import { dueReminders } from '../../../src/notify/creation/reminders.ts';
import type { StateChange } from '../../../src/notify/notifier.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath, objectPath } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, testLogger } from '../../support/cluster.ts';
import { installCrds, kubectl } from '../../support/kubectl.ts';

describe('notification creation (real API server)', () => {
  let client: KubeClient;
  let ns: string; // the requests, approvals and notifications
  let deciderNs: string; // the decider team's applicationRef namespace: has channels
  let requesterNs: string; // the requester team's: no channel (fallback e-mail)
  let creator: NotificationCreator;
  let writes = 0;

  const channelsIn = async (namespace: string) =>
    (await client.get<{ items: NotificationChannel[] }>(collectionPath(notificationChannelResource, namespace))).items;
  let channelCache = new Map<string, NotificationChannel[]>();
  const refreshChannels = async () => {
    channelCache = new Map([
      [deciderNs, await channelsIn(deciderNs)],
      [requesterNs, await channelsIn(requesterNs)],
    ]);
  };
  const notifications = async () => (await client.get<{ items: Notification[] }>(collectionPath(notificationResource, ns))).items;
  const getRequest = (name: string) => client.get<ApprovalRequest>(objectPath(approvalRequestResource, ns, name));

  const createRequest = (name: string, extra: Partial<ApprovalRequest['spec']> = {}) =>
    client.create<ApprovalRequest>(collectionPath(approvalRequestResource, ns), {
      apiVersion: API_VERSION,
      kind: 'ApprovalRequest',
      metadata: { name },
      spec: {
        action: 'subscribe',
        strategy: 'Simple',
        requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'read orders', applicationRef: { name: 'shop', namespace: requesterNs } },
        decider: { teamName: 'orders', teamEmail: 'orders@example.com', applicationRef: { name: 'orders', namespace: deciderNs } },
        target: { kind: 'ApiSubscription', name: `${name}-target`, namespace: ns },
        ...extra,
      },
    });

  before(async () => {
    client = adminClient();
    client.onResponse((verb, status) => {
      if (verb !== 'GET' && status < 300) writes++;
    });
    await installCrds();
    ns = await createNamespace(client, 'notify');
    deciderNs = await createNamespace(client, 'notify-decider');
    requesterNs = await createNamespace(client, 'notify-requester');
    // The decider team's channels serve requests of other namespaces only when they say so.
    const accept = { annotations: { [ACCEPT_FROM_NAMESPACES_ANNOTATION]: ns } };
    for (const channel of [
      { metadata: { name: 'orders-mail', ...accept }, spec: { email: { recipients: ['orders-team@example.com'] } } },
      { metadata: { name: 'orders-chat', ...accept }, spec: { chat: { webhookUrl: 'https://chat.example.com/hook', format: 'teams' }, ignore: ['*--reminder--*'] } },
      { metadata: { name: 'not-for-ns' }, spec: { email: { recipients: ['elsewhere@example.com'] } } },
    ]) {
      await client.create(collectionPath(notificationChannelResource, deciderNs), { apiVersion: NOTIFICATION_API_VERSION, kind: 'NotificationChannel', ...channel });
    }
    await refreshChannels();
    creator = new NotificationCreator({
      client,
      log: testLogger(),
      // No informer here: a miss makes the creator read the subject from the API server.
      lookupSubject: () => undefined,
      channels: (namespace) => channelCache.get(namespace) ?? [],
    });
  });
  after(async () => {
    await client.close();
  });

  it('Pending on creation: one Notification for the decider only, through its channels; a repeat creates nothing', async () => {
    const request = await createRequest('pending-one');
    const change: StateChange = { kind: 'ApprovalRequest', namespace: ns, name: 'pending-one', uid: request.metadata.uid!, action: 'subscribe', from: undefined, to: 'Pending', actor: 'carol' };
    const refs = await creator.stateChanged(change);
    const before = writes;
    assert.deepEqual(await creator.stateChanged(change), refs, 'a repeat returns the same refs');
    assert.equal(writes, before, 'the repeated call wrote nothing');

    const mine = (await notifications()).filter((n) => n.metadata.ownerReferences?.[0]?.uid === request.metadata.uid);
    assert.equal(mine.length, 1);
    const [n] = mine;
    assert.equal(n!.spec.purpose, 'approvalrequest--subscribe--created--decider');
    assert.deepEqual(n!.metadata.labels, { [PURPOSE_LABEL]: 'approvalrequest--subscribe--created--decider', [SENDER_TYPE_LABEL]: 'User' });
    assert.deepEqual(n!.metadata.ownerReferences, [{ apiVersion: API_VERSION, kind: 'ApprovalRequest', name: 'pending-one', uid: request.metadata.uid }]);
    assert.deepEqual(n!.spec.channels, [
      { name: 'orders-chat', namespace: deciderNs },
      { name: 'orders-mail', namespace: deciderNs },
    ]);
    assert.equal(n!.spec.fallbackEmail, undefined);
    assert.equal(n!.spec.properties?.state_new, 'Pending');
    assert.equal(n!.spec.properties?.state_old, undefined);
    assert.deepEqual(n!.spec.properties?.target, { kind: 'ApiSubscription', namespace: ns, name: 'pending-one-target' });
    assert.deepEqual(n!.spec.properties?.subject, { kind: 'ApprovalRequest', namespace: ns, name: 'pending-one', uid: request.metadata.uid });

    assert.deepEqual(refs, [{ name: n!.metadata.name, namespace: ns, uid: n!.metadata.uid }]);
    assert.equal((await getRequest('pending-one')).status?.notificationRefs, undefined, 'the controller records the refs, not the creator');

    const semigranted: StateChange = { ...change, from: 'Pending', to: 'Semigranted', actor: 'alice' };
    const semigrantedRefs = await creator.stateChanged({ ...semigranted, occurrence: 1 } as StateChange);
    assert.deepEqual(await creator.stateChanged({ ...semigranted, occurrence: 1 } as StateChange), semigrantedRefs);
    assert.equal(semigrantedRefs.length, 1);
    const purposes = (await notifications()).filter((x) => x.metadata.ownerReferences?.[0]?.uid === request.metadata.uid).map((x) => x.spec.purpose).sort();
    assert.deepEqual(purposes, ['approvalrequest--subscribe--created--decider', 'approvalrequest--subscribe--updated--decider'], 'requester not notified on Pending/Semigranted');
  });

  it('Granted: one Notification per recipient, the requester by fallback e-mail with the callback; called twice, exactly one each', async () => {
    const request = await createRequest('granted-one', { callback: { url: 'https://example.com/cb', secretRef: { name: 'cb', key: 'hmac' } } });
    const change: StateChange = { kind: 'ApprovalRequest', namespace: ns, name: 'granted-one', uid: request.metadata.uid!, action: 'subscribe', from: 'Pending', to: 'Granted', actor: 'alice', comment: 'fine' };
    const refs = await creator.stateChanged(change);
    assert.deepEqual(await creator.stateChanged(change), refs);

    const mine = (await notifications()).filter((n) => n.metadata.ownerReferences?.[0]?.uid === request.metadata.uid);
    assert.deepEqual(mine.map((n) => n.spec.purpose).sort(), ['approvalrequest--subscribe--updated--decider', 'approvalrequest--subscribe--updated--requester']);
    const requester = mine.find((n) => n.spec.purpose.endsWith('--requester'))!;
    assert.deepEqual(requester.spec.channels, []);
    assert.deepEqual(requester.spec.fallbackEmail, { recipients: ['shop@example.com'] });
    assert.deepEqual(requester.spec.callback, { url: 'https://example.com/cb', secretRef: { name: 'cb', key: 'hmac' } });
    assert.equal(requester.spec.properties?.callback_status, 'approved');
    assert.equal(requester.spec.properties?.state_old, 'Pending');
    assert.equal(requester.spec.properties?.state_new, 'Granted');
    assert.equal(requester.spec.properties?.comment, 'fine');
    assert.equal(requester.spec.properties?.actor, 'alice');
    assert.equal(requester.spec.properties?.requester_team, 'shop');
    assert.equal(requester.spec.properties?.decider_team, 'orders');
    assert.equal(requester.spec.properties?.reason, 'read orders');
    const decider = mine.find((n) => n.spec.purpose.endsWith('--decider'))!;
    assert.equal(decider.spec.callback, undefined);
    assert.equal(decider.spec.channels?.length, 2);

    assert.deepEqual(refs.map((r) => r.name).sort(), mine.map((n) => n.metadata.name).sort());
    assert.deepEqual(refs.map((r) => r.uid).sort(), mine.map((n) => n.metadata.uid).sort());
    assert.ok(refs.every((r) => r.namespace === ns));
  });

  it('one message per person per event: a request settled as it was filed tells both its outcome, naming the Approval; an empty audience writes nothing', async () => {
    const request = await createRequest('auto-one', { strategy: 'Auto' });
    const change: StateChange = {
      kind: 'ApprovalRequest',
      namespace: ns,
      name: 'auto-one',
      uid: request.metadata.uid!,
      action: 'subscribe',
      from: undefined,
      to: 'Granted',
      actor: 'carol',
      occurrence: 1,
      recipients: ['decider', 'requester'],
      approval: { name: 'apisubscription--auto-one-target', namespace: ns },
    };
    const refs = await creator.stateChanged(change);
    assert.deepEqual(await creator.stateChanged(change), refs, 'a repeat (a crash before the status write) finds them');
    const mine = (await notifications()).filter((n) => n.metadata.ownerReferences?.[0]?.uid === request.metadata.uid);
    assert.deepEqual(mine.map((n) => n.spec.purpose).sort(), ['approvalrequest--subscribe--created--decider', 'approvalrequest--subscribe--created--requester']);
    assert.ok(mine.every((n) => (n.spec.properties?.approval as { name?: string }).name === 'apisubscription--auto-one-target'), 'each names the Approval');

    // The Approval's creation (audience.ts: nobody) and a "waiting" step of a request decided by now.
    const before = writes;
    assert.deepEqual(await creator.stateChanged({ ...change, kind: 'Approval', name: 'apisubscription--auto-one-target', recipients: [] }), []);
    assert.deepEqual(await creator.stateChanged({ ...change, to: 'Pending', occurrence: 0, recipients: [] }), []);
    assert.equal(writes, before, 'nobody to tell: no write');
  });

  it('System actor on expiry: sender type System', async () => {
    const request = await createRequest('expired-one');
    await creator.stateChanged({ kind: 'ApprovalRequest', namespace: ns, name: 'expired-one', uid: request.metadata.uid!, action: 'subscribe', from: 'Pending', to: 'Expired', actor: 'System' });
    const mine = (await notifications()).filter((n) => n.metadata.ownerReferences?.[0]?.uid === request.metadata.uid);
    assert.equal(mine.length, 2);
    assert.ok(mine.every((n) => n.spec.sender.type === 'System' && n.metadata.labels?.[SENDER_TYPE_LABEL] === 'System'));
  });

  it('withdrawn: the decider is told about the deleted request, once, with the callback cancelled', async () => {
    const request = await createRequest('withdrawn-one', { callback: { url: 'https://example.com/cb' } });
    await client.delete(objectPath(approvalRequestResource, ns, 'withdrawn-one'));
    const change = { kind: 'ApprovalRequest' as const, namespace: ns, name: 'withdrawn-one', uid: request.metadata.uid!, action: 'subscribe', from: 'Pending' as const, actor: 'unknown', object: request };
    await creator.withdrawn(change);
    await creator.withdrawn(change);
    const mine = (await notifications()).filter((n) => n.spec.properties && (n.spec.properties.subject as { uid?: string }).uid === request.metadata.uid);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.spec.purpose, 'approvalrequest--subscribe--withdrawn--decider');
    assert.equal(mine[0]!.spec.properties?.callback_status, 'cancelled');
    assert.equal(mine[0]!.metadata.ownerReferences, undefined);
  });

  it('reminders: both recipients once per threshold; a channel ignoring reminders is left out', async () => {
    const approval = await client.create<Approval>(collectionPath(approvalResource, ns), {
      apiVersion: API_VERSION,
      kind: 'Approval',
      metadata: { name: 'apisubscription--reminded' },
      spec: {
        action: 'subscribe',
        requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'r', applicationRef: { name: 'shop', namespace: requesterNs } },
        decider: { teamName: 'orders', teamEmail: 'orders@example.com', applicationRef: { name: 'orders', namespace: deciderNs } },
        target: { kind: 'ApiSubscription', name: 'reminded', namespace: ns },
      },
    });
    const now = new Date();
    const expiresAt = new Date(now.getTime() + 10 * 86_400_000 + 60_000);
    const { due } = dueReminders([{ before: '720h', repeat: '168h' }], expiresAt, now, approval.status?.remindersSent ?? []);
    assert.deepEqual(due, ['720h', '720h@1', '720h@2']);
    const refs = await creator.createReminder(approval, due, expiresAt, now);
    assert.deepEqual(await creator.createReminder(approval, due, expiresAt, now), refs);
    const mine = (await notifications()).filter((n) => n.metadata.ownerReferences?.[0]?.uid === approval.metadata.uid);
    assert.deepEqual(mine.map((n) => n.spec.purpose).sort(), ['approval--subscribe--reminder--decider', 'approval--subscribe--reminder--requester']);
    const decider = mine.find((n) => n.spec.purpose.endsWith('--decider'))!;
    assert.deepEqual(decider.spec.channels, [{ name: 'orders-mail', namespace: deciderNs }]);
    assert.equal(decider.spec.properties?.days_remaining, 10);
    assert.equal(decider.spec.properties?.expiration_date, expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    assert.deepEqual(refs.map((r) => r.name).sort(), mine.map((n) => n.metadata.name).sort());
  });

  it('the API server enforces the CEL rules of the notification kinds', async () => {
    const apply = (manifest: unknown) => kubectl(['-n', deciderNs, 'apply', '-f', '-'], { input: JSON.stringify(manifest) });
    const twoKinds = await apply({
      apiVersion: NOTIFICATION_API_VERSION,
      kind: 'NotificationChannel',
      metadata: { name: 'both' },
      spec: { email: { recipients: ['a@example.com'] }, webhook: { url: 'https://example.com' } },
    });
    assert.notEqual(twoKinds.code, 0);
    assert.match(twoKinds.stderr, /exactly one of email, chat or webhook/);
    const none = await apply({ apiVersion: NOTIFICATION_API_VERSION, kind: 'NotificationChannel', metadata: { name: 'none' }, spec: { ignore: ['x'] } });
    assert.match(none.stderr, /exactly one of email, chat or webhook/);
    const badTemplate = await apply({ apiVersion: NOTIFICATION_API_VERSION, kind: 'NotificationTemplate', metadata: { name: 'hello' }, spec: { body: 'x' } });
    assert.match(badTemplate.stderr, /<purpose>--<mail\|chat\|webhook>/);
    const goodTemplate = await apply({ apiVersion: NOTIFICATION_API_VERSION, kind: 'NotificationTemplate', metadata: { name: 'approvalrequest--subscribe--created--decider--mail' }, spec: { subject: 's', body: 'b' } });
    assert.equal(goodTemplate.code, 0, goodTemplate.stderr);
    const empty = await apply({ apiVersion: NOTIFICATION_API_VERSION, kind: 'Notification', metadata: { name: 'empty' }, spec: { purpose: 'p', sender: { type: 'User' }, channels: [] } });
    assert.match(empty.stderr, /at least one of channels, fallbackEmail or callback/);
    const listed = await kubectl(['-n', ns, 'get', 'notif']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /PURPOSE\s+DELIVERED\s+AGE/);
  });
});

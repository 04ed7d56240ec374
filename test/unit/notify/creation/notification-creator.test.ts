// NotificationCreator against an in-memory API (the real API server: test/integration/notify).
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import type { Approval, ApprovalRequest, Notification, NotificationChannel } from '../../../../src/api/types.ts';
import { PURPOSE_LABEL, SENDER_TYPE_LABEL } from '../../../../src/api/resources.ts';
import { ACCEPT_FROM_NAMESPACES_ANNOTATION } from '../../../../src/notify/channel-access.ts';
import { NotificationCreator, mergeRefs } from '../../../../src/notify/creation/notification-creator.ts';
import { ApiError, type KubeClient } from '../../../../src/runtime/kube-client.ts';

/** The API calls the creator makes, served from maps: objects by path, with resourceVersions. */
class FakeApi {
  objects = new Map<string, { metadata: { uid?: string; resourceVersion?: string; name: string }; status?: Record<string, unknown> }>();
  calls: string[] = [];
  private rv = 1;
  private uid = 1;

  put(path: string, object: { metadata: { name: string; uid?: string; resourceVersion?: string } }) {
    object.metadata.uid ??= `uid-${this.uid++}`;
    object.metadata.resourceVersion = String(this.rv++);
    this.objects.set(path, object);
    return object;
  }

  client(): KubeClient {
    return {
      create: async (path: string, body: { metadata: { name: string } }) => {
        const at = `${path}/${body.metadata.name}`;
        this.calls.push(`POST ${at}`);
        if (this.objects.has(at)) throw new ApiError(409, 'POST', at, { reason: 'AlreadyExists' });
        return structuredClone(this.put(at, structuredClone(body)));
      },
      get: async (path: string) => {
        this.calls.push(`GET ${path}`);
        const object = this.objects.get(path);
        if (!object) throw new ApiError(404, 'GET', path, { reason: 'NotFound' });
        return structuredClone(object);
      },
      patch: async (path: string, patch: { metadata?: { resourceVersion?: string }; status: Record<string, unknown> }) => {
        this.calls.push(`PATCH ${path}`);
        const object = this.objects.get(path.replace(/\/status$/, ''));
        if (!object) throw new ApiError(404, 'PATCH', path, { reason: 'NotFound' });
        if (patch.metadata?.resourceVersion && patch.metadata.resourceVersion !== object.metadata.resourceVersion) {
          throw new ApiError(409, 'PATCH', path, { reason: 'Conflict' });
        }
        object.status = { ...object.status, ...patch.status };
        object.metadata.resourceVersion = String(this.rv++);
        return structuredClone(object);
      },
    } as unknown as KubeClient;
  }
}

const requestPath = '/apis/approval.cp.ei.telekom.de/v1/namespaces/team-a/approvalrequests/orders-read';
const approvalPath = '/apis/approval.cp.ei.telekom.de/v1/namespaces/team-a/approvals/apisubscription--orders';
const notificationsPath = '/apis/notification.cp.ei.telekom.de/v1/namespaces/team-a/notifications';

const newRequest = (): ApprovalRequest => ({
  metadata: { name: 'orders-read', namespace: 'team-a' },
  spec: {
    action: 'subscribe',
    strategy: 'Simple',
    state: 'Pending',
    requester: { teamName: 'team-a', teamEmail: 'team-a@example.com', reason: 'need it', applicationRef: { name: 'app', namespace: 'team-a' } },
    decider: { teamName: 'orders', teamEmail: 'orders@example.com', applicationRef: { name: 'orders', namespace: 'orders' } },
    target: { kind: 'ApiSubscription', name: 'orders', namespace: 'team-a' },
    decisions: [],
  },
});

// Channels of the decider's namespace serve the requests of team-a (channel-access.ts).
const mailChannel = (name: string, namespace: string, ignore?: string[]): NotificationChannel => ({
  metadata: { name, namespace, annotations: { [ACCEPT_FROM_NAMESPACES_ANNOTATION]: 'team-a' } },
  spec: { email: { recipients: ['x@example.com'] }, ...(ignore ? { ignore } : {}) },
});

describe('NotificationCreator', () => {
  let api: FakeApi;
  let channels: NotificationChannel[];
  let creator: NotificationCreator;
  const notifications = () => [...api.objects.entries()].filter(([path]) => path.startsWith(notificationsPath)).map(([, o]) => o as unknown as Notification);
  const request = () => api.objects.get(requestPath) as unknown as ApprovalRequest;

  beforeEach(() => {
    api = new FakeApi();
    channels = [mailChannel('orders-mail', 'orders')];
    api.put(requestPath, newRequest());
    creator = new NotificationCreator({
      client: api.client(),
      log: pino({ level: 'silent' }),
      lookupSubject: (kind, namespace, name) =>
        structuredClone(api.objects.get(`/apis/approval.cp.ei.telekom.de/v1/namespaces/${namespace}/${kind === 'Approval' ? 'approvals' : 'approvalrequests'}/${name}`)) as ApprovalRequest | undefined,
      channels: (namespace) => channels.filter((c) => c.metadata.namespace === namespace),
      now: () => new Date('2024-05-01T12:00:00Z'),
    });
  });

  it('creates one Notification for the decider on creation (Pending), with channels, labels, owner and properties', async () => {
    const uid = request().metadata.uid!;
    const refs = await creator.stateChanged({ kind: 'ApprovalRequest', namespace: 'team-a', name: 'orders-read', uid, action: 'subscribe', from: undefined, to: 'Pending', actor: 'bob' });
    const [n, ...rest] = notifications();
    assert.equal(rest.length, 0);
    assert.equal(n!.spec.purpose, 'approvalrequest--subscribe--created--decider');
    assert.match(n!.metadata.name, /^approvalrequest--subscribe--created--decider--orders--[0-9a-f]{10}$/);
    assert.deepEqual(n!.metadata.labels, { [PURPOSE_LABEL]: 'approvalrequest--subscribe--created--decider', [SENDER_TYPE_LABEL]: 'User' });
    assert.deepEqual(n!.metadata.ownerReferences, [{ apiVersion: 'approval.cp.ei.telekom.de/v1', kind: 'ApprovalRequest', name: 'orders-read', uid }]);
    assert.deepEqual(n!.spec.sender, { type: 'User', name: 'bob' });
    assert.deepEqual(n!.spec.channels, [{ name: 'orders-mail', namespace: 'orders' }]);
    assert.equal(n!.spec.fallbackEmail, undefined);
    assert.equal(n!.spec.callback, undefined);
    assert.deepEqual(n!.spec.properties, {
      kind: 'ApprovalRequest',
      action: 'subscribe',
      event: 'created',
      recipient: 'decider',
      requester_team: 'team-a',
      requester_email: 'team-a@example.com',
      decider_team: 'orders',
      decider_email: 'orders@example.com',
      reason: 'need it',
      actor: 'bob',
      actioned_at: '2024-05-01T12:00:00Z',
      target: { kind: 'ApiSubscription', namespace: 'team-a', name: 'orders' },
      subject: { kind: 'ApprovalRequest', namespace: 'team-a', name: 'orders-read', uid },
      state_new: 'Pending',
    });
    assert.deepEqual(refs, [{ name: n!.metadata.name, namespace: 'team-a', uid: n!.metadata.uid }]);
    assert.deepEqual(api.calls.filter((c) => c.startsWith('PATCH')), [], 'the refs are recorded by the controller, not here');
  });

  it('is idempotent: the same change again, once its refs are recorded, makes no write and returns the same refs', async () => {
    const uid = request().metadata.uid!;
    const change = { kind: 'ApprovalRequest' as const, namespace: 'team-a', name: 'orders-read', uid, action: 'subscribe', from: 'Pending' as const, to: 'Granted' as const, actor: 'alice', comment: 'ok' };
    const refs = await creator.stateChanged(change);
    assert.equal(notifications().length, 2);
    request().status = { notificationRefs: refs }; // the controller's status write
    const calls = api.calls.length;
    assert.deepEqual(await creator.stateChanged(change), refs);
    assert.equal(notifications().length, 2);
    assert.deepEqual(api.calls.slice(calls), [], 'the repeated call made no request');
  });

  it('after a crash between create and status write, a repeat creates nothing and returns the same refs (AlreadyExists)', async () => {
    const uid = request().metadata.uid!;
    const change = { kind: 'ApprovalRequest' as const, namespace: 'team-a', name: 'orders-read', uid, action: 'subscribe', from: 'Pending' as const, to: 'Rejected' as const, actor: 'alice' };
    const refs = await creator.stateChanged(change);
    assert.equal(refs.length, 2);
    assert.deepEqual(await creator.stateChanged(change), refs);
    assert.equal(notifications().length, 2);
  });

  it('a new occurrence (another decision) is a new Notification', async () => {
    const uid = request().metadata.uid!;
    const change = { kind: 'ApprovalRequest' as const, namespace: 'team-a', name: 'orders-read', uid, action: 'subscribe', from: 'Pending' as const, to: 'Semigranted' as const, actor: 'alice' };
    await creator.stateChanged({ ...change, occurrence: 1 });
    await creator.stateChanged({ ...change, occurrence: 2 });
    assert.equal(notifications().length, 2);
    assert.ok(notifications().every((n) => n.spec.purpose === 'approvalrequest--subscribe--updated--decider'));
  });

  it('falls back to the team e-mail without channels, skips a team whose channels all ignore the purpose, and marks System', async () => {
    channels = [mailChannel('quiet', 'orders', ['approvalrequest--*--decider'])];
    const uid = request().metadata.uid!;
    await creator.stateChanged({ kind: 'ApprovalRequest', namespace: 'team-a', name: 'orders-read', uid, action: 'subscribe', from: 'Pending', to: 'Expired', actor: 'System' });
    const all = notifications();
    assert.deepEqual(all.map((n) => n.spec.purpose), ['approvalrequest--subscribe--updated--requester']);
    assert.deepEqual(all[0]!.spec.channels, []);
    assert.deepEqual(all[0]!.spec.fallbackEmail, { recipients: ['team-a@example.com'] });
    assert.deepEqual(all[0]!.spec.sender, { type: 'System', name: 'System' });
    assert.equal(all[0]!.metadata.labels?.[SENDER_TYPE_LABEL], 'System');
  });

  it('puts the callback on the requester notification of a final outcome', async () => {
    const stored = request();
    stored.spec.callback = { url: 'https://example.com/cb', secretRef: { name: 's', key: 'k' } };
    stored.spec.decisions = [{ name: 'alice', email: 'alice@example.com', comment: 'fine', timestamp: '2024-05-01T11:00:00Z', resultingState: 'Granted' }];
    await creator.stateChanged({ kind: 'ApprovalRequest', namespace: 'team-a', name: 'orders-read', uid: stored.metadata.uid!, action: 'subscribe', from: 'Pending', to: 'Granted', actor: 'alice', comment: 'fine' });
    const requester = notifications().find((n) => n.spec.purpose.endsWith('--requester'))!;
    const decider = notifications().find((n) => n.spec.purpose.endsWith('--decider'))!;
    assert.deepEqual(requester.spec.callback, stored.spec.callback);
    assert.equal(requester.spec.properties?.callback_status, 'approved');
    assert.equal(requester.spec.properties?.actor_email, 'alice@example.com');
    assert.equal(requester.spec.properties?.actioned_at, '2024-05-01T11:00:00Z');
    assert.equal(requester.spec.properties?.comment, 'fine');
    assert.equal(decider.spec.callback, undefined);
  });

  it('tells only the recipients it is given (audience.ts decides), none for an empty list, and names the grant\'s Approval', async () => {
    const uid = request().metadata.uid!;
    const base = { kind: 'ApprovalRequest' as const, namespace: 'team-a', name: 'orders-read', uid, action: 'subscribe', actor: 'alice' };
    const calls = api.calls.length;
    assert.deepEqual(await creator.stateChanged({ ...base, from: undefined, to: 'Pending', recipients: [] }), []);
    assert.deepEqual(api.calls.slice(calls), [], 'nobody to tell: not even a read');
    const refs = await creator.stateChanged({ ...base, from: 'Pending', to: 'Granted', occurrence: 1, recipients: ['requester'], approval: { name: 'apisubscription--orders', namespace: 'team-a' } });
    assert.equal(refs.length, 1);
    const [n, ...rest] = notifications();
    assert.equal(rest.length, 0);
    assert.equal(n!.spec.purpose, 'approvalrequest--subscribe--updated--requester');
    assert.deepEqual(n!.spec.properties?.approval, { kind: 'Approval', namespace: 'team-a', name: 'apisubscription--orders' });
  });

  it('a recipient list naming the decider of a subject without one tells nobody there', async () => {
    const stored = request();
    delete stored.spec.decider;
    const refs = await creator.stateChanged({ kind: 'ApprovalRequest', namespace: 'team-a', name: 'orders-read', uid: stored.metadata.uid!, action: 'subscribe', from: undefined, to: 'Pending', actor: 'bob', recipients: ['decider'] });
    assert.deepEqual(refs, []);
    assert.equal(notifications().length, 0);
  });

  it('ignores a change of an object that is gone or was replaced (other uid)', async () => {
    await creator.stateChanged({ kind: 'ApprovalRequest', namespace: 'team-a', name: 'orders-read', uid: 'someone-else', action: 'subscribe', from: undefined, to: 'Pending', actor: 'bob' });
    await creator.stateChanged({ kind: 'ApprovalRequest', namespace: 'team-a', name: 'missing', uid: 'x', action: 'subscribe', from: undefined, to: 'Pending', actor: 'bob' });
    assert.equal(notifications().length, 0);
  });

  it('withdrawn: tells the decider, cancels the callback, no owner and no status', async () => {
    const deleted = structuredClone(request());
    deleted.spec.callback = { url: 'https://example.com/cb' };
    api.objects.delete(requestPath);
    await creator.withdrawn({ kind: 'ApprovalRequest', namespace: 'team-a', name: 'orders-read', uid: deleted.metadata.uid!, action: 'subscribe', from: 'Pending', actor: 'unknown', object: deleted });
    await creator.withdrawn({ kind: 'ApprovalRequest', namespace: 'team-a', name: 'orders-read', uid: deleted.metadata.uid!, action: 'subscribe', from: 'Pending', actor: 'unknown', object: deleted });
    const [n, ...rest] = notifications();
    assert.equal(rest.length, 0);
    assert.equal(n!.spec.purpose, 'approvalrequest--subscribe--withdrawn--decider');
    assert.equal(n!.metadata.ownerReferences, undefined);
    assert.deepEqual(n!.spec.callback, { url: 'https://example.com/cb' });
    assert.equal(n!.spec.properties?.callback_status, 'cancelled');
    assert.equal(n!.spec.properties?.state_old, 'Pending');
  });

  it('createReminder: both recipients, expiry properties, refs returned for the controller to record', async () => {
    const approval: Approval = { ...newRequest(), metadata: { name: 'apisubscription--orders', namespace: 'team-a' }, spec: { ...newRequest().spec, state: 'Granted' } } as Approval;
    api.put(approvalPath, approval);
    const stored = api.objects.get(approvalPath) as unknown as Approval;
    stored.status = { remindersSent: ['720h'] };
    const expiresAt = new Date('2024-05-20T12:30:00Z');
    const refs = await creator.createReminder(structuredClone(stored), ['720h@1', '720h@2'], expiresAt, new Date('2024-05-01T12:00:00Z'));
    assert.equal(refs.length, 2);
    const all = notifications();
    assert.deepEqual(all.map((n) => n.spec.purpose).sort(), ['approval--subscribe--reminder--decider', 'approval--subscribe--reminder--requester']);
    for (const n of all) {
      assert.match(n.metadata.name, /--orders--720h-2--[0-9a-f]{10}$/);
      assert.equal(n.spec.properties?.expiration_date, '2024-05-20T12:30:00Z');
      assert.equal(n.spec.properties?.days_remaining, 19);
      assert.equal(n.spec.properties?.reminder, '720h@2');
      assert.deepEqual(n.spec.sender, { type: 'System', name: 'System' });
      assert.equal(n.metadata.ownerReferences?.[0]?.kind, 'Approval');
    }
    assert.deepEqual(stored.status?.remindersSent, ['720h'], 'the keys are recorded by the controller');
    assert.equal(api.calls.filter((c) => c.startsWith('PATCH')).length, 0);
    assert.deepEqual(await creator.createReminder(structuredClone(stored), ['720h@1', '720h@2'], expiresAt), refs);
    assert.equal(notifications().length, 2, 'idempotent');
    assert.deepEqual(await creator.createReminder(structuredClone(stored), [], expiresAt), []);
  });
});

describe('mergeRefs', () => {
  const existing = [{ name: 'a', namespace: 'n', uid: '1' }];

  it('appends the refs not yet listed, one per namespace/name, keeping the order', () => {
    assert.deepEqual(mergeRefs(existing, [{ name: 'a', namespace: 'n', uid: '1' }]), existing);
    assert.deepEqual(mergeRefs(existing, [{ name: 'b', namespace: 'n' }, { name: 'b', namespace: 'n' }, { name: 'a', namespace: 'm' }]), [
      { name: 'a', namespace: 'n', uid: '1' },
      { name: 'b', namespace: 'n' },
      { name: 'a', namespace: 'm' },
    ]);
    assert.equal(mergeRefs(undefined, []), undefined, 'nothing added: the same (absent) list');
    assert.equal(mergeRefs(existing, []), existing);
  });
});

describe('NotificationCreator.withdrawn', () => {
  const deleted = () => ({ ...newRequest(), metadata: { name: 'r', namespace: 'team-a', uid: 'u' } });
  const change = (from: 'Pending' | 'Semigranted') => ({ kind: 'ApprovalRequest' as const, namespace: 'team-a', name: 'r', uid: 'u', action: 'subscribe', from, actor: 'unknown', object: deleted() });
  const failingWith = (error: ApiError) => {
    let calls = 0;
    const client = {
      create: async () => {
        calls++;
        throw error;
      },
    } as unknown as KubeClient;
    return { client, calls: () => calls };
  };

  it('rejects when the notice could not be made: the reconciler retries before it releases the finalizer', async () => {
    const failing = failingWith(new ApiError(500, 'POST', '/x', { reason: 'InternalError' }));
    const creator = new NotificationCreator({ client: failing.client, log: pino({ level: 'silent' }), lookupSubject: () => undefined, channels: () => [] });
    await assert.rejects(creator.withdrawn(change('Pending')), /500/);
    assert.equal(failing.calls(), 1, 'no retry loop of its own');
  });

  it('resolves without a notice in a namespace that is being deleted (nothing can be created there)', async () => {
    const terminating = new ApiError(403, 'POST', '/x', {
      reason: 'Forbidden',
      message: 'notifications "x" is forbidden: unable to create new content in namespace team-a because it is being terminated',
      details: { causes: [{ type: 'NamespaceTerminating', field: 'metadata.namespace' }] },
    });
    const failing = failingWith(terminating);
    const creator = new NotificationCreator({ client: failing.client, log: pino({ level: 'silent' }), lookupSubject: () => undefined, channels: () => [] });
    await creator.withdrawn(change('Pending'));
    assert.equal(failing.calls(), 1);
    const forbidden = failingWith(new ApiError(403, 'POST', '/x', { reason: 'Forbidden', message: 'RBAC says no' }));
    const strict = new NotificationCreator({ client: forbidden.client, log: pino({ level: 'silent' }), lookupSubject: () => undefined, channels: () => [] });
    await assert.rejects(strict.withdrawn(change('Pending')), /403/, 'any other refusal is retried');
  });

  it('is one notice per request: the name does not depend on the state it was withdrawn in', async () => {
    const names: string[] = [];
    const client = {
      create: async (_path: string, body: Notification) => {
        names.push(body.metadata.name);
        return { ...body, metadata: { ...body.metadata, uid: 'n' } };
      },
    } as unknown as KubeClient;
    const creator = new NotificationCreator({ client, log: pino({ level: 'silent' }), lookupSubject: () => undefined, channels: () => [] });
    await creator.withdrawn(change('Pending'));
    await creator.withdrawn(change('Semigranted'));
    assert.equal(names.length, 2);
    assert.equal(names[0], names[1], 'a vote on the terminating request between two attempts changes nothing');
  });
});

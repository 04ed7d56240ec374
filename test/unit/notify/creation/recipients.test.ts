import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApprovalRequest, NotificationChannel } from '../../../../src/api/types.ts';
import { ACCEPT_FROM_NAMESPACES_ANNOTATION, channelAccepts } from '../../../../src/notify/channel-access.ts';
import { channelIgnores, deliveryFor, recipientsFor, teamsOf } from '../../../../src/notify/creation/recipients.ts';

const request = (): ApprovalRequest => ({
  metadata: { name: 'r', namespace: 'team-a', uid: 'u1' },
  spec: {
    action: 'subscribe',
    requester: { teamName: 'team-a', teamEmail: 'a@example.com', reason: 'why', applicationRef: { name: 'app', namespace: 'team-a-apps' } },
    decider: { teamName: 'orders', teamEmail: 'orders@example.com', applicationRef: { name: 'orders', namespace: 'orders-apps' } },
    target: { kind: 'ApiSubscription', name: 'orders', namespace: 'team-a' },
  },
});

/** A channel of `namespace` that serves the requests of team-a (the request's namespace) unless `accept` says otherwise. */
const channel = (name: string, namespace: string, ignore?: string[], accept: string | null = 'team-a'): NotificationChannel => ({
  metadata: { name, namespace, ...(accept !== null ? { annotations: { [ACCEPT_FROM_NAMESPACES_ANNOTATION]: accept } } : {}) },
  spec: { email: { recipients: [`${name}@example.com`] }, ...(ignore ? { ignore } : {}) },
});

describe('recipientsFor', () => {
  it('notifies the decider on every change and the requester except on Pending and Semigranted', () => {
    const roles = (to: Parameters<typeof recipientsFor>[1]) => recipientsFor(request(), to).map((r) => r.role);
    assert.deepEqual(roles('Pending'), ['decider']);
    assert.deepEqual(roles('Semigranted'), ['decider']);
    for (const to of ['Granted', 'Rejected', 'Expired', 'Suspended'] as const) assert.deepEqual(roles(to), ['decider', 'requester'], to);
  });

  it("takes team, e-mail and the applicationRef namespace of each, and the request's namespace", () => {
    assert.deepEqual(recipientsFor(request(), 'Granted'), [
      { role: 'decider', team: 'orders', email: 'orders@example.com', namespace: 'orders-apps', origin: 'team-a' },
      { role: 'requester', team: 'team-a', email: 'a@example.com', namespace: 'team-a-apps', origin: 'team-a' },
    ]);
  });

  it('leaves out a subject without decider', () => {
    const r = request();
    delete r.spec.decider;
    assert.deepEqual(recipientsFor(r, 'Pending'), []);
    assert.deepEqual(recipientsFor(r, 'Granted').map((x) => x.role), ['requester']);
  });
});

describe('teamsOf', () => {
  it('gives the teams of the roles audience.ts chose, in that order, without a decider the subject lacks', () => {
    assert.deepEqual(teamsOf(request(), ['requester', 'decider']).map((r) => r.role), ['requester', 'decider']);
    assert.deepEqual(teamsOf(request(), []), []);
    const r = request();
    delete r.spec.decider;
    assert.deepEqual(teamsOf(r, ['decider', 'requester']).map((x) => x.role), ['requester']);
  });
});

describe('deliveryFor', () => {
  const decider = recipientsFor(request(), 'Pending')[0]!;
  const purpose = 'approvalrequest--subscribe--created--decider';

  it('uses every channel of the recipient namespace that does not ignore the purpose, sorted', () => {
    const channels = [channel('z-chat', 'orders-apps'), channel('a-mail', 'orders-apps'), channel('quiet', 'orders-apps', [purpose])];
    assert.deepEqual(deliveryFor(decider, purpose, channels), {
      channels: [
        { name: 'a-mail', namespace: 'orders-apps' },
        { name: 'z-chat', namespace: 'orders-apps' },
      ],
    });
  });

  it('falls back to the team e-mail when the namespace has no channel', () => {
    assert.deepEqual(deliveryFor(decider, purpose, []), { channels: [], fallbackEmail: { recipients: ['orders@example.com'] } });
    assert.deepEqual(deliveryFor({ role: 'decider', email: 'x@example.com' }, purpose, []), { channels: [], fallbackEmail: { recipients: ['x@example.com'] } });
  });

  it('ignores channels of other namespaces and channels being deleted', () => {
    const deleting = channel('old', 'orders-apps');
    deleting.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
    assert.deepEqual(deliveryFor(decider, purpose, [channel('other', 'elsewhere'), deleting]), { channels: [], fallbackEmail: { recipients: ['orders@example.com'] } });
  });

  it('sends nothing when every channel ignores the purpose (the team opted out), or there is no address', () => {
    assert.deepEqual(deliveryFor(decider, purpose, [channel('quiet', 'orders-apps', ['*--decider'])]), { channels: [] });
    assert.deepEqual(deliveryFor({ role: 'decider' }, purpose, []), { channels: [] });
  });

  it("uses a channel of another namespace only when it accepts the request's namespace; else the team e-mail", () => {
    const refused = channel('victim-hook', 'orders-apps', undefined, null);
    assert.deepEqual(deliveryFor(decider, purpose, [refused]), { channels: [], fallbackEmail: { recipients: ['orders@example.com'] } });
    assert.deepEqual(deliveryFor(decider, purpose, [channel('other-ns', 'orders-apps', undefined, 'team-b, team-c')]), { channels: [], fallbackEmail: { recipients: ['orders@example.com'] } });
    assert.deepEqual(deliveryFor(decider, purpose, [refused, channel('listed', 'orders-apps', undefined, 'team-b, team-a')]), { channels: [{ name: 'listed', namespace: 'orders-apps' }] });
    assert.deepEqual(deliveryFor(decider, purpose, [channel('any', 'orders-apps', undefined, '*')]), { channels: [{ name: 'any', namespace: 'orders-apps' }] });
    assert.deepEqual(deliveryFor({ ...decider, origin: undefined }, purpose, [channel('any', 'orders-apps', undefined, '*')]), { channels: [], fallbackEmail: { recipients: ['orders@example.com'] } }, 'unknown origin: no channel');
    const own = request();
    own.spec.decider!.applicationRef!.namespace = 'team-a';
    const sameNamespace = recipientsFor(own, 'Pending')[0]!;
    assert.deepEqual(deliveryFor(sameNamespace, purpose, [channel('own', 'team-a', undefined, null)]), { channels: [{ name: 'own', namespace: 'team-a' }] }, "a namespace's own channels need no annotation");
  });

  it('channelAccepts: own namespace, listed namespaces (spaces ignored), or *', () => {
    assert.equal(channelAccepts(channel('c', 'n', undefined, null), 'n'), true);
    assert.equal(channelAccepts(channel('c', 'n', undefined, null), 'm'), false);
    assert.equal(channelAccepts(channel('c', 'n', undefined, ' a ,m'), 'm'), true);
    assert.equal(channelAccepts(channel('c', 'n', undefined, 'mm'), 'm'), false);
    assert.equal(channelAccepts(channel('c', 'n', undefined, ''), 'm'), false);
    assert.equal(channelAccepts(channel('c', 'n', undefined, '*'), 'anything'), true);
  });

  it('matches ignore entries exactly or with * wildcards', () => {
    const c = channel('c', 'n', ['approval--*--reminder--*', 'APPROVALREQUEST--SUBSCRIBE--UPDATED--REQUESTER']);
    assert.equal(channelIgnores(c, 'approval--subscribe--reminder--decider'), true);
    assert.equal(channelIgnores(c, 'approvalrequest--subscribe--updated--requester'), true);
    assert.equal(channelIgnores(c, 'approvalrequest--subscribe--updated--decider'), false);
    assert.equal(channelIgnores(channel('d', 'n', ['a.b']), 'axb'), false, 'dots are literal');
  });
});

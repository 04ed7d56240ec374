// Secrets used for signing (threat model: docs/security.md, "Outbound requests and Secrets").
// carol cannot read Secrets, yet spec.callback.secretRef names one: the operator must not sign her
// callback with it (a signing oracle for offline guessing), and its answer must not tell which
// Secrets exist. A Secret signs only when it opts in with the label
// approval.cp.ei.telekom.de/signing-secret=true; at admission the creator must also be allowed to
// `get` it (maySignWith, asked of the real API server here).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { subjectAccessReview } from '../../../src/authorization/access-review.ts';
import { notificationChannelResource } from '../../../src/api/resources.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, eventually } from '../../support/cluster.ts';
import { HttpReceiver, LOCAL_RECEIVER_OUTBOUND } from '../../support/http-receiver.ts';
import { installCrds, kubectlOk } from '../../support/kubectl.ts';
import { notificationHelpers, simpleRequest } from '../../support/notifications.ts';
import { startOperator, type RunningOperator } from '../../support/operator.ts';
import { TestSmtpServer } from '../../support/smtp.ts';

const SIGNING_SECRET_LABEL = 'approval.cp.ei.telekom.de/signing-secret';

describe('Secrets: no signing oracle', () => {
  let client: KubeClient;
  let ns: string;
  let operator: RunningOperator;
  const smtp = new TestSmtpServer();
  const receiver = new HttpReceiver();
  const helpers = notificationHelpers(adminClient(), () => ns);

  const createSecret = (name: string, data: Record<string, string>, labels?: Record<string, string>) =>
    client.create(`/api/v1/namespaces/${ns}/secrets`, {
      metadata: { name, ...(labels ? { labels } : {}) },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    });
  const signatureOk = (secret: string, headers: Record<string, unknown>, body: string) =>
    headers['x-approval-signature-256'] === `sha256=${createHmac('sha256', secret).update(`${String(headers['x-approval-timestamp'])}.${body}`).digest('hex')}`;

  before(async () => {
    client = adminClient();
    await installCrds();
    await smtp.start();
    await receiver.start();
    ns = await createNamespace(client, 'secrets');
    await createSecret('db-password', { password: 'hunter2' });
    operator = await startOperator({
      namespace: ns,
      delivery: { smtpUrl: smtp.url, baseDelayMs: 100, maxDelayMs: 400, outbound: LOCAL_RECEIVER_OUTBOUND },
    });
  });
  after(async () => {
    await operator?.stop();
    await smtp.stop();
    await receiver.stop();
    await client.close();
  });

  it('does not sign a callback with a Secret that did not opt in; the answer is the same as for a missing Secret or key', async () => {
    await helpers.fileAndGrant(simpleRequest('oracle', { callback: { url: receiver.url('/oracle'), secretRef: { name: 'db-password', key: 'password' } } }));
    await helpers.fileAndGrant(simpleRequest('no-key', { callback: { url: receiver.url('/no-key'), secretRef: { name: 'db-password', key: 'no-such-key' } } }));
    await helpers.fileAndGrant(simpleRequest('no-secret', { callback: { url: receiver.url('/no-secret'), secretRef: { name: 'no-such-secret', key: 'password' } } }));
    const [oracle, noKey, noSecret] = [
      await helpers.stateAfter('oracle', 'callback', 2),
      await helpers.stateAfter('no-key', 'callback', 2),
      await helpers.stateAfter('no-secret', 'callback', 2),
    ];
    assert.equal(oracle.sent, false, 'the callback was not sent');
    assert.equal(receiver.received('/oracle').length, 0, 'nothing signed with db-password reached carol');
    assert.match(oracle.errorMessage ?? '', /Secret "db-password" \(key "password"\) cannot sign: a signing Secret must exist in namespace .*, hold the key and carry the label approval\.cp\.ei\.telekom\.de\/signing-secret=true/);
    const words = (message = '') => message.replace(/"db-password"|"no-such-secret"/, 'SECRET').replace(/"password"|"no-such-key"/, 'KEY');
    assert.equal(words(noKey.errorMessage), words(oracle.errorMessage), 'a missing key reads like a Secret that did not opt in');
    assert.equal(words(noSecret.errorMessage), words(oracle.errorMessage), 'a missing Secret reads like a Secret that did not opt in');
    assert.doesNotMatch(oracle.errorMessage + (noSecret.errorMessage ?? ''), /not found|no key/);
  });

  it('signs with a Secret that opted in with the label', async () => {
    await createSecret('callback-key', { hmac: 'opted-in' }, { [SIGNING_SECRET_LABEL]: 'true' });
    await helpers.fileAndGrant(simpleRequest('opted-in', { callback: { url: receiver.url('/opted-in'), secretRef: { name: 'callback-key', key: 'hmac' } } }));
    const state = await helpers.stateAfter('opted-in', 'callback');
    assert.equal(state.sent, true, state.errorMessage ?? '');
    const [call] = receiver.received('/opted-in', true);
    assert.ok(call && signatureOk('opted-in', call.headers, call.body), 'signed with the opted-in Secret');
  });

  it('a NotificationChannel webhook signs only with a Secret that opted in', async () => {
    await createSecret('hook-key', { hmac: 'not-for-signing' });
    await client.create(collectionPath(notificationChannelResource, ns), {
      apiVersion: 'notification.cp.ei.telekom.de/v1',
      kind: 'NotificationChannel',
      metadata: { name: 'team-hook' },
      spec: { webhook: { url: receiver.url('/hook'), secretRef: { name: 'hook-key', key: 'hmac' } } },
    });
    await helpers.fileAndGrant(simpleRequest('channel-secret', { requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'r', applicationRef: { name: 'shop', namespace: ns } } }));
    const state = await helpers.stateAfter('channel-secret', `${ns}/team-hook`, 2);
    assert.equal(state.sent, false);
    assert.match(state.errorMessage ?? '', /Secret "hook-key" \(key "hmac"\) cannot sign: a signing Secret must exist/);
    assert.equal(receiver.received('/hook').length, 0);
    await kubectlOk(['-n', ns, 'label', 'secret', 'hook-key', `${SIGNING_SECRET_LABEL}=true`]);
    await eventually('the webhook, signed, once the Secret opted in', () => receiver.received('/hook', true).length > 0, 20_000);
    const [hook] = receiver.received('/hook', true);
    assert.ok(hook && signatureOk('not-for-signing', hook.headers, hook.body));
  });

  it('at admission: the creator must be allowed to get the Secret (maySignWith, a SubjectAccessReview)', async () => {
    const { maySignWith, SIGNING_SECRET_LABEL: label } = await import('../../../src/authorization/secret-use.ts');
    assert.equal(label, SIGNING_SECRET_LABEL);
    const review = subjectAccessReview(client);
    const carol = { username: 'carol', groups: ['team:shop', 'system:authenticated'] };
    const ref = { name: 'db-password', key: 'password' };
    const refused = await maySignWith(carol, ref, ns, review);
    assert.equal(refused.allowed, false);
    assert.equal(refused.detail, `user "carol" has no RBAC verb "get" on secrets/db-password in namespace "${ns}", and signing with a Secret is as good as reading it`);
    assert.deepEqual(await maySignWith(carol, undefined, ns, review), { allowed: true, detail: 'no secretRef' });

    // A Role that lets carol read exactly this Secret.
    const role = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'read-db-password', namespace: ns }, rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['db-password'], verbs: ['get'] }] };
    const binding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'read-db-password', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-db-password' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'carol' }],
    };
    for (const object of [role, binding]) await kubectlOk(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(object) });
    const allowed = await eventually('carol may get db-password', async () => {
      const verdict = await maySignWith(carol, ref, ns, review);
      return verdict.allowed ? verdict : undefined;
    });
    assert.equal(allowed.detail, 'RBAC verb "get" on secrets/db-password');
    assert.equal((await maySignWith(carol, { name: 'other', key: 'k' }, ns, review)).allowed, false, 'only the Secret the Role names');
  });
});

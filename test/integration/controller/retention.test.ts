// Retention against the real API server: the operator (wired as main.ts wires it, delivering to a
// real SMTP server) with a 3 s Notification retention and a sweep every 500 ms.
//   - delivered Notifications go; undelivered, GitOps-applied and foreign ones stay;
//   - a settled request whose policy opts in goes, its Approval stays, nobody is told it was withdrawn;
//   - a request applied with server-side apply stays until the policy includes GitOps-managed ones;
//   - without the opt-in nothing goes; idle sweeps make no writes and re-read nothing;
//   - a request waits while one of its Notifications is still being delivered.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Approval, ApprovalRequest, Notification } from '../../../src/api/types.ts';
import { PURPOSE_LABEL, approvalRequestResource, approvalResource, notificationResource } from '../../../src/api/resources.ts';
import { isNotFound, type KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath, objectPath, type ResourceType } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, eventually } from '../../support/cluster.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { installCrds, kubectl, kubectlOk } from '../../support/kubectl.ts';
import { metricValue, startOperator, type RunningOperator } from '../../support/operator.ts';
import { notificationsAbout, requestJson } from '../../support/requests.ts';
import { TestSmtpServer } from '../../support/smtp.ts';

const NOTIFICATION_RETENTION_MS = 3000;
const POLICY = 'retention-test';

describe('retention', () => {
  let client: KubeClient;
  let ns: string;
  let operator: RunningOperator;
  const smtp = new TestSmtpServer();
  /** Every API request of the operator but its watches, as "VERB path". */
  const calls: string[] = [];
  const { waitForState, vote } = approvalHelpers(adminClient(), () => ns);

  const exists = (type: ResourceType, name: string) =>
    client.get(objectPath(type, ns, name)).then(
      () => true,
      (err: unknown) => (isNotFound(err) ? false : Promise.reject(err)),
    );
  const gone = (type: ResourceType, name: string, timeoutMs = 20_000) => eventually(`${type.kind} ${name} to be deleted`, async () => !(await exists(type, name)), timeoutMs);

  const setPolicy = (retention: Record<string, unknown>) =>
    kubectlOk(['apply', '--server-side', '--force-conflicts', '--field-manager=test', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'approval.cp.ei.telekom.de/v1',
        kind: 'ApprovalPolicy',
        metadata: { name: POLICY },
        spec: { match: { namespaces: [ns], actions: ['retire'] }, strategy: 'Simple', retention },
      }),
    });

  /** A Simple request for action `retire` (the policy's) or another, filed with a plain create. */
  const request = (name: string, action = 'retire') => {
    const filed = JSON.parse(requestJson(ns, name, 'Simple')) as ApprovalRequest;
    return { ...filed, spec: { ...filed.spec, action } };
  };

  before(async () => {
    client = adminClient();
    await installCrds();
    ns = await createNamespace(client, 'retention');
    await smtp.start();
    operator = await startOperator({
      namespace: ns,
      delivery: { smtpUrl: smtp.url, mailFrom: 'approvals@example.com', baseDelayMs: 100, maxDelayMs: 400 },
      retention: { notificationRetentionMs: NOTIFICATION_RETENTION_MS, intervalMs: 500, deletesPerSecond: 50 },
      failRequest: (method, path) => {
        calls.push(`${method} ${path}`);
        return false;
      },
    });
  });
  after(async () => {
    await operator?.stop();
    await kubectl(['delete', 'approvalpolicy', POLICY, '--ignore-not-found']);
    await smtp.stop();
    await client.close();
  });

  it('bounds spec.retention.settledRequests like the other durations', async () => {
    const apply = (retention: Record<string, unknown>) =>
      kubectl(['apply', '--dry-run=server', '-f', '-'], {
        input: JSON.stringify({ apiVersion: 'approval.cp.ei.telekom.de/v1', kind: 'ApprovalPolicy', metadata: { name: 'retention-bounds' }, spec: { retention } }),
      });
    const tooLong = await apply({ settledRequests: '87601h' });
    assert.notEqual(tooLong.code, 0);
    assert.match(tooLong.stderr, /spec\.retention\.settledRequests: Invalid value: "87601h": must be at most 87600h \(10 years\)/);
    const notDuration = await apply({ settledRequests: '30d' });
    assert.match(notDuration.stderr, /spec\.retention\.settledRequests: Invalid value: "30d": spec\.retention\.settledRequests in body should match/);
    const missing = await apply({ includeGitOpsManaged: true });
    assert.match(missing.stderr, /spec\.retention\.settledRequests: Required value/);
    assert.equal((await apply({ settledRequests: '87600h' })).code, 0, 'ten years is fine');
  });

  it('deletes delivered Notifications after the retention; keeps undelivered, GitOps-applied and foreign ones', async () => {
    const notification = (name: string, spec: Record<string, unknown>, labelled = true) => ({
      apiVersion: 'notification.cp.ei.telekom.de/v1',
      kind: 'Notification',
      metadata: { name, ...(labelled ? { labels: { [PURPOSE_LABEL]: 'approvalrequest--granted--requester' } } : {}) },
      spec: { purpose: 'approvalrequest--granted--requester', sender: { type: 'System', name: 'System' }, properties: { subject: { name } }, ...spec },
    });
    const mail = { fallbackEmail: { recipients: ['shop@example.com'] } };
    const create = (body: unknown) => client.create<Notification>(collectionPath(notificationResource, ns), body);
    await create(notification('delivered', mail));
    await create(notification('undelivered', { channels: [{ name: 'no-such-channel', namespace: ns }] }));
    await create(notification('foreign', mail, false));
    await kubectlOk(['-n', ns, 'apply', '--server-side', '--field-manager=argocd-controller', '-f', '-'], { input: JSON.stringify(notification('from-git', mail)) });
    const delivered = (name: string) =>
      eventually(`${name} delivered`, async () => {
        const live = await client.get<Notification>(objectPath(notificationResource, ns, name));
        return live.status?.conditions?.some((c) => c.type === 'Delivered' && c.status === 'True') ? live : undefined;
      });
    const [first] = await Promise.all([delivered('delivered'), delivered('foreign'), delivered('from-git')]);
    const deliveredAt = Date.parse(first.status!.conditions!.find((c) => c.type === 'Delivered')!.lastTransitionTime);

    await gone(notificationResource, 'delivered');
    // Condition times have whole seconds: allow for the truncation.
    assert.ok(Date.now() >= deliveredAt + NOTIFICATION_RETENTION_MS - 1000, 'not before the retention has passed');
    assert.deepEqual(
      await Promise.all(['undelivered', 'foreign', 'from-git'].map((name) => exists(notificationResource, name))),
      [true, true, true],
      'undelivered, unlabelled and GitOps-applied Notifications stay',
    );
    assert.ok((await metricValue(operator.manager, 'approval_operator_retention_deleted_total', { kind: 'Notification' })) >= 1);
    // Its retries would be the only writes of the idle check below.
    await client.delete(objectPath(notificationResource, ns, 'undelivered'));
  });

  it('deletes a settled request whose policy opts in, keeps its Approval and tells nobody it was withdrawn', async () => {
    await setPolicy({ settledRequests: '2s' });
    await client.create(collectionPath(approvalRequestResource, ns), request('retired'));
    await waitForState('retired', 'Pending');
    await vote('ar', 'retired', 'alice', 'Granted');
    const granted = await waitForState('retired', 'Granted');
    const approvalName = 'apisubscription--retired-target';
    const approval = await eventually('the Approval', () => client.get<Approval>(objectPath(approvalResource, ns, approvalName)).catch(() => undefined));
    assert.ok(!(approval.metadata.ownerReferences ?? []).some((ref) => ref.uid === granted.metadata.uid), 'the request does not own its Approval');

    await gone(approvalRequestResource, 'retired');
    assert.ok(await exists(approvalResource, approvalName), 'the Approval stays');
    const reported = await notificationsAbout(client, ns, 'retired');
    assert.ok(!reported.some((n) => n.purpose.includes('withdrawn')), `no withdrawal notice: ${reported.map((n) => n.purpose).join(', ')}`);
    assert.ok((await metricValue(operator.manager, 'approval_operator_retention_deleted_total', { kind: 'ApprovalRequest' })) >= 1);
  });

  it('keeps a server-side-applied request and settled requests without the opt-in; deletes the former once the policy includes GitOps-managed ones', async () => {
    await setPolicy({ settledRequests: '1s' });
    await kubectlOk(['-n', ns, 'apply', '--server-side', '--field-manager=argocd-controller', '-f', '-'], { input: JSON.stringify(request('from-git')) });
    await client.create(collectionPath(approvalRequestResource, ns), request('no-opt-in', 'subscribe'));
    for (const name of ['from-git', 'no-opt-in']) {
      await waitForState(name, 'Pending');
      await vote('ar', name, 'alice', 'Rejected');
      await waitForState(name, 'Rejected');
    }
    // Well past the retention, several sweeps later.
    await sleep(3500);
    assert.deepEqual([await exists(approvalRequestResource, 'from-git'), await exists(approvalRequestResource, 'no-opt-in')], [true, true]);

    // Idle sweeps: no writes but the deletes of the requests' Notifications as they come due, and
    // the GitOps-managed request is not read again while unchanged.
    const before = calls.length;
    await sleep(2000);
    const idle = calls.slice(before);
    const notificationDelete = /^DELETE \/apis\/notification\.cp\.ei\.telekom\.de\/v1\/namespaces\/[^/]+\/notifications\//;
    assert.deepEqual(idle.filter((call) => !call.startsWith('GET ') && !notificationDelete.test(call)), [], 'no writes while nothing is due');
    assert.deepEqual(idle.filter((call) => call.includes('/approvalrequests/')), [], 'no reads of kept requests');
    // (Deliveries of the two requests' outcome may still read their Notifications: not counted.)
    const lists = idle.filter((call) => call.startsWith('GET ') && call.endsWith('/notifications'));
    assert.ok(lists.length <= 6, `a list per sweep (every 500 ms) and no more: ${lists.length} in 2 s`);

    await setPolicy({ settledRequests: '1s', includeGitOpsManaged: true });
    await gone(approvalRequestResource, 'from-git');
    assert.ok(await exists(approvalRequestResource, 'no-opt-in'), 'no policy, no retention');
  });

  it('keeps a settled request while one of its Notifications waits for delivery', async () => {
    await setPolicy({ settledRequests: '1s' });
    await smtp.stop(); // every e-mail fails (and is retried) until the server is back
    try {
      await client.create(collectionPath(approvalRequestResource, ns), request('undelivered-outcome'));
      await waitForState('undelivered-outcome', 'Pending');
      await vote('ar', 'undelivered-outcome', 'alice', 'Rejected');
      await waitForState('undelivered-outcome', 'Rejected');
      await sleep(3000);
      assert.ok(await exists(approvalRequestResource, 'undelivered-outcome'), 'kept while its Notifications are retried');
    } finally {
      await smtp.start();
    }
    await gone(approvalRequestResource, 'undelivered-outcome');
    const outcome = smtp.messages.filter((m) => m.subject.includes('undelivered-outcome') || m.raw.includes('undelivered-outcome'));
    assert.ok(outcome.length > 0, 'its e-mails went out once the server was back');
  });
});

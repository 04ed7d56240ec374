// The operator with exactly the permissions config/rbac (= the chart) gives its ServiceAccount:
// scenarios 2, 3 and 8 and a withdrawal (the finalizer of ADR 0006) complete, retention deletes a
// delivered Notification and an opted-in settled request, and the API server never answers 403.
// And GitOps: a request
// applied by Flux (server-side apply), decided with kubectl patch, then applied again by Flux
// keeps its decisions and state.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../../hack/control-plane.ts';
import type { Approval } from '../../../src/api/types.ts';
import { PURPOSE_LABEL, approvalRequestResource, approvalResource, notificationResource } from '../../../src/api/resources.ts';
import { isNotFound, PatchType, type KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath, objectPath } from '../../../src/runtime/resource.ts';
import { whoAmI } from '../../../src/runtime/self-subject.ts';
import { adminClient, createNamespace, eventually } from '../../support/cluster.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { installCrds, kubectl, kubectlOk, samplePath } from '../../support/kubectl.ts';
import { startOperator } from '../../support/operator.ts';
import { notificationsAbout, requestJson } from '../../support/requests.ts';

const serviceAccount = 'system:serviceaccount:approval-system:approval-operator';

describe('shipping: least privilege and GitOps', () => {
  let client: KubeClient;
  let ns: string;
  let operator: Awaited<ReturnType<typeof startOperator>>;
  const { waitForState, vote } = approvalHelpers(adminClient(), () => ns);

  before(async () => {
    client = adminClient();
    await installCrds();
    await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'config', 'rbac')]);
    ns = await createNamespace(client, 'least-privilege');
    operator = await startOperator({
      namespace: ns,
      // No groups: the API server gives an impersonated ServiceAccount the groups it would have.
      as: { user: serviceAccount },
      retention: { notificationRetentionMs: 1000, intervalMs: 500 },
    });
  });
  after(async () => {
    await operator?.stop();
    await kubectl(['delete', 'approvalpolicy', 'short-lived-grants', 'retire-settled', '--ignore-not-found']);
    await client.close();
  });

  it('runs as the ServiceAccount, with the groups the API server gives it', async () => {
    const asServiceAccount = adminClient();
    asServiceAccount.impersonation = { user: serviceAccount };
    try {
      const identity = await whoAmI(asServiceAccount);
      assert.equal(identity.username, serviceAccount);
      assert.deepEqual([...identity.groups].sort(), ['system:authenticated', 'system:serviceaccounts', 'system:serviceaccounts:approval-system']);
    } finally {
      await asServiceAccount.close();
    }
  });

  it('completes scenarios 2, 3 and 8 as the ServiceAccount of config/rbac, with no 403', async () => {
    await kubectlOk(['-n', ns, 'apply', '-f', samplePath('scenario-02-simple.yaml')]);
    await kubectlOk(['-n', ns, 'apply', '-f', samplePath('scenario-03-foureyes.yaml')]);
    await kubectlOk(['-n', ns, 'apply', '-f', samplePath('scenario-08-approval-lifecycle.yaml')]);
    await waitForState('orders-read-simple', 'Pending');
    await vote('ar', 'orders-read-simple', 'alice', 'Granted');
    await waitForState('orders-read-simple', 'Granted');
    await waitForState('orders-write-foureyes', 'Pending');
    await vote('ar', 'orders-write-foureyes', 'alice', 'Granted');
    await waitForState('orders-write-foureyes', 'Semigranted');
    await vote('ar', 'orders-write-foureyes', 'bob', 'Granted');
    await waitForState('orders-write-foureyes', 'Granted');
    await waitForState('reports-read-lifecycle', 'Pending');
    await vote('ar', 'reports-read-lifecycle', 'alice', 'Granted');
    await waitForState('reports-read-lifecycle', 'Granted');
    const name = 'reportsubscription--shop-frontend--reports-read';
    const approvalIn = (state: string) =>
      eventually(`approval ${state}`, async () => ((await client.get<Approval>(objectPath(approvalResource, ns, name))).status?.lastState === state ? true : undefined));
    await approvalIn('Granted');
    await vote('apv', name, 'alice', 'Suspended');
    await approvalIn('Suspended');
    await vote('apv', name, 'alice', 'Granted');
    await approvalIn('Granted');
    await vote('apv', name, 'alice', 'Rejected');
    await approvalIn('Rejected');
    // Expiry with a reminder: the grant again, valid for 4 s, reminded 3 s before.
    await kubectlOk(['patch', 'approvalpolicy', 'short-lived-grants', '--type=merge', '-p', '{"spec":{"grantValidity":"4s","reminders":[{"before":"3s"}]}}']);
    await vote('apv', name, 'alice', 'Granted');
    await approvalIn('Expired');
    const expired = await client.get<Approval>(objectPath(approvalResource, ns, name));
    assert.equal(expired.status?.remindersSent?.length, 1, 'the reminder was created');
    // A pending request deleted: the withdrawal finalizer is set, then released after the notice.
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: requestJson(ns, 'withdrawn', 'Simple') });
    await waitForState('withdrawn', 'Pending');
    await kubectlOk(['-n', ns, 'delete', 'ar', 'withdrawn', '--wait=false']);
    await eventually('the request to be gone', () => client.get(objectPath(approvalRequestResource, ns, 'withdrawn')).then(() => false, (err: unknown) => isNotFound(err)));
    assert.ok((await notificationsAbout(client, ns, 'withdrawn')).some((n) => n.purpose.endsWith('--withdrawn--decider')), 'the decider was told');
    assert.deepEqual(operator.forbidden, [], 'no request of the operator was refused by RBAC');
    assert.ok(operator.writes.length > 0);
  });

  it('deletes a delivered Notification and an opted-in settled request as the ServiceAccount, with no 403', async () => {
    // Create-only mode here: another service would deliver, and reports it in the condition.
    await client.create(collectionPath(notificationResource, ns), {
      apiVersion: 'notification.cp.ei.telekom.de/v1',
      kind: 'Notification',
      metadata: { name: 'delivered-elsewhere', labels: { [PURPOSE_LABEL]: 'approvalrequest--granted--requester' } },
      spec: { purpose: 'approvalrequest--granted--requester', sender: { type: 'System', name: 'System' }, fallbackEmail: { recipients: ['shop@example.com'] } },
    });
    const lastTransitionTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await client.patch(
      objectPath(notificationResource, ns, 'delivered-elsewhere', 'status'),
      { status: { conditions: [{ type: 'Delivered', status: 'True', reason: 'Delivered', message: 'by another service', lastTransitionTime }] } },
      PatchType.merge,
    );
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'approval.cp.ei.telekom.de/v1',
        kind: 'ApprovalPolicy',
        metadata: { name: 'retire-settled' },
        spec: { match: { namespaces: [ns], actions: ['retire'] }, strategy: 'Simple', retention: { settledRequests: '1s' } },
      }),
    });
    const request = JSON.parse(requestJson(ns, 'retired', 'Simple')) as { spec: Record<string, unknown> };
    await client.create(collectionPath(approvalRequestResource, ns), { ...request, spec: { ...request.spec, action: 'retire' } });
    await waitForState('retired', 'Pending');
    await vote('ar', 'retired', 'alice', 'Granted');
    await waitForState('retired', 'Granted');
    const gone = (path: string) => client.get(path).then(() => false, (err: unknown) => isNotFound(err));
    await eventually('the delivered Notification to be deleted', () => gone(objectPath(notificationResource, ns, 'delivered-elsewhere')));
    await eventually('the settled request to be deleted', () => gone(objectPath(approvalRequestResource, ns, 'retired')));
    assert.deepEqual(operator.forbidden, [], 'no request of the operator was refused by RBAC');
  });

  it('keeps decisions and state when Flux applies the request again (server-side apply)', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'approval.cp.ei.telekom.de/v1',
      kind: 'ApprovalRequest',
      metadata: { name: 'from-git' },
      spec: {
        action: 'subscribe',
        strategy: 'Simple',
        requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'filed by Flux' },
        decider: { teamName: 'orders', teamEmail: 'orders@example.com' },
        target: { kind: 'ApiSubscription', name: 'shop--git', namespace: ns },
      },
    });
    const fluxApply = () => kubectlOk(['-n', ns, 'apply', '--server-side', '--field-manager=flux', '-f', '-'], { input: manifest });
    await fluxApply();
    await waitForState('from-git', 'Pending');
    await vote('ar', 'from-git', 'alice', 'Granted');
    await waitForState('from-git', 'Granted');
    await fluxApply();
    const after = await waitForState('from-git', 'Granted');
    assert.deepEqual(after.spec.decisions?.map((d) => [d.name, d.resultingState]), [['alice', 'Granted']]);
    assert.equal(after.spec.state, 'Granted');
  });
});

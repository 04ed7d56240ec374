// Settled requests and Approvals are cached as summaries (docs/memory.md). What the operator still
// owes them must keep working from a summary: a granted request whose Approval is deleted gets it
// back, and a policy that starts giving grants a validity reaches the settled Approvals too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Approval, ApprovalRequest } from '../../../src/api/types.ts';
import type { RequestSummary } from '../../../src/controller/settled-summary.ts';
import { approvalPolicyResource, approvalRequestResource, approvalResource } from '../../../src/api/resources.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath, objectPath } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, eventually } from '../../support/cluster.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { installCrds, kubectlOk, samplePath } from '../../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../../support/operator.ts';

const APPROVAL = 'apisubscription--shop-frontend--orders-read';

describe('settled objects cached as summaries', () => {
  let client: KubeClient;
  let operator: RunningOperator;
  let ns: string;
  const { waitForState, waitForApprovalState, vote, getApproval } = approvalHelpers(adminClient(), () => ns);
  const requestCache = () => operator.manager.informer<ApprovalRequest, RequestSummary>(approvalRequestResource).cache;
  const approvalCache = () => operator.manager.informer<Approval>(approvalResource).cache;

  before(async () => {
    client = adminClient();
    await installCrds();
    ns = await createNamespace(client, 'settled-cache');
    operator = await startOperator();
    await kubectlOk(['-n', ns, 'apply', '-f', samplePath('scenario-02-simple.yaml')]);
    await waitForState('orders-read-simple', 'Pending');
    await vote('ar', 'orders-read-simple', 'alice', 'Granted');
    await waitForState('orders-read-simple', 'Granted');
    await waitForApprovalState(APPROVAL, 'Granted');
  });
  after(async () => {
    await client.delete(objectPath(approvalPolicyResource, undefined, 'settled-cache-validity')).catch(() => undefined);
    await operator?.stop();
    await client.close();
  });

  it('holds the granted request and its Approval as summaries', async () => {
    await eventually('both summarised', () => requestCache().isCompact(`${ns}/orders-read-simple`) && approvalCache().isCompact(`${ns}/${APPROVAL}`));
    assert.equal(requestCache().get(`${ns}/orders-read-simple`), undefined, 'no whole object to work from');
    const summary = requestCache().summary(`${ns}/orders-read-simple`)!;
    assert.equal(summary.state, 'Granted');
    assert.equal(summary.approvalName, APPROVAL);
    assert.ok(!('spec' in summary), 'no content');
  });

  it('gives a summarised grant its Approval back when the Approval is deleted', async () => {
    const before = await getApproval(APPROVAL);
    await client.delete(objectPath(approvalResource, ns, APPROVAL));
    const recreated = await eventually('the Approval recreated', async () => {
      const approval = await client.getIfExists<Approval>(objectPath(approvalResource, ns, APPROVAL));
      return approval && approval.metadata.uid !== before.metadata.uid ? approval : undefined;
    });
    assert.equal(recreated.spec.approvedRequest?.name, 'orders-read-simple');
    assert.deepEqual(recreated.spec.decisions?.map((d) => d.name), ['alice']);
    await waitForApprovalState(APPROVAL, 'Granted');
  });

  it('reads a summarised Approval whole again when a policy gives grants a validity', async () => {
    await eventually('the Approval summarised', () => approvalCache().isCompact(`${ns}/${APPROVAL}`));
    await client.create(collectionPath(approvalPolicyResource), {
      apiVersion: 'approval.cp.ei.telekom.de/v1',
      kind: 'ApprovalPolicy',
      metadata: { name: 'settled-cache-validity' },
      spec: { order: 1, match: { namespaces: [ns] }, strategy: 'Simple', grantValidity: '240h' },
    });
    const approval = await eventually('an expiry on the settled Approval', async () => {
      const current = await getApproval(APPROVAL);
      return current.status?.expiresAt ? current : undefined;
    });
    const expires = Date.parse(approval.status!.expiresAt!);
    assert.ok(expires > Date.now() + 239 * 3600_000, `expires in about 240h: ${approval.status!.expiresAt}`);
    // With an expiry it is timed again, so the cache holds it whole.
    await eventually('held whole', () => approvalCache().get(`${ns}/${APPROVAL}`) !== undefined);
  });
});

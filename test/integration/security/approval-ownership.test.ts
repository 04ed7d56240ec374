// Who owns an Approval, against the real API server: it carries its request's labels (seed 003's
// clients read Approvals through label-scoped clients), and of two granted requests for the same
// target the newer one's content stands, however often the older one is reconciled.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { adminClient, createNamespace, eventually } from '../../support/cluster.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { installCrds, kubectlOk } from '../../support/kubectl.ts';
import { metricValue, startOperator, type RunningOperator } from '../../support/operator.ts';

const ENVIRONMENT = 'cp.ei.telekom.de/environment';

describe('Approval ownership', () => {
  let client: KubeClient;
  let operator: RunningOperator;
  let ns: string;

  const { getRequest, getApproval, waitForState, waitForApprovalState, vote } = approvalHelpers(adminClient(), () => ns);

  /** An Auto request filed as admin (who may auto-approve): the operator grants it at once. */
  const fileAuto = (name: string, target: string, labels: Record<string, string>) =>
    kubectlOk(['-n', ns, 'apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'approval.cp.ei.telekom.de/v1',
        kind: 'ApprovalRequest',
        metadata: { name, labels },
        spec: {
          action: 'subscribe',
          strategy: 'Auto',
          requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: `request ${name}` },
          decider: { teamName: 'orders', teamEmail: 'orders@example.com' },
          target: { apiVersion: 'api.cp.ei.telekom.de/v1', kind: 'ApiSubscription', name: target, namespace: ns },
        },
      }),
    });

  const carrying = async (approvalName: string, requestName: string) =>
    eventually(`approval ${approvalName} to carry ${requestName}`, async () => {
      const approval = await waitForApprovalState(approvalName, 'Granted');
      return approval.spec.approvedRequest?.name === requestName ? approval : undefined;
    });

  const reconciles = () => metricValue(operator.manager, 'approval_operator_reconcile_total', { controller: 'approvalrequest' });

  before(async () => {
    client = adminClient();
    await installCrds();
    ns = await createNamespace(client, 'ownership');
    operator = await startOperator();
  });
  after(async () => {
    await operator?.stop();
    await client.close();
  });

  it("the Approval of a granted request carries the request's labels, and keeps the ones people add", async () => {
    await fileAuto('labelled', 'labelled-target', { [ENVIRONMENT]: 'dev', 'example.com/team': 'shop' });
    await waitForState('labelled', 'Granted');
    const approval = await carrying('apisubscription--labelled-target', 'labelled');
    assert.equal(approval.metadata.labels?.[ENVIRONMENT], 'dev');
    assert.equal(approval.metadata.labels?.['example.com/team'], 'shop');

    // A label changed on the request later reaches the Approval; a label put on the Approval stays.
    await kubectlOk(['-n', ns, 'label', 'apv', 'apisubscription--labelled-target', 'example.com/owner=me']);
    await kubectlOk(['-n', ns, 'label', 'ar', 'labelled', `${ENVIRONMENT}=prod`, '--overwrite']);
    const relabelled = await eventually('the new environment on the Approval', async () => {
      const current = await getApproval('apisubscription--labelled-target');
      return current.metadata.labels?.[ENVIRONMENT] === 'prod' ? current : undefined;
    });
    assert.equal(relabelled.metadata.labels?.['example.com/owner'], 'me');
    assert.equal(relabelled.metadata.generation, approval.metadata.generation, 'labels only: the spec was not rewritten');
  });

  it('a newer granted request replaces an older one, never the reverse (ow-old, ow-new)', async () => {
    const name = 'apisubscription--ow-target';
    await fileAuto('ow-old', 'ow-target', { [ENVIRONMENT]: 'dev' });
    const old = await waitForState('ow-old', 'Granted');
    await carrying(name, 'ow-old');
    // Grant times have second precision, and within one second the name decides (ow-old > ow-new):
    // ow-new is granted in a later second, as a request filed after another one is in practice.
    const oldGrantedAt = Date.parse(old.spec.decisions?.at(-1)?.timestamp ?? '');
    await sleep(Math.max(0, oldGrantedAt + 1000 - Date.now()));
    await fileAuto('ow-new', 'ow-target', { [ENVIRONMENT]: 'dev' });
    await waitForState('ow-new', 'Granted');
    await carrying(name, 'ow-new');

    await vote('apv', name, 'admin', 'Suspended', 'incident: suspend the new grant');
    const suspended = await waitForApprovalState(name, 'Suspended');
    assert.equal(suspended.spec.approvedRequest?.name, 'ow-new');

    // Touching either request makes the operator reconcile it (and a resync would do the same).
    const before = await reconciles();
    await kubectlOk(['-n', ns, 'label', 'ar', 'ow-new', 'touched=new']);
    await kubectlOk(['-n', ns, 'label', 'ar', 'ow-old', 'touched=old']);
    await eventually('both touched requests to be reconciled', async () => (await reconciles()) >= before + 2);
    for (const deadline = Date.now() + 2_000; Date.now() < deadline; await sleep(100)) {
      const current = await getApproval(name);
      assert.equal(current.spec.approvedRequest?.name, 'ow-new', 'the Approval still carries the newer request');
      assert.equal(current.spec.state, 'Suspended', 'the suspension stands');
      assert.equal(current.metadata.generation, suspended.metadata.generation, 'the spec was not rewritten');
    }
    // The carried request's labels follow it onto the Approval; the older request's do not.
    const settled = await eventually('the label of ow-new on the Approval', async () => {
      const current = await getApproval(name);
      return current.metadata.labels?.touched ? current : undefined;
    });
    assert.equal(settled.metadata.labels?.touched, 'new');
    // Both requests point at the Approval of their target; its approvedRequest names the one in force.
    assert.equal((await getRequest('ow-old')).status?.approval?.name, name);
    assert.equal((await getRequest('ow-new')).status?.approval?.name, name);
  });
});

// Issue 12, item 9: a pending request deleted while the operator is down (or not leading) is
// still withdrawn: its decider is told once the operator is back, exactly once. The withdrawal
// finalizer (ADR 0006) is on only while the request is open; a namespace being deleted releases
// it without a notice, and the escape hatch (removing the finalizer by hand) works.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { ApprovalRequest } from '../../../src/api/types.ts';
import { WITHDRAWAL_FINALIZER, approvalRequestResource } from '../../../src/api/resources.ts';
import { isNotFound, type KubeClient } from '../../../src/runtime/kube-client.ts';
import { objectPath } from '../../../src/runtime/resource.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { adminClient, createNamespace, deleteNamespace, eventually } from '../../support/cluster.ts';
import { installCrds, kubectlOk } from '../../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../../support/operator.ts';
import { notificationsAbout, requestJson, summary } from '../../support/requests.ts';

describe('withdrawal is level-triggered (issue 12, item 9)', () => {
  let client: KubeClient;
  let ns: string;
  let operator: RunningOperator | undefined;
  const { getRequest, waitForState, vote } = approvalHelpers(adminClient(), () => ns);
  const gone = async (name: string) => client.get(objectPath(approvalRequestResource, ns, name)).then(() => false, (err: unknown) => isNotFound(err));

  before(async () => {
    client = adminClient();
    await installCrds();
    ns = await createNamespace(client, 'withdrawal');
  });
  after(async () => {
    await operator?.stop();
    await client.close();
  });

  it('a pending request deleted while the operator is down: the decider is told once it is back', async () => {
    operator = await startOperator({ namespace: ns });
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: requestJson(ns, 'gone-while-down', 'Simple') });
    await waitForState('gone-while-down', 'Pending');
    await operator.stop();
    operator = undefined;
    await kubectlOk(['-n', ns, 'delete', 'ar', 'gone-while-down', '--wait=false']);

    operator = await startOperator({ namespace: ns });
    await eventually('the withdrawal Notification', async () => (await notificationsAbout(client, ns, 'gone-while-down')).some((n) => n.purpose.includes('--withdrawn--')));
    await eventually('the request to be gone', () => gone('gone-while-down'));
    assert.deepEqual(summary(await notificationsAbout(client, ns, 'gone-while-down')), [
      'approvalrequest--subscribe--created--decider -→Pending',
      'approvalrequest--subscribe--withdrawn--decider Pending→-',
    ]);
  });

  it('the finalizer is on while the request is open and off once it is decided: a decided request is deleted without the operator', async () => {
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: requestJson(ns, 'decided') });
    const pending = await waitForState('decided', 'Pending');
    assert.deepEqual(pending.metadata.finalizers, [WITHDRAWAL_FINALIZER]);
    await vote('ar', 'decided', 'alice', 'Granted');
    assert.deepEqual((await waitForState('decided', 'Semigranted')).metadata.finalizers, [WITHDRAWAL_FINALIZER]);
    await vote('ar', 'decided', 'bob', 'Rejected');
    await waitForState('decided', 'Rejected');
    await eventually('the finalizer released', async () => (await getRequest('decided')).metadata.finalizers === undefined);
    await operator!.stop();
    operator = undefined;
    await kubectlOk(['-n', ns, 'delete', 'ar', 'decided', '--wait=false']);
    assert.ok(await gone('decided'), 'deleted at once, with no operator running');
    operator = await startOperator({ namespace: ns });
    await sleep(500);
    assert.deepEqual(summary(await notificationsAbout(client, ns, 'decided')), [
      'approvalrequest--subscribe--created--decider -→Pending',
      'approvalrequest--subscribe--updated--decider Pending→Semigranted',
      'approvalrequest--subscribe--updated--decider Semigranted→Rejected',
      'approvalrequest--subscribe--updated--requester Semigranted→Rejected',
    ], 'one per transition and person, and a decided request is not withdrawn');
  });

  it('two replicas: only the leader tells the decider, once', async () => {
    await operator?.stop();
    const a = await startOperator({ namespace: ns, leaderElection: { namespace: ns, identity: 'replica-a' } });
    const b = await startOperator({ namespace: ns, leaderElection: { namespace: ns, identity: 'replica-b' } });
    operator = a;
    const leading = await eventually('a leader', () => a.manager.isLeader() !== b.manager.isLeader());
    assert.ok(leading);
    const follower = a.manager.isLeader() ? b : a;
    operator = a.manager.isLeader() ? a : b;
    try {
      await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: requestJson(ns, 'two-replicas', 'Simple') });
      await waitForState('two-replicas', 'Pending');
      const followerWrites = follower.writes.length;
      await kubectlOk(['-n', ns, 'delete', 'ar', 'two-replicas', '--wait=false']);
      await eventually('the request to be gone', () => gone('two-replicas'));
      assert.deepEqual(summary(await notificationsAbout(client, ns, 'two-replicas')), [
        'approvalrequest--subscribe--created--decider -→Pending',
        'approvalrequest--subscribe--withdrawn--decider Pending→-',
      ]);
      assert.deepEqual(follower.writes.slice(followerWrites).filter((w) => w.verb === 'POST' || w.verb === 'PATCH'), [], 'the follower wrote nothing');
    } finally {
      await follower.stop();
    }
  });

  it('a namespace being deleted: the finalizer is released without a notice (nothing can be created there)', async () => {
    await operator?.stop();
    const doomed = await createNamespace(client, 'withdrawal-doomed');
    operator = await startOperator({ namespace: doomed });
    await kubectlOk(['-n', doomed, 'apply', '-f', '-'], { input: requestJson(doomed, 'in-doomed', 'Simple') });
    await eventually('the finalizer', async () =>
      (await client.get<ApprovalRequest>(objectPath(approvalRequestResource, doomed, 'in-doomed'))).metadata.finalizers?.includes(WITHDRAWAL_FINALIZER));
    await deleteNamespace(client, doomed);
    // The namespace controller would delete the request now; this cluster has none, so the test does.
    await kubectlOk(['-n', doomed, 'delete', 'ar', 'in-doomed', '--wait=false']);
    await eventually('the request to be gone', async () =>
      client.get(objectPath(approvalRequestResource, doomed, 'in-doomed')).then(() => false, (err: unknown) => isNotFound(err)));
    assert.deepEqual(summary(await notificationsAbout(client, doomed, 'in-doomed')).filter((line) => line.includes('withdrawn')), []);
    await operator.stop();
    operator = undefined;
  });

  it('the escape hatch: with no operator, removing the finalizer by hand lets the deletion finish', async () => {
    operator = await startOperator({ namespace: ns });
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: requestJson(ns, 'stuck', 'Simple') });
    await waitForState('stuck', 'Pending');
    await operator.stop();
    operator = undefined;
    await kubectlOk(['-n', ns, 'delete', 'ar', 'stuck', '--wait=false']);
    await sleep(300);
    assert.equal(await gone('stuck'), false, 'the finalizer holds the deletion');
    await kubectlOk(['-n', ns, 'patch', 'ar', 'stuck', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    await eventually('the request to be gone', () => gone('stuck'));
  });
});

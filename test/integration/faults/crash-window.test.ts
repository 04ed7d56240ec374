// Issue 12, item 8: the operator dies after creating a transition's Notifications and before the
// status write that records them, and another vote lands before it is back. Each transition must
// still be reported exactly once, named from the decision that caused it. The "crash" is an
// operator whose /status writes of requests fail (so nothing records the report), stopped once
// its Notification exists; the kill -9 version of this is kill.test.ts.
//
// Who is told depends on the state the operator finds (one message per person per event: the
// decider is asked only while the request is open), so the retry after a crash may tell fewer
// steps than the attempt before it; it must never tell one twice, nor lose the outcome.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { adminClient, createNamespace, eventually } from '../../support/cluster.ts';
import { installCrds, kubectlOk } from '../../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../../support/operator.ts';
import { notificationsAbout, requestJson, summary } from '../../support/requests.ts';

const statusWriteOfRequest = (method: string, path: string) => method === 'PATCH' && /\/approvalrequests\/[^/]+\/status$/.test(path);

describe('a crash between the Notification create and the status write (issue 12, item 8)', () => {
  let client: KubeClient;
  let ns: string;
  let operator: RunningOperator | undefined;
  const { getRequest, waitForState, vote } = approvalHelpers(adminClient(), () => ns);
  const reported = async (name: string) => summary(await notificationsAbout(client, ns, name));

  before(async () => {
    client = adminClient();
    await installCrds();
    ns = await createNamespace(client, 'crash-window');
  });
  after(async () => {
    await operator?.stop();
    await client.close();
  });

  it('created, crash before the status write, a vote, restart: one "created" Notification, then Pending → Semigranted', async () => {
    operator = await startOperator({ namespace: ns, failRequest: statusWriteOfRequest });
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: requestJson(ns, 'crash-created') });
    await eventually('the created Notification', async () => (await reported('crash-created')).length > 0);
    await operator.stop();
    operator = undefined;
    assert.equal((await getRequest('crash-created')).status?.lastState, undefined, 'the report was never recorded');

    await vote('ar', 'crash-created', 'alice', 'Granted');
    operator = await startOperator({ namespace: ns });
    await waitForState('crash-created', 'Semigranted');
    await sleep(500); // anything still in flight
    assert.deepEqual(await reported('crash-created'), [
      'approvalrequest--subscribe--created--decider -→Pending',
      'approvalrequest--subscribe--updated--decider Pending→Semigranted',
    ]);
    const request = await getRequest('crash-created');
    assert.equal(request.status?.notificationRefs?.length, 2, 'both are recorded in status');
  });

  it('Semigranted reported, crash before the status write, the second vote, restart: Semigranted → Granted, once', async () => {
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: requestJson(ns, 'crash-middle') });
    await waitForState('crash-middle', 'Pending');
    await operator!.stop();
    operator = await startOperator({ namespace: ns, failRequest: statusWriteOfRequest });
    await vote('ar', 'crash-middle', 'alice', 'Granted');
    await eventually('the Semigranted Notification', async () => (await reported('crash-middle')).length === 2);
    await operator.stop();
    operator = undefined;

    await vote('ar', 'crash-middle', 'bob', 'Granted');
    operator = await startOperator({ namespace: ns });
    await waitForState('crash-middle', 'Granted');
    await sleep(500);
    // The retry no longer asks the decider about Semigranted (the request is decided), and the
    // Notification of before the crash stays the only one about it.
    assert.deepEqual(await reported('crash-middle'), [
      'approvalrequest--subscribe--created--decider -→Pending',
      'approvalrequest--subscribe--updated--decider Pending→Semigranted',
      'approvalrequest--subscribe--updated--decider Semigranted→Granted',
      'approvalrequest--subscribe--updated--requester Semigranted→Granted',
    ]);
  });

  it('created reported, crash, the request decided before the restart: the outcome to both once, the decider not asked again', async () => {
    await operator?.stop();
    operator = await startOperator({ namespace: ns, failRequest: statusWriteOfRequest });
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: requestJson(ns, 'crash-decided', 'Simple') });
    await eventually('the created Notification', async () => (await reported('crash-decided')).length > 0);
    await operator.stop();
    operator = undefined;

    await vote('ar', 'crash-decided', 'alice', 'Granted');
    // Another crash, this time after the outcome's Notifications: the retry finds them.
    operator = await startOperator({ namespace: ns, failRequest: statusWriteOfRequest });
    await eventually('the outcome Notifications', async () => (await reported('crash-decided')).length === 3);
    await operator.stop();
    operator = undefined;
    assert.equal((await getRequest('crash-decided')).status?.lastState, undefined, 'neither report was recorded');

    operator = await startOperator({ namespace: ns });
    await waitForState('crash-decided', 'Granted');
    await sleep(500);
    assert.deepEqual(await reported('crash-decided'), [
      'approvalrequest--subscribe--created--decider -→Pending',
      'approvalrequest--subscribe--updated--decider Pending→Granted',
      'approvalrequest--subscribe--updated--requester Pending→Granted',
    ]);
    const request = await getRequest('crash-decided');
    // The "waiting" one of before the first crash was sent, and is owned by the request; the retry
    // that recorded the report no longer told that step, so only the outcome is in status.
    assert.deepEqual(request.status?.notificationRefs?.map((r) => r.name.replace(/--[0-9a-f]{10}$/, '')).sort(), [
      'approvalrequest--subscribe--updated--decider--crash-decided-target',
      'approvalrequest--subscribe--updated--requester--crash-decided-target',
    ]);
    const approval = request.status?.approval?.name;
    assert.deepEqual(await reported(approval!), [], "the Approval's creation is the grant: no Notification of its own");
  });
});

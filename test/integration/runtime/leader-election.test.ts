// Two candidates for one Lease on the real API server: exactly one leads; when it stops, it
// releases the lease and the other takes over without waiting for the lease to expire.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { LeaderElector } from '../../../src/runtime/leader-election.ts';
import { core, objectPath } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, eventually, testLogger } from '../../support/cluster.ts';

describe('leader election with a Lease', () => {
  let client: KubeClient;
  let namespace: string;

  before(async () => {
    client = adminClient();
    namespace = await createNamespace(client, 'leader');
  });
  after(() => client.close());

  it('elects one leader at a time and hands over on release', async () => {
    const options = { namespace, name: 'approval-operator', leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 300, log: testLogger() };
    const a = new LeaderElector(client, { ...options, identity: 'replica-a' });
    const b = new LeaderElector(client, { ...options, identity: 'replica-b' });
    const stopA = new AbortController();
    const stopB = new AbortController();
    const leading: string[] = [];
    const campaign = (elector: LeaderElector, identity: string, stop: AbortController) =>
      elector.run(stop.signal, async (signal) => {
        leading.push(identity);
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      });

    const runA = campaign(a, 'replica-a', stopA);
    await eventually('replica-a to lead', () => a.isLeader());
    const runB = campaign(b, 'replica-b', stopB);
    await sleep(1500);
    assert.equal(b.isLeader(), false, 'the second candidate waits while the lease is held and renewed');
    const lease = await client.get<{ spec: { holderIdentity: string } }>(objectPath(core.lease, namespace, 'approval-operator'));
    assert.equal(lease.spec.holderIdentity, 'replica-a');

    const handoverStarted = Date.now();
    stopA.abort();
    await runA;
    await eventually('replica-b to take over', () => b.isLeader(), 10_000);
    assert.ok(Date.now() - handoverStarted < options.leaseDurationMs, 'a released lease is taken before it would have expired');
    assert.deepEqual(leading, ['replica-a', 'replica-b']);
    stopB.abort();
    await runB;
  });
});

// The manager runs a controller on the real API server: readiness follows cache sync, the
// reconciler sees every object, an unchanged object causes no write, metrics are served.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Controller } from '../../../src/runtime/controller.ts';
import { portOf } from '../../../src/runtime/http-endpoints.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { Manager } from '../../../src/runtime/manager.ts';
import { collectionPath, core, objectPath, splitKey, type KubeObject } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, eventually, testLogger } from '../../support/cluster.ts';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

describe('manager with a level-triggered controller', () => {
  let setup: KubeClient;
  let namespace: string;

  before(async () => {
    setup = adminClient();
    namespace = await createNamespace(setup, 'manager');
  });
  after(() => setup.close());

  it('reconciles to the desired state, then writes nothing for unchanged objects', async () => {
    await setup.create(collectionPath(core.configMap, namespace), { metadata: { name: 'a' }, data: { greeting: 'hello' } });
    const client = adminClient();
    const writes: string[] = [];
    client.onResponse((verb) => verb !== 'GET' && writes.push(verb));
    const manager = new Manager({ client, log: testLogger(), namespace, healthPort: 0, metricsPort: 0 });
    const informer = manager.informer<ConfigMap>(core.configMap);
    const reconciled: string[] = [];
    // Desired state: data.length = number of characters in data.greeting.
    const controller = new Controller({
      name: 'greeting-length',
      log: testLogger(),
      metrics: manager.metrics,
      reconcile: async (key) => {
        reconciled.push(key);
        const cm = informer.cache.get(key);
        if (!cm) return;
        const desired = String(cm.data?.greeting?.length ?? 0);
        if (cm.data?.length === desired) return;
        const { namespace: ns, name } = splitKey(key);
        await client.patch(objectPath(core.configMap, ns, name), { data: { length: desired } }, 'application/merge-patch+json');
      },
    });
    controller.watch(informer);
    manager.addController(controller);
    await manager.start();
    try {
      const [probes, metrics] = manager.servers.map((server) => `http://127.0.0.1:${portOf(server)}`);
      assert.equal((await fetch(`${probes}/readyz`)).status, 200, 'ready once caches synced');
      assert.equal((await fetch(`${probes}/healthz`)).status, 200);

      await eventually('the length written', () => informer.cache.get(`${namespace}/a`)?.data?.length === '5');
      assert.equal(writes.length, 1, 'one write brings the object to its desired state');

      const before = reconciled.length;
      controller.queue.add(`${namespace}/a`);
      await eventually('another reconcile', () => reconciled.length > before);
      await sleep(200);
      assert.equal(writes.length, 1, 'reconciling an unchanged object writes nothing');

      const text = await (await fetch(`${metrics}/metrics`)).text();
      assert.match(text, /approval_operator_reconcile_total\{controller="greeting-length",result="success"\} \d+/);
      assert.match(text, /approval_operator_api_requests_total\{verb="PATCH",code="200"\} 1/);
    } finally {
      await manager.stop();
    }
  });
});

// More objects than the chart's heap holds: the operator stays up and says so. The namespace is
// filled with Pending requests of the largest allowed size while no operator runs (what a restart
// finds); then the operator starts with the chart's V8 flags for an 80 MiB pod. Holding them whole
// would need about twice its old generation: before memory pressure existed it died of "heap out of
// memory" while listing them, at every start. Now it enters memory pressure (log line, metric),
// keeps them as evicted summaries, reads each from the API server to reconcile it, and still grants.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../../hack/control-plane.ts';
import { localWebhookCertificates } from '../../../hack/webhook-local.ts';
import type { ApprovalRequest } from '../../../src/api/types.ts';
import { approvalRequestResource, notificationResource } from '../../../src/api/resources.ts';
import { PatchType, type KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath } from '../../../src/runtime/resource.ts';
import { adminClient, clusterDir, createNamespace, deleteNamespace, eventually, kubeconfigPath } from '../../support/cluster.ts';
import { chartNodeOptions } from '../../support/chart-heap.ts';
import { installCrds } from '../../support/kubectl.ts';
import { OperatorProcess } from '../../support/operator-process.ts';
import { requestJson } from '../../support/requests.ts';

const POD_MEMORY_MIB = 80;
const REQUESTS = 2000;
/** Just under the 32 KiB the admission webhook allows for properties. */
const PROPERTY_BYTES = 28 * 1024;

async function pool(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await task(next++);
  }));
}

async function metric(operator: OperatorProcess, name: string, labels = ''): Promise<number | undefined> {
  const text = await fetch(`http://127.0.0.1:${operator.metricsPort}/metrics`).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ' '}`) || (!labels && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('memory pressure: more objects than the heap holds', () => {
  let client: KubeClient;
  let ns: string;
  let operator: OperatorProcess | undefined;

  before(async () => {
    client = adminClient();
    await installCrds();
    ns = await createNamespace(client, 'pressure');
    const requester = { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'memory pressure', applicationRef: { name: 'shop', namespace: ns }, properties: { filler: 'x'.repeat(PROPERTY_BYTES) } };
    await pool(REQUESTS, 16, (i) => client.create(collectionPath(approvalRequestResource, ns), JSON.parse(requestJson(ns, `big-${i}`, 'Simple', { requester }))));
    const sample = await client.get<ApprovalRequest>(`${collectionPath(approvalRequestResource, ns)}/big-0`);
    assert.equal(String(sample.spec.requester.properties?.filler).length, PROPERTY_BYTES, 'the server kept the properties');
  });
  after(async () => {
    await operator?.stop();
    // The local control plane has no namespace controller: the requests would outlive their
    // namespace, and every later operator that watches all namespaces would have 56 MB of them to
    // work on. They carry the withdrawal finalizer (no operator is left to release it): removed
    // here, then deleted.
    const list = await client.get<{ items: ApprovalRequest[] }>(collectionPath(approvalRequestResource, ns));
    await pool(list.items.length, 16, (i) =>
      client.patch(`${collectionPath(approvalRequestResource, ns)}/${list.items[i]!.metadata.name}`, { metadata: { finalizers: null } }, PatchType.merge),
    );
    await client.delete(collectionPath(approvalRequestResource, ns));
    // Their 2,000 undelivered Notifications too (no garbage collector here either): a later
    // operator that delivers would have them to send first.
    await client.delete(collectionPath(notificationResource, ns));
    await eventually('the requests gone', async () => (await client.get<{ items: unknown[] }>(collectionPath(approvalRequestResource, ns), { limit: 1 })).items.length === 0 || undefined, 60_000, 500);
    await deleteNamespace(client, ns).catch(() => undefined);
    await client.close();
  });

  it('starts, reconciles every request and grants a new one, under pressure, with the chart heap of an 80 MiB pod', async () => {
    const nodeOptions = chartNodeOptions(POD_MEMORY_MIB);
    assert.match(nodeOptions, /--max-old-space-size=48\b/, `the chart's share of 80 MiB: ${nodeOptions}`);
    // The webhooks are served (as in a pod) but not registered: the requests were filed before.
    const webhookCertDir = mkdtempSync(join(tmpdir(), 'pressure-webhook-'));
    localWebhookCertificates(webhookCertDir);
    operator = await OperatorProcess.start({
      kubeconfig: kubeconfigPath(),
      namespace: ns,
      webhookPort: await freePort(),
      webhookCertDir,
      logFile: join(clusterDir(), 'logs', `pressure-${ns}.log`),
      nodeOptions,
      // As the chart passes them: the pressure is reported on the operator's Pod.
      env: { POD_NAME: 'approval-operator-0', POD_NAMESPACE: ns },
    });
    await operator.waitReady(120_000);
    await eventually('every request reconciled Pending', async () => {
      const list = await client.get<{ items: ApprovalRequest[] }>(collectionPath(approvalRequestResource, ns));
      return list.items.filter((r) => r.status?.lastState === 'Pending').length === REQUESTS || undefined;
    }, 240_000, 1000);
    assert.ok(operator.alive, `the operator is up:\n${operator.tail()}`);

    const log = readFileSync(operator.logFile, 'utf8');
    assert.match(log, /memory pressure: objects are no longer cached whole/, 'it says so in its log');
    assert.doesNotMatch(log, /heap out of memory/i);
    assert.equal(await metric(operator, 'approval_operator_memory_pressure'), 1, 'and in its metrics');
    const events = await client.get<{ items: Array<{ reason: string; type: string; regarding: { kind: string; name: string } }> }>(`/apis/events.k8s.io/v1/namespaces/${ns}/events`);
    assert.ok(
      events.items.some((e) => e.reason === 'MemoryPressure' && e.type === 'Warning' && e.regarding.kind === 'Pod' && e.regarding.name === 'approval-operator-0'),
      'and as a Warning Event on its Pod (kubectl describe pod)',
    );
    const evicted = await metric(operator, 'approval_operator_cached_objects', 'kind="ApprovalRequest",form="evicted"');
    assert.ok((evicted ?? 0) > REQUESTS / 2, `most requests evicted, not cached whole: ${evicted}`);

    // Still doing its work: a new Auto request is granted.
    await client.create(collectionPath(approvalRequestResource, ns), JSON.parse(requestJson(ns, 'auto-after', 'Auto')));
    await eventually('the Auto request Granted', async () => {
      const list = await client.get<{ items: ApprovalRequest[] }>(collectionPath(approvalRequestResource, ns), { fieldSelector: 'metadata.name=auto-after' });
      return list.items[0]?.status?.lastState === 'Granted' || undefined;
    }, 60_000, 200);
    assert.ok(operator.alive, `still up:\n${operator.tail()}`);
  });
});

// The soak: a year of requests in one run. N requests are filed, decided and settled in a
// namespace of their own, watched by an operator of its own (the chart's heap flags): nine in ten
// are Auto, one in ten is Simple and decided by a vote at once (approved or rejected in turn), and
// one in a hundred targets a kind whose policy lets retention delete settled requests after 30 s.
// The filing is paced to what the operator settles (at most BACKLOG ahead), as a steady stream.
// Read at the checkpoint and at the end, each once everything filed has settled and 20 s passed:
// the operator's RSS and heap, and how its caches hold the objects; at the end also the writes per
// request and the objects left in the namespace once retention had its turn.
//
// Retention sweeps every 15 s (the chart's interval is 10 minutes), so the short-lived requests go
// soon after they settle. Every sweep also lists all the Notifications, and the soak leaves two
// per request within their retention: the sweeps run back to back over up to 200,000 of them, a
// heavier load than a deployment's, which the readings include.
//
// The API server runs the soak without its watch cache. With it, the bench's kube-apiserver holds
// every custom object it serves decoded in memory, and at 100,000 requests + Approvals (+ their
// Notifications and history) that took 23 GB, more than the bench machine has. The soak measures
// the operator; without the cache the API server serves lists and watches from etcd, which changes
// nothing the operator holds.
import { setTimeout as sleep } from 'node:timers/promises';
import { restartApiServer } from '../../hack/control-plane.ts';
import { approvalPolicyResource, approvalRequestResource } from '../../src/api/resources.ts';
import { isAlreadyExists, type KubeClient } from '../../src/runtime/kube-client.ts';
import { collectionPath } from '../../src/runtime/resource.ts';
import { SOAK_NS } from './cluster.ts';
import { round, type BenchContext } from './context.ts';
import { createRequest, pool, requestManifest, retrying, vote } from './fixtures.ts';
import { readMemory, type OperatorProcess } from './operator-process.ts';
import { apiRequestsByVerb, sum, type Samples } from './prom.ts';

const MB = 1024 * 1024;
const BACKLOG = 2000;
const BATCH = 500;
const SETTLE_MS = 20_000;
const SHORT_LIVED_KIND = 'ShortLivedSubscription';
const RETENTION_INTERVAL_SECONDS = 15;

interface Reading {
  settled: number;
  rssMB: number;
  anonMB: number;
  fileMB: number;
  heapUsedMB: number;
  heapTotalMB: number;
  externalMB: number;
  cached: Record<string, number>;
  /** The bench's kube-apiserver, for the record: what the soak costs the control plane. */
  apiserverRssMB: number;
}

const settledCount = (samples: Samples) =>
  sum(samples, 'approval_operator_transitions_total', { kind: 'ApprovalRequest', to: (to: string) => to === 'Granted' || to === 'Rejected' });

function cachedForms(samples: Samples): Record<string, number> {
  const out: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name !== 'approval_operator_cached_objects' || sample.value === 0) continue;
    out[`${sample.labels.kind} ${sample.labels.form}`] = sample.value;
  }
  return out;
}

/** How many objects of a kind a namespace holds (a list of one, plus the server's remaining count). */
async function countObjects(client: KubeClient, path: string): Promise<number> {
  const list = await client.get<{ items: unknown[]; metadata: { remainingItemCount?: number } }>(path, { limit: 1 });
  return list.items.length + (list.metadata.remainingItemCount ?? 0);
}

async function waitSettled(operator: OperatorProcess, filed: number, log: (m: string) => void): Promise<number> {
  let last = -1;
  let lastChange = performance.now();
  for (;;) {
    const settled = settledCount(await operator.metrics());
    if (settled >= filed) return settled;
    if (settled !== last) {
      last = settled;
      lastChange = performance.now();
    }
    if (performance.now() - lastChange > 120_000) throw new Error(`soak: ${settled}/${filed} settled, no progress for 120 s`);
    if (!operator.alive) throw new Error('soak: the operator died');
    log(`soak: ${settled}/${filed} settled`);
    await sleep(5000);
  }
}

async function reading(operator: OperatorProcess, settled: number, apiserverPid: number): Promise<Reading> {
  await sleep(SETTLE_MS);
  const samples = await operator.metrics();
  const memory = operator.memory();
  return {
    settled,
    rssMB: round(memory.rss / MB),
    anonMB: round(memory.anon / MB),
    fileMB: round(memory.file / MB),
    heapUsedMB: round(sum(samples, 'approval_operator_nodejs_heap_size_used_bytes') / MB),
    heapTotalMB: round(sum(samples, 'approval_operator_nodejs_heap_size_total_bytes') / MB),
    externalMB: round(sum(samples, 'approval_operator_nodejs_external_memory_bytes') / MB),
    cached: cachedForms(samples),
    apiserverRssMB: round(readMemory(apiserverPid).rss / MB),
  };
}

export async function runSoak(ctx: BenchContext): Promise<void> {
  const total = ctx.sizes.soakRequests;
  const checkpoint = ctx.sizes.soakCheckpoint;
  ctx.log(`soak: ${total} requests filed, decided and settled in ${SOAK_NS} (readings at ${checkpoint} and ${total})`);
  await ctx.admin.create(collectionPath(approvalPolicyResource), {
    apiVersion: 'approval.cp.ei.telekom.de/v1',
    kind: 'ApprovalPolicy',
    metadata: { name: 'bench-soak-short-lived' },
    spec: { order: 1, match: { namespaces: [SOAK_NS], targetKinds: [SHORT_LIVED_KIND] }, strategy: 'Auto', retention: { settledRequests: '30s' } },
  }).catch((err: unknown) => {
    if (!isAlreadyExists(err)) throw err;
  });
  ctx.cluster.pids.apiserver = await restartApiServer(ctx.cluster.dir, 0, ['--watch-cache=false']);
  const operator = await ctx.startOperator('soak', { namespace: SOAK_NS, extraArgs: [`--retention-interval=${RETENTION_INTERVAL_SECONDS}s`] });
  const readings: Reading[] = [];
  const started = performance.now();
  try {
    const before = await operator.metrics();
    let filed = 0;
    let shortLived = 0;
    while (filed < total) {
      const settled = settledCount(await operator.metrics());
      if (filed - settled >= BACKLOG) {
        await sleep(200);
        continue;
      }
      const batch = Math.min(BATCH, total - filed);
      const first = filed;
      await pool(batch, ctx.sizes.createConcurrency, (k) => fileOne(ctx, first + k));
      shortLived += Array.from({ length: batch }, (_, k) => first + k).filter((i) => i % 100 === 99).length;
      filed += batch;
      if (filed % 10_000 === 0 || filed === total) ctx.log(`soak: ${filed} filed, ${settled} settled, ${((performance.now() - started) / 1000).toFixed(0)} s`);
      if (filed === checkpoint) readings.push(await reading(operator, await waitSettled(operator, filed, () => undefined), ctx.cluster.pids.apiserver));
    }
    const settled = await waitSettled(operator, total, ctx.log);
    const seconds = (performance.now() - started) / 1000;
    readings.push(await reading(operator, settled, ctx.cluster.pids.apiserver));
    const after = await operator.metrics();
    const byVerb = apiRequestsByVerb(after);
    const beforeByVerb = apiRequestsByVerb(before);
    const nonGet = Object.entries(byVerb).filter(([verb]) => verb !== 'GET').reduce((a, [verb, n]) => a + n - (beforeByVerb[verb] ?? 0), 0);
    // Retention's turn: the short-lived requests go at the first sweep 30 s after they settled (at
    // 20 deletes/s); a sweep first lists every Notification, which takes minutes at 200,000.
    const deadline = performance.now() + RETENTION_INTERVAL_SECONDS * 1000 + 300_000 + shortLived * 100;
    let requestsLeft = await countObjects(ctx.admin, collectionPath(approvalRequestResource, SOAK_NS));
    while (requestsLeft > total - shortLived && performance.now() < deadline) {
      await sleep(5000);
      requestsLeft = await countObjects(ctx.admin, collectionPath(approvalRequestResource, SOAK_NS));
    }
    const left = {
      requests: requestsLeft,
      approvals: await countObjects(ctx.admin, `/apis/approval.cp.ei.telekom.de/v1/namespaces/${SOAK_NS}/approvals`),
      notifications: await countObjects(ctx.admin, `/apis/notification.cp.ei.telekom.de/v1/namespaces/${SOAK_NS}/notifications`),
      events: await countObjects(ctx.admin, `/apis/events.k8s.io/v1/namespaces/${SOAK_NS}/events`),
    };
    const retentionDeleted = sum(await operator.metrics(), 'approval_operator_retention_deleted_total', { kind: 'ApprovalRequest' });
    ctx.raw.soak = { total, checkpoint, seconds: round(seconds), readings, nonGetPerRequest: round(nonGet / total, 2), shortLived, retentionDeleted, left, alive: operator.alive };
    const [first, last] = [readings[0]!, readings.at(-1)!];
    ctx.rows.push({
      scenario: 'SOAK',
      metric: `RSS with ${first.settled} settled requests + their Approvals cached (MB; heap used)`,
      operator: `${first.rssMB} (${first.heapUsedMB})`,
      target: '< 150 MB',
      met: first.rssMB < 150,
    });
    ctx.rows.push({
      scenario: 'SOAK',
      metric: `RSS with ${last.settled} settled requests + their Approvals cached, no crash (MB; heap used)`,
      operator: `${last.rssMB} (${last.heapUsedMB})`,
      target: '< 250 MB',
      met: last.rssMB < 250 && operator.alive,
    });
    ctx.rows.push({
      scenario: 'SOAK',
      metric: `${total} requests filed → settled (s; req/s), 1 in 10 decided by a vote`,
      operator: `${round(seconds)} (${round(total / seconds, 1)})`,
      target: '(info)',
    });
    ctx.rows.push({
      scenario: 'SOAK',
      metric: `the bench's kube-apiserver (watch cache off) at ${first.settled} / ${last.settled} settled (MB RSS)`,
      operator: `${first.apiserverRssMB} / ${last.apiserverRssMB}`,
      target: '(info)',
    });
    ctx.rows.push({
      scenario: 'SOAK',
      metric: 'API requests per request that are not GETs (writes, plus the webhook\'s SubjectAccessReviews)',
      operator: String(round(nonGet / total, 2)),
      target: '(info)',
    });
    ctx.rows.push({
      scenario: 'SOAK',
      metric: `objects left after retention (${shortLived} short-lived requests deleted at the first sweep 30 s after they settled; sweeps every ${RETENTION_INTERVAL_SECONDS} s): requests / Approvals / Notifications / Events`,
      operator: `${left.requests} / ${left.approvals} / ${left.notifications} / ${left.events}`,
      target: `${total - shortLived} requests`,
      met: left.requests === total - shortLived,
    });
  } finally {
    await operator.stop();
  }
}

/** Files request `i`: Auto, or (one in ten) Simple decided at once by a decider. */
async function fileOne(ctx: BenchContext, i: number): Promise<void> {
  const name = `soak-${String(i).padStart(6, '0')}`;
  const decided = i % 10 === 4;
  const manifest = requestManifest(name, decided ? 'Simple' : 'Auto');
  if (i % 100 === 99) manifest.spec.target = { ...manifest.spec.target, kind: SHORT_LIVED_KIND };
  await retrying(() =>
    createRequest(ctx.requester, SOAK_NS, manifest).catch((err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
    }),
  );
  if (!decided) return;
  const decider = ctx.deciders[i % ctx.deciders.length]!;
  await retrying(() => vote(decider, SOAK_NS, name, i % 20 === 4 ? 'Granted' : 'Rejected', 'request', 'soak'));
}

// S3 memory and S4 restart, over the same objects: the operator's namespace is filled up to
// N requests (S1's Granted ones with their Approvals, S2's, and new Simple ones left Pending),
// the RSS of the operator that processed them is read from /proc (S3); then it is stopped and a
// new process starts over the settled objects (S4): time until every object is reconciled (its
// reconcile counters reach the object counts and stop rising, the queues are empty) and what it
// wrote (its api_requests_total without GETs; what each write was, from the recording proxy).
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { isAlreadyExists } from '../../src/runtime/kube-client.ts';
import { OPERATOR_NS } from './cluster.ts';
import { round, type BenchContext } from './context.ts';
import { createRequest, pool, requestManifest, retrying } from './fixtures.ts';
import { apiRequestsByVerb, reconciles, sum } from './prom.ts';
import { SubjectWatcher } from './watch.ts';
import { classify, startWriteRecorder } from './write-recorder.ts';
import type { OperatorProcess } from './operator-process.ts';

const MB = 1024 * 1024;

/** Where the memory is, from the operator's own prom-client default metrics (MB). */
async function memoryBreakdown(operator: OperatorProcess): Promise<Record<string, number>> {
  const samples = await operator.metrics();
  const mb = (name: string, labels = {}) => round(sum(samples, name, labels) / MB);
  const out: Record<string, number> = {
    heapUsed: mb('approval_operator_nodejs_heap_size_used_bytes'),
    heapTotal: mb('approval_operator_nodejs_heap_size_total_bytes'),
    external: mb('approval_operator_nodejs_external_memory_bytes'),
  };
  for (const sample of samples) {
    const space = sample.labels.space;
    if (sample.value < 0.05 * MB) continue;
    if (sample.name === 'approval_operator_nodejs_heap_space_size_used_bytes') out[`${space} used`] = round(sample.value / MB);
    if (sample.name === 'approval_operator_nodejs_heap_space_size_total_bytes') out[`${space} total`] = round(sample.value / MB);
  }
  return out;
}

/** With delivery on: waits until no mail has arrived for 5 s (every Notification delivered). */
async function mailSettled(ctx: BenchContext): Promise<void> {
  const smtp = ctx.smtp!;
  let count = -1;
  let stableSince = performance.now();
  const deadline = performance.now() + 600_000;
  while (performance.now() < deadline) {
    if (smtp.messages.length !== count) {
      count = smtp.messages.length;
      stableSince = performance.now();
    } else if (performance.now() - stableSince >= 5000) break;
    await sleep(500);
  }
  ctx.log(`S3: ${count} mails delivered`);
  ctx.raw.s3Mails = count;
}

/** How long after the fill S3 reads the RSS. */
const SETTLE_MS = 20_000;

export async function runS3S4(ctx: BenchContext): Promise<void> {
  const target = ctx.sizes.cachedRequests;
  ctx.log(`S3 memory: fill the namespace to ${target} requests`);
  let operator: OperatorProcess | undefined = await ctx.startOperator('s3');
  const watcher = new SubjectWatcher(ctx.cluster.plane.kubeconfig, OPERATOR_NS);
  try {
    await watcher.start();
    const idle = operator.memory();
    const existing = watcher.requests.cache.size;
    const missing = Math.max(0, target - existing);
    const names = Array.from({ length: missing }, (_, i) => `s3-${String(i).padStart(5, '0')}`);
    // (Nothing else in the namespace stays Pending: S1, S2 and S5 leave theirs decided.)
    const pendingBefore = watcher.requestsInState('Pending');
    const started = performance.now();
    await pool(missing, ctx.sizes.createConcurrency, (i) =>
      retrying(() =>
        createRequest(ctx.requester, OPERATOR_NS, requestManifest(names[i]!, 'Simple')).catch((err: unknown) => {
          if (!isAlreadyExists(err)) throw err;
        }),
      ),
    );
    // Pending = published by the operator (status.lastState); the rest were settled by S1, S2, S5.
    const progress = setInterval(() => ctx.log(`S3: ${watcher.requestsInState('Pending') - pendingBefore}/${missing} new requests Pending (${watcher.requests.cache.size} cached; last event ${((performance.now() - watcher.lastEventAt) / 1000).toFixed(1)} s ago; ${JSON.stringify(watcher.requests.stats)})`), 10_000);
    await watcher.waitFor(`${missing} new requests Pending`, () => watcher.requestsInState('Pending') - pendingBefore >= missing, 120_000 + missing * 100);
    clearInterval(progress);
    const pending = watcher.requestsInState('Pending');
    const fillSeconds = (performance.now() - started) / 1000;
    ctx.log(`S3: ${missing} Simple requests created and published Pending in ${fillSeconds.toFixed(1)} s (${(missing / fillSeconds).toFixed(1)}/s); ${pending} pending`);
    if (ctx.smtp) await mailSettled(ctx);
    // Steady state, not the fill's garbage: V8 shrinks its heap once allocation has been low for a
    // few seconds (its memory reducer). The peak during the fill is reported beside it.
    await sleep(SETTLE_MS);
    const requests = watcher.requests.cache.size;
    const approvals = watcher.approvals.cache.size;
    const memory = operator.memory();
    const breakdown = await memoryBreakdown(operator);
    const heap = (breakdown.heapUsed ?? 0) * MB;
    const s3 = {
      requestsCached: requests,
      approvalsCached: approvals,
      rssMB: round(memory.rss / MB),
      peakRssMB: round(memory.peakRss / MB),
      heapUsedMB: round(heap / MB),
      memoryMB: breakdown,
      rssAtStartMB: round(idle.rss / MB),
      requestsAtStart: existing,
      fillSeconds: round(fillSeconds, 1),
    };
    ctx.raw.s3 = s3;
    ctx.log(`S3: RSS ${s3.rssMB} MB (peak ${s3.peakRssMB} MB, heap used ${s3.heapUsedMB} MB) with ${requests} requests and ${approvals} approvals cached`);
    ctx.rows.push({
      scenario: 'S3',
      metric: `RSS with ${requests} requests + ${approvals} Approvals cached, ${SETTLE_MS / 1000} s after the fill (MB; peak during the fill)`,
      operator: `${s3.rssMB} (peak ${s3.peakRssMB})`,
      target: '< 200 MB',
      met: s3.rssMB < 200,
    });

    // S4: restart over the settled objects.
    ctx.log(`S4 restart over ${requests} requests and ${approvals} approvals`);
    await operator.stop();
    operator = undefined;
    const recorder = await startWriteRecorder(ctx.cluster.plane.kubeconfig, join(ctx.cluster.dir, 'recorder-s4'));
    try {
      const spawnedAt = performance.now();
      operator = await ctx.startOperator('s4', { kubeconfig: recorder.kubeconfig });
      const readySeconds = (performance.now() - spawnedAt) / 1000;
      let last = { ar: -1, apv: -1 };
      let lastChange = performance.now();
      const deadline = performance.now() + 300_000;
      for (;;) {
        const samples = await operator.metrics();
        const now = { ar: reconciles(samples, 'approvalrequest'), apv: reconciles(samples, 'approval') };
        const depth = sum(samples, 'approval_operator_workqueue_depth');
        if (now.ar !== last.ar || now.apv !== last.apv) {
          last = now;
          lastChange = performance.now();
        }
        const complete = now.ar >= requests && now.apv >= approvals && depth === 0;
        if (complete && performance.now() - lastChange >= 1000) break;
        if (performance.now() > deadline) throw new Error(`S4: not reconciled after 300 s (${now.ar}/${requests} requests, ${now.apv}/${approvals} approvals)`);
        await sleep(100);
      }
      const reconciledSeconds = (lastChange - spawnedAt) / 1000;
      await sleep(2000);
      const samples = await operator.metrics();
      const byVerb = apiRequestsByVerb(samples);
      const nonGet = Object.entries(byVerb).filter(([verb]) => verb !== 'GET');
      const recorded = recorder.records.filter((r) => r.method !== 'GET').map((r) => ({ kind: classify(r), method: r.method, path: r.path.split('?')[0], status: r.status }));
      const writes = recorded.filter((r) => r.kind !== 'access review (stores nothing)');
      const memory = operator.memory();
      const breakdownAfterRestart = await memoryBreakdown(operator);
      const s4 = {
        requests,
        approvals,
        readySeconds: round(readySeconds, 2),
        reconciledSeconds: round(reconciledSeconds, 2),
        reconciles: { approvalrequest: last.ar, approval: last.apv },
        nonGetByVerb: Object.fromEntries(nonGet),
        recordedNonGet: recorded,
        writes: writes.length,
        rssAfterRestartMB: round(memory.rss / MB),
        peakRssAfterRestartMB: round(memory.peakRss / MB),
        memoryAfterRestartMB: breakdownAfterRestart,
      };
      ctx.raw.s4 = s4;
      const counterNonGet = nonGet.reduce((a, [, n]) => a + n, 0);
      ctx.log(`S4: ready ${s4.readySeconds} s, all reconciled ${s4.reconciledSeconds} s; non-GET ${counterNonGet} (${nonGet.map(([v, n]) => `${v} ${n}`).join(', ') || 'none'}), writes ${writes.length}`);
      ctx.rows.push({
        scenario: 'S4',
        metric: `restart over ${requests} requests + ${approvals} Approvals: all reconciled (s; caches synced)`,
        operator: `${s4.reconciledSeconds} (${s4.readySeconds})`,
        target: '< 20 s',
        met: s4.reconciledSeconds < 20,
      });
      ctx.rows.push({
        scenario: 'S4',
        metric: 'API writes by the new process (counter non-GET; of which writes)',
        operator: `${counterNonGet}; ${writes.length}`,
        target: '0 writes',
        met: writes.length === 0,
      });
      ctx.rows.push({
        scenario: 'S4',
        metric: 'RSS of the restarted process (MB; peak)',
        operator: `${s4.rssAfterRestartMB} (peak ${s4.peakRssAfterRestartMB})`,
        target: '(info; < 200 MB)',
      });
    } finally {
      await operator?.stop();
      await recorder.close();
    }
  } finally {
    await watcher.stop();
    await operator?.stop();
  }
}

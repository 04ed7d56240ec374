// S1 throughput: N Auto requests created at once by an impersonated requester (RBAC create +
// autoapprove, so the webhooks check it like any controller filing requests) → all Granted with
// their Approvals. Requests/s of the operator beside the floor, measured the same way (a watch on
// the namespace, from the first create to the event that completes the last request).
//
// The floor runs first (in its own namespace, while the operator process serves the webhooks and
// watches only its namespace), then the operator: the operator meets the bigger etcd, so the
// ratio errs against it.
import { isAlreadyExists } from '../../src/runtime/kube-client.ts';
import { FLOOR_NS, OPERATOR_NS } from './cluster.ts';
import { CpuMeter, round, type BenchContext } from './context.ts';
import { Floor, type FloorPlan } from './floor.ts';
import { createRequest, pool, requestManifest, retrying } from './fixtures.ts';
import { apiRequestsByVerb, diffByVerb, reconciles } from './prom.ts';
import type { OperatorProcess } from './operator-process.ts';
import { SubjectWatcher } from './watch.ts';
import type { ApprovalRequest } from '../../src/api/types.ts';

export interface ThroughputRun {
  requests: number;
  /** First create → every request Granted (status.lastState) with its Approval existing. */
  grantedSeconds: number;
  requestsPerSecond: number;
  /** First create → every Approval's status published too (all work done). */
  settledSeconds: number;
  settledPerSecond: number;
  createSeconds: number;
  cpu: Record<string, { cpuSeconds: number; cores: number }>;
  writesPerRequest: Record<string, number>;
}

async function createAll(ctx: BenchContext, namespace: string, prefix: string, count: number, onCreated?: (created: ApprovalRequest) => void): Promise<number> {
  const started = performance.now();
  await pool(count, ctx.sizes.createConcurrency, async (i) => {
    const name = `${prefix}-${String(i).padStart(5, '0')}`;
    const created = await retrying(() =>
      createRequest(ctx.requester, namespace, requestManifest(name, 'Auto')).catch((err: unknown) => {
        if (isAlreadyExists(err)) return undefined;
        throw err;
      }),
    );
    if (created && onCreated) onCreated(created);
  });
  return (performance.now() - started) / 1000;
}

async function measure(
  ctx: BenchContext,
  namespace: string,
  operator: OperatorProcess,
  run: (watcher: SubjectWatcher) => Promise<{ createSeconds: number; writes: Record<string, number> }>,
): Promise<ThroughputRun> {
  const n = ctx.sizes.s1Requests;
  const watcher = new SubjectWatcher(ctx.cluster.plane.kubeconfig, namespace);
  await watcher.start();
  const cpu = new CpuMeter({ operator: operator.pid, apiserver: ctx.cluster.pids.apiserver, etcd: ctx.cluster.pids.etcd });
  try {
    const timeout = 60_000 + n * 500;
    const granted = watcher.waitFor(`${n} requests Granted with Approvals in ${namespace}`, () => watcher.seen.grantedWithApproval.size >= n, timeout);
    const settled = watcher.waitFor(`${n} Approvals Granted in ${namespace}`, () => watcher.approvalsInState('Granted') >= n && watcher.seen.grantedWithApproval.size >= n, timeout);
    cpu.begin();
    const t0 = performance.now();
    const { createSeconds, writes } = await run(watcher);
    const grantedAt = await granted;
    const settledAt = await settled;
    const usage = cpu.end();
    const grantedSeconds = (grantedAt - t0) / 1000;
    const settledSeconds = (settledAt - t0) / 1000;
    const writesPerRequest: Record<string, number> = {};
    for (const [kind, count] of Object.entries(writes)) writesPerRequest[kind] = round(count / n, 2);
    return {
      requests: n,
      grantedSeconds: round(grantedSeconds, 2),
      requestsPerSecond: round(n / grantedSeconds, 1),
      settledSeconds: round(settledSeconds, 2),
      settledPerSecond: round(n / settledSeconds, 1),
      createSeconds: round(createSeconds, 2),
      cpu: usage,
      writesPerRequest,
    };
  } finally {
    await watcher.stop();
  }
}

export async function runS1(ctx: BenchContext, plan: FloorPlan): Promise<void> {
  const n = ctx.sizes.s1Requests;
  ctx.log(`S1 throughput: ${n} Auto requests at once (creates ${ctx.sizes.createConcurrency} in flight, ${ctx.workers ?? 4} workers per controller)`);
  const operator = await ctx.startOperator('s1');
  try {
    // The floor: same creates, then the operator's recorded writes per request with no logic.
    const workers = ctx.workers ?? 4;
    const floorClient = ctx.admin;
    floorClient.fieldManager = 'approval-operator';
    const floor = new Floor(floorClient, plan, FLOOR_NS, workers);
    const floorRun = await measure(ctx, FLOOR_NS, operator, async () => {
      const createSeconds = await createAll(ctx, FLOOR_NS, 'floor', n, (created) =>
        floor.enqueue(created.metadata.name, created.metadata.uid!, created.metadata.resourceVersion!),
      );
      await floor.drained();
      return { createSeconds, writes: floor.run.writes };
    });
    floorClient.fieldManager = undefined;
    if (floor.run.failures > 0) ctx.log(`S1 floor: ${floor.run.failures} writes failed`);
    ctx.log(`S1 floor: ${floorRun.requestsPerSecond} requests/s (${floorRun.grantedSeconds} s; all settled ${floorRun.settledSeconds} s)`);

    const before = await operator.metrics();
    const operatorRun = await measure(ctx, OPERATOR_NS, operator, async () => {
      const createSeconds = await createAll(ctx, OPERATOR_NS, 's1', n);
      return { createSeconds, writes: {} };
    });
    // Let stragglers (repeated reconciles) finish before reading the counters.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await operator.metrics();
    const byVerb = diffByVerb(apiRequestsByVerb(after), apiRequestsByVerb(before));
    delete byVerb.GET;
    for (const [verb, count] of Object.entries(byVerb)) operatorRun.writesPerRequest[verb] = round(count / n, 2);
    const reconcileCount = {
      approvalrequest: reconciles(after, 'approvalrequest') - reconciles(before, 'approvalrequest'),
      approval: reconciles(after, 'approval') - reconciles(before, 'approval'),
    };
    ctx.log(`S1 operator: ${operatorRun.requestsPerSecond} requests/s (${operatorRun.grantedSeconds} s; all settled ${operatorRun.settledSeconds} s)`);

    const floorWrites = Object.values(plan.perRequest).reduce((a, b) => a + b, 0);
    // Each create costs one SubjectAccessReview POST by the webhook (autoapprove): not a write.
    const operatorWrites = Object.values(byVerb).reduce((a, b) => a + b, 0) - n;
    const ratio = operatorRun.requestsPerSecond / floorRun.requestsPerSecond;
    ctx.raw.s1 = { operator: { ...operatorRun, nonGetByVerb: byVerb, reconciles: reconcileCount }, floor: { ...floorRun, failures: floor.run.failures, plan: plan.perRequest } };
    ctx.rows.push({
      scenario: 'S1',
      metric: `throughput, ${n} Auto requests → Granted + Approval (req/s)`,
      operator: String(operatorRun.requestsPerSecond),
      floor: String(floorRun.requestsPerSecond),
      ratio: `${ratio.toFixed(2)}×`,
      target: '≥ 0.80× floor',
      met: ratio >= 0.8,
    });
    ctx.rows.push({
      scenario: 'S1',
      metric: 'throughput until every Approval is published too (req/s)',
      operator: String(operatorRun.settledPerSecond),
      floor: String(floorRun.settledPerSecond),
      ratio: `${(operatorRun.settledPerSecond / floorRun.settledPerSecond).toFixed(2)}×`,
      target: '(info)',
    });
    ctx.rows.push({
      scenario: 'S1',
      metric: 'API writes per request (operator: its counter, non-GET minus the webhook\'s 1 SubjectAccessReview per create; floor: its list)',
      operator: round(operatorWrites / n, 2).toFixed(2),
      floor: floorWrites.toFixed(2),
      target: '(info)',
    });
    ctx.rows.push({
      scenario: 'S1',
      metric: 'CPU cores used (operator / kube-apiserver / etcd / bench)',
      operator: cores(operatorRun.cpu),
      floor: cores(floorRun.cpu),
      target: '(info: 2 cores)',
    });
  } finally {
    await operator.stop();
  }
}

const cores = (cpu: Record<string, { cores: number }>) => ['operator', 'apiserver', 'etcd', 'bench'].map((k) => (cpu[k]?.cores ?? 0).toFixed(2)).join(' / ');

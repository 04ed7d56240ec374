// S1 throughput: N Auto requests created at once by an impersonated requester (RBAC create +
// autoapprove, so the webhooks check it like any controller filing requests) → all Granted with
// their Approvals. Requests/s of the operator beside the floor, measured the same way (a watch on
// the namespace, from the first create to the event that completes the last request).
//
// The floor runs in its own namespace, while the operator process serves the webhooks and watches
// only its namespace. The machine is shared and noisy, and etcd grows with every run, so the full
// run alternates floor (F) and operator (O) rounds as F O O F: each side gets an early and a late
// slot, and the figures are the means over its rounds (every round is in result.json).
import { isAlreadyExists } from '../../src/runtime/kube-client.ts';
import { FLOOR_NS, OPERATOR_NS } from './cluster.ts';
import { CpuMeter, round, type BenchContext } from './context.ts';
import { Floor, minimalPlanFrom, type FloorPlan } from './floor.ts';
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
    // Earlier rounds left their objects in the namespace: count from what the watch listed.
    const grantedBefore = watcher.seen.grantedWithApproval.size;
    const approvalsBefore = watcher.approvalsInState('Granted');
    const allGranted = () => watcher.seen.grantedWithApproval.size - grantedBefore >= n;
    const granted = watcher.waitFor(`${n} requests Granted with Approvals in ${namespace}`, allGranted, timeout);
    const settled = watcher.waitFor(`${n} Approvals Granted in ${namespace}`, () => watcher.approvalsInState('Granted') - approvalsBefore >= n && allGranted(), timeout);
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

type Side = 'minimal' | 'floor' | 'operator';

const LETTER: Record<Side, string> = { minimal: 'M', floor: 'F', operator: 'O' };

export async function runS1(ctx: BenchContext, plan: FloorPlan): Promise<void> {
  const n = ctx.sizes.s1Requests;
  const minimal = minimalPlanFrom(plan);
  // Each side gets an early and a late slot in the full run (the machine is noisy, etcd grows).
  const order: Side[] = ctx.quick ? ['minimal', 'floor', 'operator'] : ['minimal', 'floor', 'operator', 'operator', 'floor', 'minimal'];
  ctx.log(`S1 throughput: ${n} Auto requests at once (creates ${ctx.sizes.createConcurrency} in flight, ${ctx.workers ?? 4} workers per controller); rounds ${order.map((o) => LETTER[o]).join(' ')}`);
  const operator = await ctx.startOperator('s1');
  try {
    const floorRuns: Array<ThroughputRun & { failures: number }> = [];
    const minimalRuns: Array<ThroughputRun & { failures: number }> = [];
    const operatorRuns: Array<ThroughputRun & { nonGetByVerb: Record<string, number>; reconciles: Record<string, number> }> = [];
    for (const [round, side] of order.entries()) {
      if (side === 'floor') floorRuns.push(await floorRound(ctx, operator, plan, round, 'floor'));
      else if (side === 'minimal') minimalRuns.push(await floorRound(ctx, operator, minimal, round, 'minimal floor'));
      else operatorRuns.push(await operatorRound(ctx, operator, round));
    }
    const floorRps = mean(floorRuns.map((r) => r.requestsPerSecond));
    const minimalRps = mean(minimalRuns.map((r) => r.requestsPerSecond));
    const operatorRps = mean(operatorRuns.map((r) => r.requestsPerSecond));
    const floorSettled = mean(floorRuns.map((r) => r.settledPerSecond));
    const operatorSettled = mean(operatorRuns.map((r) => r.settledPerSecond));
    const writesOf = (p: FloorPlan) => Object.values(p.perRequest).reduce((a, b) => a + b, 0);
    // Each create costs one SubjectAccessReview POST by the webhook (autoapprove): not a write.
    const operatorWrites = mean(operatorRuns.map((r) => Object.values(r.nonGetByVerb).reduce((a, b) => a + b, 0) - n));
    const ratio = operatorRps / minimalRps;
    const replayRatio = operatorRps / floorRps;
    ctx.raw.s1 = { order, operator: operatorRuns, minimal: minimalRuns, floor: floorRuns, plan: plan.perRequest, minimalPlan: minimal.perRequest, ratio: round(ratio, 3), replayRatio: round(replayRatio, 3) };
    const each = (runs: ThroughputRun[]) => (runs.length > 1 ? ` (${runs.map((r) => r.requestsPerSecond).join(', ')})` : '');
    const rounds = order.length > 3 ? '; mean of the rounds' : '';
    ctx.rows.push({
      scenario: 'S1',
      metric: `throughput, ${n} Auto requests → Granted + Approval, against the minimal floor (req/s${rounds})`,
      operator: `${round(operatorRps, 1)}${each(operatorRuns)}`,
      floor: `${round(minimalRps, 1)}${each(minimalRuns)}`,
      ratio: `${ratio.toFixed(2)}×`,
      target: '≥ 0.45× minimal floor',
      met: ratio >= 0.45,
    });
    ctx.rows.push({
      scenario: 'S1',
      metric: `throughput against the replay floor (the operator's own writes, no logic; req/s${rounds})`,
      operator: `${round(operatorRps, 1)}`,
      floor: `${round(floorRps, 1)}${each(floorRuns)}`,
      ratio: `${replayRatio.toFixed(2)}×`,
      target: '(info)',
    });
    ctx.rows.push({
      scenario: 'S1',
      metric: 'throughput until every Approval is published too, against the replay floor (req/s)',
      operator: String(round(operatorSettled, 1)),
      floor: String(round(floorSettled, 1)),
      ratio: `${(operatorSettled / floorSettled).toFixed(2)}×`,
      target: '(info)',
    });
    ctx.rows.push({
      scenario: 'S1',
      metric: "API writes per Auto grant (operator: its counter, non-GET minus the webhook's 1 SubjectAccessReview per create; floor: minimal / replay list)",
      operator: round(operatorWrites / n, 2).toFixed(2),
      floor: `${writesOf(minimal)} / ${writesOf(plan)}`,
      target: '≤ 6',
      met: operatorWrites / n <= 6,
    });
    ctx.rows.push({
      scenario: 'S1',
      metric: 'CPU cores used (operator / kube-apiserver / etcd / bench; last round; floor: minimal)',
      operator: cores(operatorRuns.at(-1)!.cpu),
      floor: cores(minimalRuns.at(-1)!.cpu),
      target: '(info: 2 cores)',
    });
  } finally {
    await operator.stop();
  }
}

/** The floor: the same creates, then the operator's recorded writes per request with no logic. */
async function floorRound(ctx: BenchContext, operator: OperatorProcess, plan: FloorPlan, index: number, label: string): Promise<ThroughputRun & { failures: number }> {
  const n = ctx.sizes.s1Requests;
  const floorClient = ctx.admin;
  floorClient.fieldManager = 'approval-operator';
  const floor = new Floor(floorClient, plan, FLOOR_NS, ctx.workers ?? 4);
  try {
    const run = await measure(ctx, FLOOR_NS, operator, async () => {
      const createSeconds = await createAll(ctx, FLOOR_NS, `floor-r${index}`, n, (created) =>
        floor.enqueue(created.metadata.name, created.metadata.uid!, created.metadata.resourceVersion!),
      );
      await floor.drained();
      return { createSeconds, writes: floor.run.writes };
    });
    if (floor.run.failures > 0) ctx.log(`S1 ${label}: ${floor.run.failures} writes failed`);
    ctx.log(`S1 ${label} (round ${index + 1}): ${run.requestsPerSecond} requests/s (${run.grantedSeconds} s; all settled ${run.settledSeconds} s)`);
    return { ...run, failures: floor.run.failures };
  } finally {
    floorClient.fieldManager = undefined;
  }
}

async function operatorRound(ctx: BenchContext, operator: OperatorProcess, index: number) {
  const n = ctx.sizes.s1Requests;
  const before = await operator.metrics();
  const run = await measure(ctx, OPERATOR_NS, operator, async () => {
    const createSeconds = await createAll(ctx, OPERATOR_NS, `s1-r${index}`, n);
    return { createSeconds, writes: {} };
  });
  // Let stragglers (repeated reconciles) finish before reading the counters.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const after = await operator.metrics();
  const nonGetByVerb = diffByVerb(apiRequestsByVerb(after), apiRequestsByVerb(before));
  delete nonGetByVerb.GET;
  for (const [verb, count] of Object.entries(nonGetByVerb)) run.writesPerRequest[verb] = round(count / n, 2);
  const reconcileCount = {
    approvalrequest: reconciles(after, 'approvalrequest') - reconciles(before, 'approvalrequest'),
    approval: reconciles(after, 'approval') - reconciles(before, 'approval'),
  };
  ctx.log(`S1 operator (round ${index + 1}): ${run.requestsPerSecond} requests/s (${run.grantedSeconds} s; all settled ${run.settledSeconds} s)`);
  return { ...run, nonGetByVerb, reconciles: reconcileCount };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

const cores = (cpu: Record<string, { cores: number }>) => ['operator', 'apiserver', 'etcd', 'bench'].map((k) => (cpu[k]?.cores ?? 0).toFixed(2)).join(' / ');

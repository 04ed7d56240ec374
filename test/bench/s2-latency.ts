// S2 decision latency: N Simple requests wait Pending; an impersonated decider (group
// team:orders) approves them at a steady rate (open loop: one patch every 1/rate s, whether or not
// the previous one is done). Latency = from the patch's response to the watch event after which
// the request's status.lastState is Granted AND its Approval exists (both seen on a watch).
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlreadyExists } from '../../src/runtime/kube-client.ts';
import { OPERATOR_NS } from './cluster.ts';
import { CpuMeter, percentile, round, type BenchContext } from './context.ts';
import { createRequest, pool, requestManifest, retrying, vote } from './fixtures.ts';
import { SubjectWatcher } from './watch.ts';

export async function runS2(ctx: BenchContext): Promise<void> {
  const n = ctx.sizes.s2Requests;
  const rate = ctx.sizes.s2RatePerSecond;
  ctx.log(`S2 decision latency: ${n} Simple requests, decisions at ${rate}/s`);
  const operator = await ctx.startOperator('s2');
  const watcher = new SubjectWatcher(ctx.cluster.plane.kubeconfig, OPERATOR_NS);
  try {
    await watcher.start();
    const names = Array.from({ length: n }, (_, i) => `s2-${String(i).padStart(5, '0')}`);
    await pool(n, ctx.sizes.createConcurrency, (i) =>
      retrying(() =>
        createRequest(ctx.requester, OPERATOR_NS, requestManifest(names[i]!, 'Simple')).catch((err: unknown) => {
          if (!isAlreadyExists(err)) throw err;
        }),
      ),
    );
    await watcher.waitFor(`${n} requests Pending`, () => names.every((name) => watcher.seen.requestState.get(name)?.has('Pending')), 60_000 + n * 200);
    await sleep(2000); // let the Pending transitions' writes finish

    const responded = new Map<string, number>();
    const roundTrip: number[] = [];
    const failures: string[] = [];
    const cpu = new CpuMeter({ operator: operator.pid, apiserver: ctx.cluster.pids.apiserver, etcd: ctx.cluster.pids.etcd });
    const all = watcher.waitFor(`${n} decisions Granted with Approvals`, () => names.every((name) => watcher.seen.grantedWithApproval.has(name)), 60_000 + n * 1000);
    cpu.begin();
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const name = names[i]!;
      const sent = performance.now();
      inFlight.push(
        vote(ctx.deciders[i % ctx.deciders.length]!, OPERATOR_NS, name, 'Granted').then(
          () => {
            const at = performance.now();
            responded.set(name, at);
            roundTrip.push(at - sent);
          },
          (err: unknown) => void failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`),
        ),
      );
    }
    await Promise.all(inFlight);
    if (failures.length > 0) throw new Error(`S2: ${failures.length} decisions failed, e.g. ${failures[0]}`);
    await all;
    const usage = cpu.end();
    const latencies = names.map((name) => Math.max(0, watcher.seen.grantedWithApproval.get(name)! - responded.get(name)!)).sort((a, b) => a - b);
    const rt = roundTrip.sort((a, b) => a - b);
    const result = {
      decisions: n,
      ratePerSecond: rate,
      latencyMs: { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)), p99: round(percentile(latencies, 99)), max: round(latencies.at(-1)!) },
      patchRoundTripMs: { p50: round(percentile(rt, 50)), p99: round(percentile(rt, 99)) },
      cpu: usage,
    };
    ctx.raw.s2 = result;
    ctx.log(`S2: p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, p99 ${result.latencyMs.p99} ms, max ${result.latencyMs.max} ms`);
    ctx.rows.push({
      scenario: 'S2',
      metric: `decision latency p50 / p95 / p99, ${n} Simple at ${rate}/s (ms)`,
      operator: `${result.latencyMs.p50} / ${result.latencyMs.p95} / ${result.latencyMs.p99}`,
      target: 'p99 < 100 ms',
      met: result.latencyMs.p99 < 100,
    });
    ctx.rows.push({
      scenario: 'S2',
      metric: "decider's patch round trip p50 / p99 (ms; includes both webhooks)",
      operator: `${result.patchRoundTripMs.p50} / ${result.patchRoundTripMs.p99}`,
      target: '(info)',
    });
  } finally {
    await watcher.stop();
    await operator.stop();
  }
}

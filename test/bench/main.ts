// `make bench`: S1–S5 against a control plane of the bench's own, the operator beside a
// floor, one table at the end and the raw numbers in .local/bench/result.json.
//
//   node test/bench/main.ts [--quick] [--only S1,S3] [--cpu-prof] [--workers N] [--node-options "…"] [--entry PATH]
//
// --quick (or QUICK=1): small sizes, under two minutes. --cpu-prof: each operator process writes a
// V8 CPU profile to .local/bench/profiles/<scenario>/ (summarize with test/bench/profile-summary.ts).
// --node-options "…": NODE_OPTIONS for the operator processes instead of the chart's default (experiments).
// --entry PATH: run another build of the operator instead of dist/main.js (before/after comparisons).
// --deliver: Notifications are delivered to an SMTP sink in the bench process instead of only
// created (S3 then waits for the mail to stop before it reads the RSS).
// The operator must be built (`make bench` runs `make build` first).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../../hack/control-plane.ts';
import { startBenchCluster, type BenchCluster } from './cluster.ts';
import { createContext, outDirDefault } from './context.ts';
import { killAllOperators } from './operator-process.ts';
import { chartNodeOptions } from '../support/chart-heap.ts';
import { jemallocPath } from '../support/image-env.ts';
import { NOTES, table, writeResult } from './report.ts';
import { runS1 } from './s1-throughput.ts';
import { runSoak } from './soak.ts';
import { runS2 } from './s2-latency.ts';
import { runS3S4 } from './s3-s4-cache.ts';
import { runS5 } from './s5-writes.ts';
import { TestSmtpServer } from '../support/smtp.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    workers: { type: 'string' },
    'node-options': { type: 'string' },
    entry: { type: 'string' },
    deliver: { type: 'boolean', default: false },
    /** The soak's size (its checkpoint stays at 10,000, or half the size when that is smaller). */
    'soak-requests': { type: 'string' },
  },
});
const quick = values.quick || ['1', 'true', 'yes'].includes(process.env.QUICK ?? '');
const only = new Set((values.only ?? 'S1,S2,S3,S4,S5,SOAK').toUpperCase().split(',').map((s) => s.trim()));
const workers = values.workers ? Number(values.workers) : undefined;

if (!existsSync(join(repoRoot, 'dist', 'main.js'))) {
  console.error('dist/main.js is missing: run `make bench` (it builds first) or `npm run build`');
  process.exit(2);
}

let cluster: BenchCluster | undefined;
let smtp: TestSmtpServer | undefined;
let cleaning: Promise<void> | undefined;
const cleanup = () =>
  (cleaning ??= (async () => {
    await killAllOperators().catch((err: unknown) => console.error(`stopping operators: ${String(err)}`));
    await cluster?.stop().catch((err: unknown) => console.error(`stopping the bench cluster: ${String(err)}`));
    await smtp?.stop();
  })());
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const started = performance.now();
  const outDir = outDirDefault;
  mkdirSync(outDir, { recursive: true });
  console.log(`# approval-operator bench (${quick ? 'quick' : 'full'}) on ${process.platform}, ${(await import('node:os')).availableParallelism()} cores, node ${process.version}`);
  cluster = await startBenchCluster();
  console.log(`# control plane kube-apiserver ${cluster.plane.serverVersion} at ${cluster.plane.server} (${cluster.dir})`);
  const jemalloc = jemallocPath();
  console.log(jemalloc ? `# operator malloc: jemalloc (${jemalloc}), as in the image` : '# operator malloc: glibc — libjemalloc2 is not installed, so RSS figures are higher than the image\'s (apt-get install libjemalloc2)');
  if (values.deliver) {
    smtp = new TestSmtpServer();
    await smtp.start();
  }
  const ctx = createContext(cluster, { quick, workers, cpuProfile: values['cpu-prof'], outDir, nodeOptions: values['node-options'], entry: values.entry, smtp });
  if (values['soak-requests']) {
    const soakRequests = Number(values['soak-requests']);
    if (!Number.isInteger(soakRequests) || soakRequests < 2) throw new Error(`--soak-requests must be a whole number ≥ 2: ${values['soak-requests']}`);
    ctx.sizes.soakRequests = soakRequests;
    ctx.sizes.soakCheckpoint = Math.min(ctx.sizes.soakCheckpoint, Math.floor(soakRequests / 2));
  }
  ctx.raw.run = { quick, sizes: ctx.sizes, workers: workers ?? 4, nodeOptions: values['node-options'] ?? chartNodeOptions(), malloc: jemallocPath() ?? 'glibc', entry: values.entry ?? 'dist/main.js', deliver: values.deliver, startedAt: new Date().toISOString(), node: process.version, serverVersion: cluster.plane.serverVersion };
  let failed: unknown;
  try {
    // S5 first: it records the operator's writes for one Auto request, which the floor of S1 replays.
    const needS5 = only.has('S5') || only.has('S1');
    const s5 = needS5 ? await runS5(ctx) : undefined;
    // S2 before S1: S1 leaves 8,000 requests and 4,000 Approvals (with their Notifications and
    // Events) behind, and a latency measured on the busier API server says more about it than
    // about the operator.
    if (only.has('S2')) await runS2(ctx);
    if (only.has('S1') && s5) await runS1(ctx, s5.plan);
    if (only.has('S3') || only.has('S4')) await runS3S4(ctx);
    if (only.has('SOAK')) await runSoak(ctx);
  } catch (err) {
    failed = err;
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await cleanup();
  }
  const order = ['S1', 'S2', 'S3', 'S4', 'S5', 'SOAK'];
  const rows = [...ctx.rows].sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));
  ctx.raw.rows = rows;
  ctx.raw.seconds = Math.round((performance.now() - started) / 1000);
  const resultPath = join(outDir, 'result.json');
  writeResult(resultPath, ctx.raw);
  console.log('');
  console.log(table(rows));
  console.log('');
  for (const note of NOTES) console.log(`- ${note}`);
  console.log(`\nraw numbers: ${resultPath} (${ctx.raw.seconds} s)`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  },
);

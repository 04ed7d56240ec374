// What every scenario gets: the cluster, the sizes of this run, clients for the people the bench
// plays, a way to start the operator, CPU accounting, and the rows of the final table.
import type { TestSmtpServer } from '../support/smtp.ts';
import { join } from 'node:path';
import { repoRoot } from '../../hack/control-plane.ts';
import type { KubeClient } from '../../src/runtime/kube-client.ts';
import { DECIDERS, REQUESTER, type BenchCluster } from './cluster.ts';
import { impersonating } from './fixtures.ts';
import { cpuSecondsOf, OperatorProcess } from './operator-process.ts';

export interface Sizes {
  s1Requests: number;
  s2Requests: number;
  s2RatePerSecond: number;
  cachedRequests: number;
  createConcurrency: number;
  /** The soak: requests filed, decided and settled; and where its first memory reading is taken. */
  soakRequests: number;
  soakCheckpoint: number;
}

export const FULL: Sizes = { s1Requests: 2000, s2Requests: 500, s2RatePerSecond: 10, cachedRequests: 10_000, createConcurrency: 32, soakRequests: 100_000, soakCheckpoint: 10_000 };
export const QUICK: Sizes = { s1Requests: 200, s2Requests: 50, s2RatePerSecond: 10, cachedRequests: 1000, createConcurrency: 32, soakRequests: 2_000, soakCheckpoint: 1_000 };

export interface Row {
  scenario: string;
  metric: string;
  operator: string;
  floor?: string;
  ratio?: string;
  target: string;
  met?: boolean;
}

export interface BenchContext {
  cluster: BenchCluster;
  quick: boolean;
  sizes: Sizes;
  workers: number | undefined;
  outDir: string;
  cpuProfileDir: string | undefined;
  admin: KubeClient;
  requester: KubeClient;
  deciders: KubeClient[];
  rows: Row[];
  raw: Record<string, unknown>;
  /** The SMTP sink when the bench runs with delivery on (`--deliver`). */
  smtp: TestSmtpServer | undefined;
  log(message: string): void;
  startOperator(label: string, options?: { kubeconfig?: string; namespace?: string; extraArgs?: string[] }): Promise<OperatorProcess>;
}

export function createContext(
  cluster: BenchCluster,
  options: { quick: boolean; workers?: number; cpuProfile: boolean; outDir: string; nodeOptions?: string; entry?: string; smtp?: TestSmtpServer },
): BenchContext {
  const started = performance.now();
  const log = (message: string) => console.log(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}`);
  const cpuProfileDir = options.cpuProfile ? join(options.outDir, 'profiles') : undefined;
  return {
    cluster,
    quick: options.quick,
    sizes: options.quick ? QUICK : FULL,
    workers: options.workers,
    outDir: options.outDir,
    cpuProfileDir,
    admin: cluster.admin,
    requester: impersonating(cluster.plane.kubeconfig, REQUESTER),
    deciders: DECIDERS.map((d) => impersonating(cluster.plane.kubeconfig, d)),
    rows: [],
    raw: {},
    smtp: options.smtp,
    log,
    async startOperator(label, startOptions = {}) {
      const logFile = join(options.outDir, `operator-${label}.log`);
      const operator = await OperatorProcess.start({
        kubeconfig: startOptions.kubeconfig ?? cluster.plane.kubeconfig,
        namespace: startOptions.namespace,
        extraArgs: startOptions.extraArgs,
        webhookPort: cluster.webhookPort,
        webhookCertDir: cluster.webhookCertDir,
        logFile,
        workers: options.workers,
        cpuProfileDir: cpuProfileDir && join(cpuProfileDir, label),
        nodeOptions: options.nodeOptions,
        entry: options.entry,
        smtpUrl: options.smtp?.url,
      });
      const readyMs = await operator.waitReady(120_000, logFile);
      log(`operator ${label} (pid ${operator.pid}) ready after ${readyMs.toFixed(0)} ms`);
      return operator;
    },
  };
}

/** CPU seconds used by the control plane, the operator and the bench itself between two points. */
export class CpuMeter {
  private readonly pids: Record<string, number>;
  private start: Record<string, number> = {};
  private startedAt = 0;

  constructor(pids: Record<string, number>) {
    this.pids = pids;
  }

  private read(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids)) out[name] = cpuSecondsOf(pid);
    const self = process.cpuUsage();
    out.bench = (self.user + self.system) / 1e6;
    return out;
  }

  begin(): void {
    this.start = this.read();
    this.startedAt = performance.now();
  }

  /** CPU seconds per process, and the average cores each used over the wall time. */
  end(): Record<string, { cpuSeconds: number; cores: number }> {
    const now = this.read();
    const wall = (performance.now() - this.startedAt) / 1000;
    const out: Record<string, { cpuSeconds: number; cores: number }> = {};
    for (const [name, value] of Object.entries(now)) {
      const used = value - (this.start[name] ?? 0);
      out[name] = { cpuSeconds: round(used, 2), cores: round(used / wall, 2) };
    }
    return out;
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

export const outDirDefault = join(repoRoot, '.local', 'bench');

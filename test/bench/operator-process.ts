// The operator under test: the built `node dist/main.js` as a child process, as the chart runs it
// (webhooks on, NODE_OPTIONS from the chart's values, jemalloc as in the image; notifications created but not delivered),
// with its /readyz, /metrics, RSS and CPU time read from outside.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, repoRoot } from '../../hack/control-plane.ts';
import { operatorEnv } from '../support/image-env.ts';
import { OPERATOR_NS } from './cluster.ts';
import { parseMetrics, type Samples } from './prom.ts';

export interface OperatorProcessOptions {
  kubeconfig: string;
  webhookPort: number;
  webhookCertDir: string;
  logFile: string;
  workers?: number;
  /** Write a V8 CPU profile (node --cpu-prof) into this folder when the process exits. */
  cpuProfileDir?: string;
  extraArgs?: string[];
  /** NODE_OPTIONS for the operator instead of the chart's `nodeOptions` (experiments). */
  nodeOptions?: string;
  /** Another build of the operator (A/B comparisons); default dist/main.js. */
  entry?: string;
  /** The namespace it watches (default: the operator scenarios' namespace). */
  namespace?: string;
  /** Deliver Notifications through this SMTP server; without it they are only created. */
  smtpUrl?: string;
}

const running = new Set<OperatorProcess>();


/** Kills every operator the bench started and has not stopped yet (cleanup on failure). */
export async function killAllOperators(): Promise<void> {
  await Promise.all([...running].map((operator) => operator.stop()));
}

export class OperatorProcess {
  readonly metricsPort: number;
  readonly healthPort: number;
  readonly child: ChildProcess;
  readonly startedAt: number;
  readonly args: string[];
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(child: ChildProcess, metricsPort: number, healthPort: number, args: string[]) {
    this.child = child;
    this.metricsPort = metricsPort;
    this.healthPort = healthPort;
    this.args = args;
    this.startedAt = performance.now();
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve((this.exitCode = code))));
    running.add(this);
  }

  static async start(options: OperatorProcessOptions): Promise<OperatorProcess> {
    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
    if (options.cpuProfileDir) mkdirSync(options.cpuProfileDir, { recursive: true });
    const args = [
      ...nodeArgs,
      options.entry ?? join(repoRoot, 'dist', 'main.js'),
      `--kubeconfig=${options.kubeconfig}`,
      `--namespace=${options.namespace ?? OPERATOR_NS}`,
      `--webhook-port=${options.webhookPort}`,
      `--webhook-cert-dir=${options.webhookCertDir}`,
      `--metrics-port=${metricsPort}`,
      `--health-port=${healthPort}`,
      ...(options.smtpUrl ? ['--notifications=deliver', `--smtp-url=${options.smtpUrl}`] : ['--notifications=create-only']),
      '--log-level=warn',
      ...(options.workers ? [`--workers=${options.workers}`] : []),
      ...(options.extraArgs ?? []),
    ];
    mkdirSync(join(options.logFile, '..'), { recursive: true });
    const log = openSync(options.logFile, 'a');
    // Not detached: if the bench dies, the operator gets SIGHUP/EPIPE rather than living on.
    const env = { ...process.env, ...operatorEnv(options.nodeOptions) };
    const child = spawn(process.execPath, args, { stdio: ['ignore', log, log], cwd: repoRoot, env });
    closeSync(log);
    if (child.pid === undefined) throw new Error('could not start the operator');
    return new OperatorProcess(child, metricsPort, healthPort, args);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** Resolves when /readyz answers 200 (caches synced); the time since spawn in ms. */
  async waitReady(timeoutMs = 120_000, logFile?: string): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`the operator exited with code ${this.exitCode}${logFile ? `; see ${logFile}:\n${tail(logFile)}` : ''}`);
      const ok = await fetch(`http://127.0.0.1:${this.healthPort}/readyz`).then((r) => r.ok, () => false);
      if (ok) return performance.now() - this.startedAt;
      await sleep(50);
    }
    throw new Error(`the operator was not ready after ${timeoutMs} ms${logFile ? `; see ${logFile}:\n${tail(logFile)}` : ''}`);
  }

  async metrics(): Promise<Samples> {
    const response = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`);
    if (!response.ok) throw new Error(`GET /metrics: ${response.status}`);
    return parseMetrics(await response.text());
  }

  /** Resident set size and its peak (VmRSS, VmHWM), in bytes. */
  memory(): ReturnType<typeof readMemory> {
    return readMemory(this.pid);
  }

  /** User + system CPU time of the process so far, in seconds. */
  cpuSeconds(): number {
    return cpuSecondsOf(this.pid);
  }

  /** SIGTERM (graceful: the CPU profile is written), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (this.alive) {
      this.child.kill('SIGTERM');
      const timedOut = await Promise.race([this.exited.then(() => false), sleep(15_000).then(() => true)]);
      if (timedOut && this.alive) {
        this.child.kill('SIGKILL');
        await this.exited;
      }
    }
    running.delete(this);
  }
}

function tail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-15).join('\n') : '';
}

/** RSS and its peak; of the RSS, anonymous memory (heap, malloc) and file pages (the node binary's code). */
export function readMemory(pid: number): { rss: number; peakRss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peakRss: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') };
}

/** utime + stime of a process from /proc/<pid>/stat, in seconds (0 when it is gone). */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at index 2 = state.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return ticks / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

// The operator as a separate process (`node src/main.ts`), as the chart runs it, so a test can
// kill -9 it at any point: the in-process startOperator can only stop gracefully. Its log goes
// to a file; /readyz tells when its caches are synced.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, repoRoot } from '../../hack/control-plane.ts';

export interface OperatorProcessOptions {
  kubeconfig: string;
  namespace: string;
  webhookPort: number;
  webhookCertDir: string;
  logFile: string;
  smtpUrl?: string;
  extraArgs?: string[];
  /** NODE_OPTIONS (default none), e.g. the chart's heap flags (chart-heap.ts). */
  nodeOptions?: string;
  /** More environment, e.g. the Pod identity the chart passes (POD_NAME, POD_NAMESPACE). */
  env?: Record<string, string>;
}

export class OperatorProcess {
  readonly child: ChildProcess;
  readonly healthPort: number;
  readonly metricsPort: number;
  readonly logFile: string;
  private readonly exited: Promise<void>;
  private exitCode: number | null | undefined;

  private constructor(child: ChildProcess, ports: { health: number; metrics: number }, logFile: string) {
    this.child = child;
    this.healthPort = ports.health;
    this.metricsPort = ports.metrics;
    this.logFile = logFile;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        this.exitCode = code;
        resolve();
      }),
    );
  }

  static async start(options: OperatorProcessOptions): Promise<OperatorProcess> {
    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    const args = [
      join(repoRoot, 'src', 'main.ts'),
      `--kubeconfig=${options.kubeconfig}`,
      `--namespace=${options.namespace}`,
      `--webhook-port=${options.webhookPort}`,
      `--webhook-cert-dir=${options.webhookCertDir}`,
      `--metrics-port=${metricsPort}`,
      `--health-port=${healthPort}`,
      ...(options.smtpUrl ? ['--notifications=deliver', `--smtp-url=${options.smtpUrl}`, '--mail-from=approvals@example.com'] : ['--notifications=create-only']),
      '--log-level=info',
      ...(options.extraArgs ?? []),
    ];
    mkdirSync(dirname(options.logFile), { recursive: true });
    const log = openSync(options.logFile, 'a');
    const child = spawn(process.execPath, args, { stdio: ['ignore', log, log], cwd: repoRoot, env: { ...process.env, ...options.env, NODE_OPTIONS: options.nodeOptions ?? '' } });
    closeSync(log);
    if (child.pid === undefined) throw new Error('could not start the operator');
    return new OperatorProcess(child, { health: healthPort, metrics: metricsPort }, options.logFile);
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  /** Resolves once /readyz answers 200 (caches synced, webhooks served). */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`the operator exited with code ${this.exitCode}:\n${this.tail()}`);
      if (await fetch(`http://127.0.0.1:${this.healthPort}/readyz`).then((r) => r.ok, () => false)) return;
      await sleep(50);
    }
    throw new Error(`the operator was not ready after ${timeoutMs} ms:\n${this.tail()}`);
  }

  /** kill -9: no shutdown code runs, in-flight writes are cut wherever they are. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (graceful), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timedOut = await Promise.race([this.exited.then(() => false), sleep(15_000).then(() => true)]);
    if (timedOut) await this.kill();
  }

  tail(lines = 20): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n') : '';
  }
}

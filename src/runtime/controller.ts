// A controller: informer events enqueue keys, N workers take keys from the queue and reconcile
// them. A failed reconcile is retried with the key's backoff, unless it failed for good
// (TerminalError); `requeueAfterMs` schedules timers. Reconciles get the controller's stop signal.
import type { Logger } from 'pino';
import type { Informer, InformerEvent } from './informer.ts';
import { isConflict } from './kube-client.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { objectKey, type KubeObject } from './resource.ts';
import { WorkQueue } from './work-queue.ts';
import type { RateLimiterOptions } from './rate-limiter.ts';

export interface ReconcileResult {
  /** Reconcile this key again after this delay (expiry, reminders, retries of side effects). */
  requeueAfterMs?: number;
}

/** `signal` aborts when the controller stops: long reconciles pass it on to their API calls. */
export type Reconcile = (key: string, signal: AbortSignal) => Promise<ReconcileResult | void>;

/**
 * A failure that retrying cannot fix (the object is invalid for good): logged and counted, and the
 * key is not retried until its object changes.
 */
export class TerminalError extends Error {}

/** Maps an event of a watched kind to the keys of the controller's own kind. */
export type KeyMapper<T> = (event: InformerEvent<T>) => string[];

export interface ControllerOptions {
  name: string;
  reconcile: Reconcile;
  workers?: number;
  rateLimit?: RateLimiterOptions;
  log: Logger;
  metrics?: RuntimeMetrics;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly options: ControllerOptions;
  private workers: Promise<void>[] = [];
  private stopSignal: AbortSignal = new AbortController().signal;

  constructor(options: ControllerOptions) {
    this.options = options;
    this.name = options.name;
    this.queue = new WorkQueue(options.rateLimit);
  }

  /** Enqueues the key of every object `informer` reports (or the keys `map` returns for it). */
  watch<T extends KubeObject>(informer: Informer<T>, map: KeyMapper<T> = (event) => [objectKey(event.object.metadata)]): void {
    this.informers.push(informer as unknown as Informer<KubeObject>);
    informer.addHandler((event) => {
      for (const key of map(event)) this.queue.add(key);
      this.options.metrics?.queueDepth.set({ controller: this.name }, this.queue.length);
    });
  }

  /** Starts the workers once every watched informer has synced; resolves when they have stopped. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.informers.map((informer) => informer.waitForSync()));
    if (signal.aborted) return;
    this.stopSignal = signal;
    const onAbort = () => this.queue.shutDown();
    signal.addEventListener('abort', onAbort, { once: true });
    const count = this.options.workers ?? 2;
    this.options.log.info({ controller: this.name, workers: count }, 'controller started');
    this.workers = Array.from({ length: count }, () => this.work());
    await Promise.all(this.workers);
    signal.removeEventListener('abort', onAbort);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.reconcileKey(key);
    }
  }

  private async reconcileKey(key: string): Promise<void> {
    const { metrics, log } = this.options;
    const labels = { controller: this.name };
    const stopTimer = metrics?.reconcileDuration.startTimer(labels);
    try {
      const result = await this.options.reconcile(key, this.stopSignal);
      this.queue.forget(key);
      if (result?.requeueAfterMs !== undefined) {
        this.queue.addAfter(key, result.requeueAfterMs);
        metrics?.reconcileTotal.inc({ ...labels, result: 'requeue' });
      } else {
        metrics?.reconcileTotal.inc({ ...labels, result: 'success' });
      }
    } catch (err) {
      metrics?.reconcileErrors.inc(labels);
      if (err instanceof TerminalError) {
        metrics?.reconcileTotal.inc({ ...labels, result: 'terminal' });
        log.error({ controller: this.name, key, err: err.message }, 'reconcile failed for good; waiting for the object to change');
        this.queue.forget(key);
        return;
      }
      metrics?.reconcileTotal.inc({ ...labels, result: 'error' });
      // A conflict only means our cache was behind; the watch brings the new version.
      if (isConflict(err)) log.debug({ controller: this.name, key }, 'conflict; retrying');
      else log.error({ controller: this.name, key, err: err instanceof Error ? err.message : String(err) }, 'reconcile failed');
      this.queue.addRateLimited(key);
    } finally {
      stopTimer?.();
      this.queue.done(key);
      metrics?.queueDepth.set(labels, this.queue.length);
    }
  }
}

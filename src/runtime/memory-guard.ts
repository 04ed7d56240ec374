// Watches the JavaScript heap against its limit (which the chart derives from the container's
// memory limit). Over the high mark the operator is under memory pressure: the caches stop
// holding objects whole and the reconcilers read them from the API server instead, slower but
// alive; below the low mark it holds them whole again. Without this, a namespace that outgrew
// the heap killed the operator at every start (a crash loop that, with failurePolicy Fail,
// blocked every request and vote in the cluster). Entering and leaving is logged and exported.
//
// What counts is the heap in use right after a full garbage collection (what is alive): between
// two collections V8 lets garbage grow the used heap far beyond that, which is no reason to
// evict anything. Only when the used heap nears the limit itself (an emergency: the next
// collection may come too late) does it count as it is.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';

export interface MemoryGuardOptions {
  log: Logger;
  registry: Registry;
  /** Share of the heap limit alive after a full collection above which pressure begins (default 0.7). */
  highMark?: number;
  /**
   * Share alive after a full collection below which the pressure ends (default 0.35): far enough
   * below the high mark that holding whole again what pressure evicted does not bring it back at once.
   */
  lowMark?: number;
  /** Share of the heap limit in use (garbage included) that is pressure whatever a collection would free (default 0.85). */
  emergencyMark?: number;
  intervalMs?: number;
  /** For tests: the heap's use and limit in bytes (default: V8's figures). */
  heap?: () => { used: number; limit: number };
  /** For tests: no observer of V8's collections (they call afterFullCollection themselves). */
  observeCollections?: boolean;
}

const liveHeap = () => {
  const stats = getHeapStatistics();
  return { used: stats.used_heap_size, limit: stats.heap_size_limit };
};

export class MemoryGuard {
  private pressure = false;
  private calls = 0;
  /** The heap in use right after the last full collection; 0 before the first. */
  private alive = 0;
  private timer: NodeJS.Timeout | undefined;
  private observer: PerformanceObserver | undefined;
  private readonly options: MemoryGuardOptions;
  private readonly heap: () => { used: number; limit: number };
  private readonly gauge: Gauge;
  private readonly since: Gauge;
  private readonly enterListeners: Array<() => void> = [];

  constructor(options: MemoryGuardOptions) {
    this.options = options;
    this.heap = options.heap ?? liveHeap;
    this.gauge = new Gauge({
      name: 'approval_operator_memory_pressure',
      help: '1 while the heap alive after a full collection is over its high mark: objects are read from the API server instead of being cached whole',
      registers: [options.registry],
    });
    this.since = new Gauge({
      name: 'approval_operator_memory_pressure_since_seconds',
      help: 'Unix time at which the current memory pressure began (0: none)',
      registers: [options.registry],
    });
  }

  /** Runs when pressure begins (e.g. caches give up their whole objects). */
  onEnter(listener: () => void): void {
    this.enterListeners.push(listener);
  }

  start(): void {
    if (this.options.observeCollections !== false && !this.observer) {
      this.observer = new PerformanceObserver((list) => {
        const full = list.getEntries().some((entry) => (entry as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
        if (full) this.afterFullCollection();
      });
      this.observer.observe({ entryTypes: ['gc'] });
    }
    this.check();
    this.timer ??= setInterval(() => this.check(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.observer?.disconnect();
    this.observer = undefined;
  }

  /** A full collection just ended: what is in use now is what is alive. */
  afterFullCollection(): void {
    this.alive = this.heap().used;
    this.check();
  }

  /**
   * Whether the operator is under pressure now. Called for every object a cache stores, so the
   * heap is looked at every 100th call as well as on the timer: a list of thousands of objects
   * can fill the heap between two ticks.
   */
  underPressure = (): boolean => {
    if (++this.calls % 100 === 0) this.check();
    return this.pressure;
  };

  check(): void {
    const { used, limit } = this.heap();
    const alive = this.alive / limit;
    const emergency = used / limit >= (this.options.emergencyMark ?? 0.85);
    const high = this.options.highMark ?? 0.7;
    const low = this.options.lowMark ?? 0.35;
    if (!this.pressure && (alive >= high || emergency)) this.enter(used, limit);
    else if (this.pressure && alive < low && !emergency) this.leave(used, limit);
  }

  private enter(used: number, limit: number): void {
    this.pressure = true;
    this.gauge.set(1);
    this.since.set(Date.now() / 1000);
    this.options.log.warn(
      { heapUsedMB: mb(used), heapAliveMB: mb(this.alive), heapLimitMB: mb(limit) },
      'memory pressure: objects are no longer cached whole but read from the API server (slower); raise the memory limit (docs/memory.md)',
    );
    for (const listener of this.enterListeners) listener();
  }

  private leave(used: number, limit: number): void {
    this.pressure = false;
    this.gauge.set(0);
    this.since.set(0);
    this.options.log.info({ heapUsedMB: mb(used), heapAliveMB: mb(this.alive), heapLimitMB: mb(limit) }, 'memory pressure over: objects are cached whole again');
  }
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

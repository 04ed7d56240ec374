// Watches the JavaScript heap against its limit (which the chart derives from the container's
// memory limit). Over the high mark the operator is under memory pressure: the caches stop
// holding objects whole and the reconcilers read them from the API server instead, slower but
// alive; below the low mark it holds them whole again. Without this, a namespace that outgrew
// the heap killed the operator at every start (a crash loop that, with failurePolicy Fail,
// blocked every request and vote in the cluster). Entering and leaving is logged and exported.
import { getHeapStatistics } from 'node:v8';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';

export interface MemoryGuardOptions {
  log: Logger;
  registry: Registry;
  /** Share of the heap limit in use above which the operator is under pressure (default 0.5: the old generation's limit is the heap's minus the young generation, a third of it with the chart's flags). */
  highMark?: number;
  /** Share below which the pressure ends (default 0.35). */
  lowMark?: number;
  intervalMs?: number;
  /** For tests: the heap's use and limit in bytes. */
  heap?: () => { used: number; limit: number };
}

const liveHeap = () => {
  const stats = getHeapStatistics();
  return { used: stats.used_heap_size, limit: stats.heap_size_limit };
};

export class MemoryGuard {
  private pressure = false;
  private calls = 0;
  private timer: NodeJS.Timeout | undefined;
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
      help: '1 while the heap is over its high mark: objects are read from the API server instead of being cached whole',
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
    this.check();
    this.timer ??= setInterval(() => this.check(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
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
    const share = used / limit;
    const high = this.options.highMark ?? 0.5;
    const low = this.options.lowMark ?? 0.35;
    if (!this.pressure && share >= high) this.enter(used, limit);
    else if (this.pressure && share < low) this.leave(used, limit);
  }

  private enter(used: number, limit: number): void {
    this.pressure = true;
    this.gauge.set(1);
    this.since.set(Date.now() / 1000);
    this.options.log.warn(
      { heapUsedMB: Math.round(used / 2 ** 20), heapLimitMB: Math.round(limit / 2 ** 20) },
      'memory pressure: objects are no longer cached whole but read from the API server (slower); raise the memory limit (docs/memory.md)',
    );
    for (const listener of this.enterListeners) listener();
  }

  private leave(used: number, limit: number): void {
    this.pressure = false;
    this.gauge.set(0);
    this.since.set(0);
    this.options.log.info({ heapUsedMB: Math.round(used / 2 ** 20), heapLimitMB: Math.round(limit / 2 ** 20) }, 'memory pressure over: objects are cached whole again');
  }
}

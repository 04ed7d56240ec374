// The controllers' work queue: a key is queued at most once however often it is added, is never
// handed to two workers at once (added while processing, it is queued again when `done`), and
// can be added after a delay (timers, `requeueAfter`) or after its rate-limited backoff (failures).
import { RateLimiter, type RateLimiterOptions } from './rate-limiter.ts';

/** The longest delay setTimeout keeps (2^31 − 1 ms, about 24.8 days); longer ones fire after 1 ms. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly limiter: RateLimiter;
  private shuttingDown = false;

  constructor(limiter: RateLimiter | RateLimiterOptions = {}) {
    this.limiter = limiter instanceof RateLimiter ? limiter : new RateLimiter(limiter);
  }

  /** Keys waiting to be processed (not counting delayed ones or those in progress). */
  get length(): number {
    return this.queue.length;
  }

  get inProgress(): number {
    return this.processing.size;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /**
   * Adds `key` after `delayMs`; an earlier pending delay for the same key wins. Delays beyond what
   * a Node timer holds fire at that limit instead: reconciles are level-triggered, so the early
   * reconcile finds nothing to do yet and asks again for the rest.
   */
  addAfter(key: string, requestedDelayMs: number): void {
    if (this.shuttingDown) return;
    const delayMs = Number.isFinite(requestedDelayMs) ? Math.min(requestedDelayMs, MAX_TIMER_DELAY_MS) : MAX_TIMER_DELAY_MS;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.delayed.set(key, { at, timer });
  }

  addRateLimited(key: string): void {
    this.addAfter(key, this.limiter.when(key));
  }

  forget(key: string): void {
    this.limiter.forget(key);
  }

  failuresOf(key: string): number {
    return this.limiter.failuresOf(key);
  }

  /** The next key to process, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.queue.length > 0) return Promise.resolve(this.take());
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` processed; if it was added meanwhile it is queued again now. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
  }

  /** Stops handing out keys; queued work is dropped (the next leader reconciles everything anyway). */
  shutDown(): void {
    this.shuttingDown = true;
    this.queue.length = 0;
    this.dirty.clear();
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const resolve of this.waiters.splice(0)) resolve(undefined);
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.queue.push(key);
      waiter(this.take());
      return;
    }
    this.queue.push(key);
  }

  private take(): string {
    const key = this.queue.shift() as string;
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }
}

// How long a failed key waits before its next try: per-key exponential backoff, and a global
// token bucket so a burst of failures cannot flood the API server (client-go's default pairing).

export interface RateLimiterOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Global retry rate (tokens per second) and burst. */
  qps?: number;
  burst?: number;
  now?: () => number;
}

export class RateLimiter {
  private readonly failures = new Map<string, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly qps: number;
  private readonly burst: number;
  private readonly now: () => number;
  private tokens: number;
  private lastRefill: number;

  constructor(options: RateLimiterOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    this.qps = options.qps ?? 10;
    this.burst = options.burst ?? 100;
    this.now = options.now ?? Date.now;
    this.tokens = this.burst;
    this.lastRefill = this.now();
  }

  /** The delay before `key` may be retried; each call counts one more failure. */
  when(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    const backoff = Math.min(this.baseDelayMs * 2 ** failures, this.maxDelayMs);
    return Math.max(backoff, this.bucketDelay());
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Clears the backoff of `key` after it succeeded. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  private bucketDelay(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.qps);
    this.lastRefill = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
}

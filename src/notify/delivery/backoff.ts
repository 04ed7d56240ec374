// Retry timing of a channel: 1 s after the first failed attempt, doubling, capped at
// 1 h, until the Notification is older than the maximum age (72 h; callbacks 3 days).

export interface BackoffOptions {
  /** Delay after the first failed attempt (default 1 s). */
  baseDelayMs?: number;
  /** Longest delay between two attempts (default 1 h). */
  maxDelayMs?: number;
}

export const DEFAULT_BASE_DELAY_MS = 1_000;
export const DEFAULT_MAX_DELAY_MS = 60 * 60_000;
export const DEFAULT_MAX_AGE_MS = 72 * 60 * 60_000;
export const DEFAULT_CALLBACK_MAX_AGE_MS = 3 * 24 * 60 * 60_000;

/** The wait after `attempts` failed attempts (attempts ≥ 1): base · 2^(attempts−1), capped. */
export function backoffDelayMs(attempts: number, options: BackoffOptions = {}): number {
  const base = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const max = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const exponent = Math.max(0, attempts - 1);
  // 2^exponent overflows to Infinity long after it passed any cap; min() handles both.
  return Math.min(max, base * 2 ** Math.min(exponent, 1023));
}


// The by-state and oldest-pending gauges, counted from the caches (no API calls): whole objects
// by their spec, summaries by what they kept.
import type { Approval, ApprovalRequest } from '../api/types.ts';
import type { ObjectCache } from '../runtime/object-cache.ts';
import type { State } from '../engine/index.ts';
import { isOpen } from './finalizer.ts';
import type { ApprovalMetrics } from './metrics.ts';
import type { ApprovalSummary, RequestSummary } from './settled-summary.ts';

type RequestCache = ObjectCache<ApprovalRequest, RequestSummary>;
type ApprovalCache = ObjectCache<Approval, ApprovalSummary>;

/** Sets the gauges of one kind from its cache, as of `nowMs`. */
export function countByState(kind: 'ApprovalRequest' | 'Approval', cache: RequestCache | ApprovalCache, metrics: ApprovalMetrics, nowMs: number): void {
  let oldest = Number.POSITIVE_INFINITY;
  const tally = (state: string, createdAtMs: number) => {
    metrics.requestsByState.inc({ kind, state });
    if (isOpen(state as State) && createdAtMs < oldest) oldest = createdAtMs;
  };
  for (const object of cache.list()) tally(object.spec.state ?? 'Pending', Date.parse(object.metadata.creationTimestamp ?? ''));
  for (const [, summary] of cache.summaryEntries()) tally(summary.state, summary.createdAtSeconds * 1000);
  metrics.oldestPending.set({ kind }, Number.isFinite(oldest) ? Math.max(0, (nowMs - oldest) / 1000) : 0);
}

/** Recounts both kinds every `intervalMs`; returns the timer (the manager clears it on stop). */
export function keepStateGaugesCurrent(requests: RequestCache, approvals: ApprovalCache, metrics: ApprovalMetrics, intervalMs = 15_000): NodeJS.Timeout {
  const timer = setInterval(() => {
    metrics.requestsByState.reset();
    countByState('ApprovalRequest', requests, metrics, Date.now());
    countByState('Approval', approvals, metrics, Date.now());
  }, intervalMs);
  timer.unref();
  return timer;
}

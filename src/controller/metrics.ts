// The operator's domain metrics (SPEC §8), registered next to the runtime's.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class ApprovalMetrics {
  readonly transitions: Counter<'kind' | 'strategy' | 'from' | 'to'>;
  readonly requestsByState: Gauge<'kind' | 'state'>;
  readonly timeToDecision: Histogram<'strategy' | 'outcome'>;

  constructor(registry: Registry) {
    this.transitions = new Counter({
      name: 'approval_operator_transitions_total',
      help: 'State transitions by kind, strategy, from and to.',
      labelNames: ['kind', 'strategy', 'from', 'to'],
      registers: [registry],
    });
    this.requestsByState = new Gauge({
      name: 'approval_operator_objects',
      help: 'ApprovalRequests and Approvals in the cache, by state.',
      labelNames: ['kind', 'state'],
      registers: [registry],
    });
    this.timeToDecision = new Histogram({
      name: 'approval_operator_time_to_decision_seconds',
      help: 'Time from a request being created to its final state.',
      labelNames: ['strategy', 'outcome'],
      buckets: [1, 10, 60, 300, 1800, 3600, 4 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600],
      registers: [registry],
    });
  }
}

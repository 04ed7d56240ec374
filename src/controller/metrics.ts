// The operator's domain metrics, registered next to the runtime's; the chart's alerts and
// dashboard read them (charts/approval-operator/templates/prometheusrule.yaml).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class ApprovalMetrics {
  readonly transitions: Counter<'kind' | 'strategy' | 'from' | 'to'>;
  readonly requestsByState: Gauge<'kind' | 'state'>;
  readonly timeToDecision: Histogram<'strategy' | 'outcome'>;
  readonly oldestPending: Gauge<'kind'>;

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
    this.oldestPending = new Gauge({
      name: 'approval_operator_oldest_pending_seconds',
      help: 'Age of the oldest ApprovalRequest or Approval still Pending or Semigranted (0 when none): what a stuck-request alert watches.',
      labelNames: ['kind'],
      registers: [registry],
    });
  }
}

// Prometheus metrics of the runtime; the controllers register their own in the same registry.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Informer } from './informer.ts';
import type { KubeClient } from './kube-client.ts';
import type { KubeObject } from './resource.ts';

export class RuntimeMetrics {
  readonly registry: Registry;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileDuration: Histogram<'controller'>;
  readonly queueDepth: Gauge<'controller'>;
  readonly apiRequests: Counter<'verb' | 'code'>;
  readonly leader: Gauge;

  constructor(registry = new Registry()) {
    this.registry = registry;
    collectDefaultMetrics({ register: registry, prefix: 'approval_operator_' });
    this.reconcileTotal = new Counter({
      name: 'approval_operator_reconcile_total',
      help: 'Reconciles by controller and result (success, requeue, error).',
      labelNames: ['controller', 'result'],
      registers: [registry],
    });
    this.reconcileErrors = new Counter({
      name: 'approval_operator_reconcile_errors_total',
      help: 'Reconciles that failed, by controller.',
      labelNames: ['controller'],
      registers: [registry],
    });
    this.reconcileDuration = new Histogram({
      name: 'approval_operator_reconcile_duration_seconds',
      help: 'Time spent in one reconcile.',
      labelNames: ['controller'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.queueDepth = new Gauge({
      name: 'approval_operator_workqueue_depth',
      help: 'Keys waiting in the work queue.',
      labelNames: ['controller'],
      registers: [registry],
    });
    this.apiRequests = new Counter({
      name: 'approval_operator_api_requests_total',
      help: 'Requests the operator made to the Kubernetes API, by verb and HTTP status code.',
      labelNames: ['verb', 'code'],
      registers: [registry],
    });
    this.leader = new Gauge({
      name: 'approval_operator_leader',
      help: '1 while this replica runs the controllers: it holds the leader lease, or runs without leader election.',
      registers: [registry],
    });
  }

  /** How each informer holds its objects: whole, as a summary, or evicted (memory pressure). */
  observeCaches(informers: () => Iterable<Informer<KubeObject>>): void {
    new Gauge({
      name: 'approval_operator_cached_objects',
      help: 'Objects in the informer caches by kind and form: whole, summary (settled) or evicted (memory pressure: read from the API server when worked on).',
      labelNames: ['kind', 'form'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const informer of informers()) {
          const { cache, resource } = informer;
          this.set({ kind: resource.kind, form: 'whole' }, cache.size - cache.compactSize);
          this.set({ kind: resource.kind, form: 'summary' }, cache.compactSize - cache.evictedSize);
          this.set({ kind: resource.kind, form: 'evicted' }, cache.evictedSize);
        }
      },
    });
  }

  /** Counts every API request `client` makes. */
  observeClient(client: KubeClient): void {
    client.onResponse((verb, status) => this.apiRequests.inc({ verb, code: String(status) }));
  }
}

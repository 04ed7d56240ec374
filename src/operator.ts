// Assembles the operator: shared informers, both reconcilers, leader election and endpoints.
// main.ts calls this; the integration tests call it too, so they run the real wiring.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Approval, ApprovalPolicy, ApprovalRequest, NotificationChannel } from './api/types.ts';
import { approvalPolicyResource, approvalRequestResource, approvalResource, notificationChannelResource } from './api/resources.ts';
import { ApprovalReconciler } from './controller/approval-reconciler.ts';
import { ApprovalRequestReconciler } from './controller/approval-request-reconciler.ts';
import { EventRecorder } from './controller/event-recorder.ts';
import { ApprovalMetrics } from './controller/metrics.ts';
import { keepStateGaugesCurrent } from './controller/state-gauges.ts';
import { TransitionReporter } from './controller/transition-reporter.ts';
import { notificationCreatorFor } from './notify/creation/index.ts';
import { createDeliveryController, type DeliveryControllerOptions } from './notify/delivery/delivery-controller.ts';
import { subjectAccessReview } from './authorization/access-review.ts';
import { DEFAULT_TEAM_GROUP_PREFIX } from './engine/index.ts';
import { serveWebhooks } from './admission/webhook-server.ts';
import { Controller } from './runtime/controller.ts';
import type { Informer, InformerEvent } from './runtime/informer.ts';
import { approvalCompaction, requestCompaction, type ApprovalSummary, type RequestSummary } from './controller/settled-summary.ts';
import { MemoryGuard } from './runtime/memory-guard.ts';
import { whoAmI } from './runtime/self-subject.ts';
import type { KubeClient } from './runtime/kube-client.ts';
import { Manager } from './runtime/manager.ts';
import { DEFAULT_RETENTION, RetentionSweeper, type RetentionOptions } from './retention/sweeper.ts';

export interface OperatorOptions {
  client: KubeClient;
  log: Logger;
  namespace?: string;
  identity?: string;
  leaderElection?: { namespace: string; name?: string };
  healthPort?: number;
  metricsPort?: number;
  workers?: number;
  /** Delivery of Notifications; absent = create-only (another service delivers). */
  delivery?: Omit<DeliveryControllerOptions, 'client' | 'log' | 'now'>;
  /** Admission webhooks over TLS; served on every replica, leader or not. */
  webhook?: { port: number; certDir: string; operatorUsername?: string };
  /** A team T is the group `<prefix>T` (default `team:`); webhooks and reconcilers use the same. */
  teamGroupPrefix?: string;
  /** The operator's own Pod (downward API), where memory pressure is reported as an Event. */
  pod?: { name: string; namespace: string; uid?: string };
  /** Deletion of delivered Notifications and of settled requests whose policy opts in (default: DEFAULT_RETENTION). */
  retention?: Partial<RetentionOptions>;
  now?: () => Date;
}

export function createOperator(options: OperatorOptions): Manager {
  const identity = options.identity ?? `${hostname()}-${process.pid}`;
  const manager = new Manager({
    client: options.client,
    log: options.log,
    namespace: options.namespace,
    healthPort: options.healthPort,
    metricsPort: options.metricsPort,
    leaderElection: options.leaderElection && {
      namespace: options.leaderElection.namespace,
      name: options.leaderElection.name ?? 'approval-operator',
      identity,
    },
  });
  // Settled objects are cached as summaries (settled-summary.ts): a year of them fits in memory.
  // Under memory pressure the open ones are too, and are read from the API server when worked on.
  const memory = new MemoryGuard({ log: options.log, registry: manager.metrics.registry });
  memory.start();
  manager.onStop(() => memory.stop());
  // Pages of 100: a page is held twice (text and objects) while it is read; 100 of the largest
  // allowed requests are still a few MB.
  const requests = manager.informer<ApprovalRequest, RequestSummary>(approvalRequestResource, { compaction: requestCompaction(memory.underPressure), pageSize: 100 });
  const approvals = manager.informer<Approval, ApprovalSummary>(approvalResource, { compaction: approvalCompaction(memory.underPressure), pageSize: 100 });
  const policies = manager.informer<ApprovalPolicy>(approvalPolicyResource);
  // Channels live in the recipients' namespaces, so they are watched cluster-wide even with --namespace.
  const channels = manager.informer<NotificationChannel>(notificationChannelResource, { namespace: undefined });
  const metrics = new ApprovalMetrics(manager.metrics.registry);
  const events = new EventRecorder(options.client, identity, options.log);
  memory.onEnter(() => {
    const evicted = requests.recompact() + approvals.recompact();
    options.log.warn({ evicted }, 'memory pressure: whole objects evicted from the caches');
    if (!options.pod) return;
    void events.record(
      { apiVersion: 'v1', kind: 'Pod', metadata: options.pod },
      { reason: 'MemoryPressure', type: 'Warning', note: 'Objects are no longer cached whole but read from the API server (slower): raise the memory limit (docs/memory.md).', occurrence: String(Date.now()) },
    );
  });
  const creator = notificationCreatorFor(options.client, options.log, { requests, approvals, channels }, options.now);
  const notifier = creator;
  const reporter = new TransitionReporter({ log: options.log, events, notifier, metrics });
  const workers = options.workers ?? 4;
  const teamGroupPrefix = options.teamGroupPrefix ?? DEFAULT_TEAM_GROUP_PREFIX;

  const requestController = new Controller({
    name: 'approvalrequest',
    workers,
    log: options.log,
    metrics: manager.metrics,
    reconcile: new ApprovalRequestReconciler({ client: options.client, log: options.log, requests, approvals, policies, events, reporter, teamGroupPrefix, now: options.now }).reconcile,
  });
  requestController.watch(requests);
  // An Approval changed or vanished: its request may need to (re)create or re-link it.
  requestController.watch(approvals, ({ object }) => {
    const ref = object.spec.approvedRequest;
    return ref ? [`${ref.namespace}/${ref.name}`] : [];
  });
  // A policy changed: every open request may have a different effective strategy now (a settled
  // one is history; its summary's reconcile only checks that its Approval still exists).
  requestController.watch(policies, (event) => (policyChanged(event, policies) ? requests.cache.keys() : []));
  // A deleted pending request is withdrawn by its reconcile (the withdrawal finalizer, ADR 0006),
  // on the leader only, also when it was deleted while no operator ran.

  const approvalReconciler = new ApprovalReconciler({ client: options.client, log: options.log, approvals, policies, events, reporter, reminders: creator, teamGroupPrefix, now: options.now });
  const approvalController = new Controller({
    name: 'approval',
    workers,
    log: options.log,
    metrics: manager.metrics,
    reconcile: approvalReconciler.reconcile,
  });
  approvalController.watch(approvals);
  // A policy changed: every Approval may have another expiry now, the settled ones too.
  approvalController.watch(policies, (event) => {
    if (!policyChanged(event, policies)) return [];
    approvalReconciler.recheckSettled();
    return approvals.cache.keys();
  });

  if (options.webhook) {
    const webhook = options.webhook;
    manager.addServer(async () => {
      // Decisions from the operator's own identity (System, Expire) are trusted; ask the server who that is.
      const operatorUsername = webhook.operatorUsername ?? (await whoAmI(options.client)).username;
      options.log.info({ port: webhook.port, operatorUsername }, 'serving admission webhooks');
      return serveWebhooks({
        port: webhook.port,
        certDir: webhook.certDir,
        log: options.log,
        context: {
          operatorUsername,
          policies: () => policies.cache.list(),
          access: subjectAccessReview(options.client),
          teamGroupPrefix,
          now: options.now ?? (() => new Date()),
        },
      });
    });
  }

  if (options.delivery) {
    manager.addController(createDeliveryController(manager, { ...options.delivery, client: options.client, log: options.log, now: options.now }));
  }
  manager.addController(requestController);
  manager.addController(approvalController);
  manager.addController(
    new RetentionSweeper({
      client: options.client,
      log: options.log,
      registry: manager.metrics.registry,
      namespace: options.namespace,
      requests,
      policies,
      notificationMode: options.delivery ? 'deliver' : 'create-only',
      options: { ...DEFAULT_RETENTION, ...options.retention },
      now: options.now,
    }),
  );
  const counting = keepStateGaugesCurrent(requests.cache, approvals.cache, metrics);
  manager.onStop(() => clearInterval(counting));
  return manager;
}

/**
 * Whether a policy event can change what policies give: not a resync, not the first list (every
 * object gets its own event then), not a status-only update.
 */
function policyChanged(event: InformerEvent<ApprovalPolicy>, policies: Informer<ApprovalPolicy>): boolean {
  if (event.type === 'RESYNC' || !policies.hasSynced()) return false;
  return event.type !== 'MODIFIED' || event.old?.metadata.generation !== event.object.metadata.generation;
}

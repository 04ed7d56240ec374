// Retention (docs/retention.md, ADR 0007): on the leader, a sweep every interval deletes
//   - Notifications delivered (or given up on) longer ago than --notification-retention, found by
//     listing them page by page: the delivery cache deliberately holds only undelivered ones, and
//     caching the rest for this would cost the memory that cache saves;
//   - settled ApprovalRequests whose policy opts in (spec.retention), found in the request cache.
// Level-triggered: each sweep decides from what the API server holds now, so a missed sweep, a
// restart or a new leader loses nothing. Every delete names the uid and resourceVersion it was
// decided on (an object changed meanwhile answers 409 and is decided again next sweep), and a
// request is read in full right before, because the cache has dropped what the GitOps rule needs.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ApprovalPolicy, ApprovalRequest, Notification } from '../api/types.ts';
import { PURPOSE_LABEL, approvalRequestResource, notificationResource } from '../api/resources.ts';
import { resolvePolicy } from '../evaluation/policy-resolver.ts';
import type { Informer } from '../runtime/informer.ts';
import { isConflict, isGone, isNotFound, type KubeClient } from '../runtime/kube-client.ts';
import { collectionPath, objectKey, objectPath, splitKey, type KubeObject, type ObjectList, type ResourceType } from '../runtime/resource.ts';
import type { PolicySubject, RequestSummary } from '../controller/settled-summary.ts';
import { deliveryPending, gitOpsManager, isDue, notificationSettledAt, requestRetentionOf, requestSettledAt, type RequestRetention } from './rules.ts';

export interface RetentionOptions {
  /** Delivered Notifications are deleted this long after delivery; 0 keeps them forever. */
  notificationRetentionMs: number;
  /** The pause between the end of one sweep and the start of the next. */
  intervalMs: number;
  /** At most this many deletes per second, so a first sweep over a large backlog leaves the API server room. */
  deletesPerSecond: number;
}

export const DEFAULT_RETENTION: RetentionOptions = {
  notificationRetentionMs: 168 * 3_600_000,
  intervalMs: 10 * 60_000,
  deletesPerSecond: 20,
};

/** Objects per list page of the Notification sweep, as the request and Approval informers list: a page is parsed whole, so smaller pages keep the heap's peak low. */
const PAGE_SIZE = 100;
/** A sweep slower than the server keeps continue tokens (about 5 minutes) starts its list over, this often at most. */
const MAX_LIST_RESTARTS = 10;

export interface RetentionDeps {
  client: KubeClient;
  log: Logger;
  registry: Registry;
  /** The watched namespace (--namespace); undefined: all. */
  namespace?: string;
  requests: Informer<ApprovalRequest, RequestSummary>;
  policies: Informer<ApprovalPolicy>;
  /** Who delivers: in create-only mode only a Retrying condition holds a request back. */
  notificationMode: 'deliver' | 'create-only';
  options: RetentionOptions;
  now?: () => Date;
}

type Outcome = 'deleted' | 'gone' | 'changed';

/** What retention reads of a request to judge it due. */
interface RetentionView {
  key: string;
  namespace: string;
  resourceVersion: string | undefined;
  subject: PolicySubject;
  settledAt: Date | undefined;
}

const retentionView = (request: ApprovalRequest): RetentionView => ({
  key: objectKey(request.metadata),
  namespace: request.metadata.namespace ?? '',
  resourceVersion: request.metadata.resourceVersion,
  subject: request.spec,
  settledAt: requestSettledAt(request),
});

export interface SweepCounts {
  /** Due by the rules on the listed or cached object. */
  due: number;
  deleted: number;
  /** Due, but a GitOps tool manages it. */
  gitOps: number;
  /** Due, but changed (or went) between the decision and the delete. */
  changed: number;
  /** Requests only: due, but one of their Notifications waits for delivery. */
  waiting: number;
}

export interface SweepReport {
  notifications: SweepCounts & { listed: number };
  requests: SweepCounts;
}

const emptyCounts = (): SweepCounts => ({ due: 0, deleted: 0, gitOps: 0, changed: 0, waiting: 0 });

/** Spaces calls evenly at `perSecond` (no burst): deletes are never urgent. */
export class Pacer {
  private next = 0;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(perSecond: number, now: () => number = Date.now) {
    this.intervalMs = 1000 / perSecond;
    this.now = now;
  }

  /** How long the next call has to wait, counting it as made then. */
  reserve(): number {
    const at = Math.max(this.now(), this.next);
    this.next = at + this.intervalMs;
    return at - this.now();
  }

  async wait(signal: AbortSignal): Promise<void> {
    const delayMs = this.reserve();
    if (delayMs > 0) await sleep(delayMs, undefined, { signal });
  }
}

export class RetentionSweeper {
  readonly name = 'retention';
  private readonly deps: RetentionDeps;
  private readonly now: () => Date;
  private readonly pacer: Pacer;
  private readonly deleted: Counter<'kind'>;
  private readonly lastSweep: Gauge;
  private readonly failedSweeps: Counter;
  /** `uid@resourceVersion` of due requests found GitOps-managed: not read again until they change. */
  private gitOpsManaged = new Set<string>();

  constructor(deps: RetentionDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
    this.pacer = new Pacer(deps.options.deletesPerSecond);
    this.deleted = new Counter({
      name: 'approval_operator_retention_deleted_total',
      help: 'Objects deleted by retention: delivered Notifications, settled ApprovalRequests whose policy opts in.',
      labelNames: ['kind'],
      registers: [deps.registry],
    });
    for (const kind of ['Notification', 'ApprovalRequest']) this.deleted.inc({ kind }, 0);
    this.lastSweep = new Gauge({
      name: 'approval_operator_retention_last_sweep_timestamp_seconds',
      help: 'When the last retention sweep completed without an error (Unix time; 0 before the first).',
      registers: [deps.registry],
    });
    this.failedSweeps = new Counter({
      name: 'approval_operator_retention_sweep_errors_total',
      help: 'Retention sweeps that stopped on an error (a missing delete permission, the API server unavailable).',
      registers: [deps.registry],
    });
  }

  /** Sweeps until `signal` aborts (the manager runs it on the leader only). */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.deps.requests.waitForSync(), this.deps.policies.waitForSync()]);
    const { notificationRetentionMs, intervalMs, deletesPerSecond } = this.deps.options;
    this.deps.log.info({ notificationRetentionMs, intervalMs, deletesPerSecond }, 'retention sweeper started');
    while (!signal.aborted) {
      try {
        await this.sweep(signal);
      } catch (err) {
        if (signal.aborted) return;
        this.deps.log.warn({ err: String(err) }, 'retention sweep failed; trying again next interval');
      }
      await sleep(intervalMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /**
   * One sweep over both kinds; its counts are logged and returned. A kind that fails (the API
   * server unavailable, a 403) does not keep the other from its sweep; the error is rethrown after.
   */
  async sweep(signal: AbortSignal): Promise<SweepReport> {
    const started = Date.now();
    const report: SweepReport = { notifications: { ...emptyCounts(), listed: 0 }, requests: emptyCounts() };
    const failures: unknown[] = [];
    const attempt = (work: () => Promise<void>) => work().catch((err: unknown) => void failures.push(err));
    if (this.deps.options.notificationRetentionMs > 0) await attempt(() => this.sweepNotifications(report.notifications, signal));
    await attempt(() => this.sweepRequests(report.requests, signal));
    // Stopped (leadership lost, shutdown): not a failure, and the next leader sweeps anew.
    if (signal.aborted) return report;
    this.deps.log.info({ ...report, durationMs: Date.now() - started, failed: failures.length > 0 }, 'retention sweep');
    if (failures.length > 0) {
      this.failedSweeps.inc();
      throw failures[0];
    }
    this.lastSweep.set(Date.now() / 1000);
    return report;
  }

  /** Lists the operator's Notifications (they carry the purpose label) a page at a time. */
  private async sweepNotifications(counts: SweepReport['notifications'], signal: AbortSignal): Promise<void> {
    const retentionMs = this.deps.options.notificationRetentionMs;
    let continueToken: string | undefined;
    let restarts = 0;
    for (;;) {
      let page: ObjectList<Notification>;
      try {
        page = await this.deps.client.request<ObjectList<Notification>>('GET', collectionPath(notificationResource, this.deps.namespace), {
          query: { labelSelector: PURPOSE_LABEL, limit: PAGE_SIZE, continue: continueToken },
          signal,
        });
      } catch (err) {
        // The continue token expired (deletes are paced, a page can take long): start over; what
        // was deleted is gone, so the list is shorter each time.
        if (!isGone(err) || !continueToken || restarts >= MAX_LIST_RESTARTS) throw err;
        restarts++;
        continueToken = undefined;
        continue;
      }
      for (const notification of page.items) {
        if (signal.aborted) return;
        counts.listed++;
        if (!isDue(notificationSettledAt(notification), retentionMs, this.now())) continue;
        counts.due++;
        const manager = gitOpsManager(notification.metadata);
        if (manager) {
          counts.gitOps++;
          continue;
        }
        this.count(counts, 'Notification', await this.deleteExactly(notificationResource, notification, signal));
      }
      continueToken = page.metadata.continue || undefined;
      if (!continueToken || signal.aborted) return;
    }
  }

  /** Requests come from the cache; only those due there are read in full and deleted. */
  private async sweepRequests(counts: SweepCounts, signal: AbortSignal): Promise<void> {
    const stillManaged = new Set<string>();
    const policies = this.deps.policies.cache.list();
    for (const cached of this.cachedRequests()) {
      if (signal.aborted) break;
      const due = this.dueRequest(cached, policies);
      if (!due) continue;
      counts.due++;
      const version = `${cached.key}@${cached.resourceVersion}`;
      if (!due.includeGitOpsManaged && this.gitOpsManaged.has(version)) {
        stillManaged.add(version);
        counts.gitOps++;
        continue;
      }
      const live = await this.getLive(cached.key, signal);
      const retention = live && this.dueRequest(retentionView(live), policies);
      if (!live || !retention) {
        counts.changed++;
        continue;
      }
      const manager = retention.includeGitOpsManaged ? undefined : gitOpsManager(live.metadata);
      if (manager) {
        stillManaged.add(`${cached.key}@${live.metadata.resourceVersion}`);
        counts.gitOps++;
        this.deps.log.debug({ request: cached.key, manager }, 'retention keeps a GitOps-managed request');
        continue;
      }
      if (await this.notificationsWaiting(live, signal)) {
        counts.waiting++;
        continue;
      }
      this.count(counts, 'ApprovalRequest', await this.deleteExactly(approvalRequestResource, live, signal));
    }
    this.gitOpsManaged = stillManaged;
  }

  /** Every cached request: whole, or the summary a settled one is cached as (settled-summary.ts). */
  private *cachedRequests(): Generator<RetentionView> {
    const cache = this.deps.requests.cache;
    for (const request of cache.list()) yield retentionView(request);
    for (const [key, summary] of cache.summaryEntries()) {
      yield { key, namespace: splitKey(key).namespace ?? '', resourceVersion: summary.resourceVersion, subject: summary.subject, settledAt: summary.settledAt() };
    }
  }

  /** The request's retention when its policy opts in and it is due; undefined otherwise. */
  private dueRequest(request: RetentionView, policies: ApprovalPolicy[]): RequestRetention | undefined {
    const policy = resolvePolicy(policies, request.namespace, request.subject).policy;
    const retention = requestRetentionOf(policy);
    return retention && isDue(request.settledAt, retention.afterMs, this.now()) ? retention : undefined;
  }

  private async getLive(key: string, signal: AbortSignal): Promise<ApprovalRequest | undefined> {
    const { namespace, name } = splitKey(key);
    try {
      return await this.deps.client.request<ApprovalRequest>('GET', objectPath(approvalRequestResource, namespace, name), { signal });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }


  /**
   * Whether a Notification the request recorded still waits for delivery. The request owns its
   * Notifications, so deleting it deletes them too (in the background, by the garbage collector):
   * it waits until they are delivered or given up on. One read per ref; deletions are rare.
   */
  private async notificationsWaiting(request: ApprovalRequest, signal: AbortSignal): Promise<boolean> {
    for (const ref of request.status?.notificationRefs ?? []) {
      let notification: Notification;
      try {
        notification = await this.deps.client.request<Notification>('GET', objectPath(notificationResource, ref.namespace || request.metadata.namespace, ref.name), { signal });
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      if (deliveryPending(notification, this.deps.notificationMode)) return true;
    }
    return false;
  }

  /**
   * Deletes exactly the version decided on: preconditions on uid and resourceVersion. A 404 (gone
   * already) and a 409 (changed since) are outcomes, not errors: the next sweep decides again.
   * Background propagation: the garbage collector removes what the object owns.
   */
  private async deleteExactly(type: ResourceType, object: KubeObject, signal: AbortSignal): Promise<Outcome> {
    await this.pacer.wait(signal);
    const { namespace, name, uid, resourceVersion } = object.metadata;
    try {
      await this.deps.client.request('DELETE', objectPath(type, namespace, name), {
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid, resourceVersion } },
        signal,
      });
      this.deps.log.debug({ kind: type.kind, object: objectKey(object.metadata) }, 'retention deleted');
      return 'deleted';
    } catch (err) {
      if (isNotFound(err)) return 'gone';
      if (isConflict(err)) return 'changed';
      throw err;
    }
  }

  private count(counts: SweepCounts, kind: string, outcome: Outcome): void {
    if (outcome === 'deleted') {
      counts.deleted++;
      this.deleted.inc({ kind });
    } else {
      counts.changed++;
    }
  }
}

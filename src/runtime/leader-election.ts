// Leader election with a coordination.k8s.io/v1 Lease, as client-go does it: a candidate takes
// the lease when it is free or its holder has not renewed it for `leaseDurationMs` *as observed
// locally* (no trust in other clocks); the leader renews every `retryPeriodMs` and steps down if it
// could not renew within `renewDeadlineMs`. On shutdown the leader releases the lease at once.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { isAlreadyExists, isConflict, isNotFound, type KubeClient } from './kube-client.ts';
import { core, objectPath, collectionPath, type KubeObject } from './resource.ts';
import { apiMicroTime } from './time.ts';

interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log: Logger;
  onLeadershipChange?: (leading: boolean) => void;
}


export class LeaderElector {
  private readonly client: KubeClient;
  private readonly options: Required<Omit<LeaderElectionOptions, 'onLeadershipChange'>> & Pick<LeaderElectionOptions, 'onLeadershipChange'>;
  private observed: { holder: string; renewTime: string; at: number } | undefined;
  private current: Lease | undefined;
  private leading = false;

  constructor(client: KubeClient, options: LeaderElectionOptions) {
    this.client = client;
    this.options = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...options };
  }

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until elected, then calls `lead` with a signal that aborts when leadership is lost or
   * `signal` aborts. Resolves after `lead` has returned and the lease was released.
   */
  async run(signal: AbortSignal, lead: (leading: AbortSignal) => Promise<void>): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const leadership = new AbortController();
    const stop = () => leadership.abort();
    signal.addEventListener('abort', stop, { once: true });
    const renewing = this.renewUntilLost(leadership.signal).then(() => leadership.abort());
    try {
      await lead(leadership.signal);
    } finally {
      leadership.abort();
      await renewing;
      signal.removeEventListener('abort', stop);
      this.setLeading(false);
      await this.release();
    }
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.options.log.info({ lease: this.options.name, identity: this.options.identity, leading }, leading ? 'became leader' : 'stopped leading');
    this.options.onLeadershipChange?.(leading);
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew().catch((err) => this.logFailure(err))) {
        this.setLeading(true);
        return true;
      }
      await sleep(this.jitter(this.options.retryPeriodMs), undefined, { signal }).catch(() => undefined);
    }
    return false;
  }

  private async renewUntilLost(signal: AbortSignal): Promise<void> {
    let lastRenew = Date.now();
    while (!signal.aborted) {
      await sleep(this.options.retryPeriodMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      if (await this.tryAcquireOrRenew().catch((err) => this.logFailure(err))) {
        lastRenew = Date.now();
        continue;
      }
      if (Date.now() - lastRenew > this.options.renewDeadlineMs) {
        this.options.log.error({ lease: this.options.name }, 'could not renew the leader lease in time; stepping down');
        return;
      }
    }
  }

  private logFailure(err: unknown): false {
    if (!isConflict(err)) this.options.log.warn({ lease: this.options.name, err: String(err) }, 'leader election request failed');
    return false;
  }

  private jitter(ms: number): number {
    return ms * (1 + Math.random() * 0.2);
  }

  private path(): string {
    return objectPath(core.lease, this.options.namespace, this.options.name);
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { identity, namespace, name, leaseDurationMs } = this.options;
    const now = apiMicroTime(new Date());
    let lease: Lease;
    try {
      lease = await this.client.get<Lease>(this.path());
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const created: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000), acquireTime: now, renewTime: now, leaseTransitions: 0 },
      };
      try {
        this.current = await this.client.create<Lease>(collectionPath(core.lease, namespace), created);
      } catch (createErr) {
        if (isAlreadyExists(createErr)) return false;
        throw createErr;
      }
      return true;
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const renewTime = lease.spec?.renewTime ?? '';
    if (!this.observed || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.observed = { holder, renewTime, at: Date.now() };
    }
    const heldByOther = holder !== '' && holder !== identity;
    if (heldByOther && Date.now() - this.observed.at < leaseDurationMs) return false;
    const spec = lease.spec ?? {};
    const next: Lease = {
      ...lease,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
        renewTime: now,
        acquireTime: holder === identity ? spec.acquireTime : now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
      },
    };
    // PUT carries metadata.resourceVersion: a concurrent change by another candidate is a 409.
    this.current = await this.client.replace<Lease>(this.path(), next);
    return true;
  }

  private async release(): Promise<void> {
    const lease = this.current;
    if (!lease || lease.spec?.holderIdentity !== this.options.identity) return;
    try {
      await this.client.replace<Lease>(this.path(), { ...lease, spec: { ...lease.spec, holderIdentity: null, acquireTime: null, renewTime: null } });
      this.options.log.info({ lease: this.options.name }, 'released the leader lease');
    } catch (err) {
      this.options.log.warn({ lease: this.options.name, err: String(err) }, 'could not release the leader lease');
    }
    this.current = undefined;
  }
}

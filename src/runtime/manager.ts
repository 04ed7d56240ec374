// Runs informers, controllers, leader election and the probe/metrics endpoints as one unit,
// and shuts them down in order: controllers finish their in-flight reconcile, then the lease is
// released, then the watches stop.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { serveMetrics, serveProbes } from './http-endpoints.ts';
import { Informer, type InformerOptions } from './informer.ts';
import type { KubeClient } from './kube-client.ts';
import type { Summary } from './object-cache.ts';
import { LeaderElector, type LeaderElectionOptions } from './leader-election.ts';
import { RuntimeMetrics } from './metrics.ts';
import { apiVersionOf, type KubeObject, type ResourceType } from './resource.ts';

/** What runs on the leader until its signal aborts: a Controller, or a periodic task (retention). */
export interface Runnable {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

export interface ManagerOptions {
  client: KubeClient;
  log: Logger;
  namespace?: string;
  metrics?: RuntimeMetrics;
  leaderElection?: Omit<LeaderElectionOptions, 'log'>;
  healthPort?: number;
  metricsPort?: number;
  informerDefaults?: Partial<Pick<InformerOptions<KubeObject>, 'stallTimeoutMs' | 'resyncMs'>>;
}

export class Manager {
  readonly client: KubeClient;
  readonly log: Logger;
  readonly metrics: RuntimeMetrics;
  readonly servers: Server[] = [];
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private readonly controllers: Runnable[] = [];
  private readonly serverStarters: Array<() => Promise<Server>> = [];
  private readonly stopHooks: Array<() => void> = [];
  private readonly options: ManagerOptions;
  private readonly elector: LeaderElector | undefined;
  private readonly stopping = new AbortController();
  private done: Promise<void> | undefined;
  /** Whether the servers of addServer listen (set once they all started). */
  private serving = false;

  constructor(options: ManagerOptions) {
    this.options = options;
    this.client = options.client;
    this.log = options.log;
    this.metrics = options.metrics ?? new RuntimeMetrics();
    this.metrics.observeClient(this.client);
    this.metrics.observeCaches(() => this.informers.values());
    if (options.leaderElection) {
      this.elector = new LeaderElector(this.client, {
        ...options.leaderElection,
        log: options.log,
        onLeadershipChange: (leading) => this.metrics.leader.set(leading ? 1 : 0),
      });
    }
  }

  /** The shared informer of a kind (one watch per kind, whatever the number of controllers). */
  informer<T extends KubeObject, S extends Summary = Summary>(type: ResourceType, options: Partial<InformerOptions<T, S>> = {}): Informer<T, S> {
    const key = `${apiVersionOf(type)}/${type.plural}`;
    let informer = this.informers.get(key);
    if (!informer) {
      const namespace = type.namespaced ? this.options.namespace : undefined;
      informer = new Informer<KubeObject>(this.client, type, {
        namespace,
        ...this.options.informerDefaults,
        ...(options as Partial<InformerOptions<KubeObject>>),
        log: this.log,
      });
      this.informers.set(key, informer);
    }
    return informer as unknown as Informer<T, S>;
  }

  addController(controller: Runnable): void {
    this.controllers.push(controller);
  }

  /** A server started on every replica once the caches are synced (e.g. admission webhooks). */
  addServer(start: () => Promise<Server>): void {
    this.serverStarters.push(start);
  }

  /** Runs on stop, on every replica: for timers and observers that live beside the caches. */
  onStop(hook: () => void): void {
    this.stopHooks.push(hook);
  }

  hasSynced(): boolean {
    return [...this.informers.values()].every((informer) => informer.hasSynced());
  }

  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : true;
  }

  /** Starts everything; resolves once the caches are synced (controllers keep running). */
  async start(): Promise<void> {
    if (this.options.healthPort !== undefined) {
      this.servers.push(
        await serveProbes(this.options.healthPort, {
          liveness: () => {
            const dead = [...this.informers.values()].filter((i) => !i.isAlive(15 * 60_000)).map((i) => i.resource.plural);
            return { ok: dead.length === 0, detail: `watches not alive: ${dead.join(', ')}` };
          },
          // Ready once the caches are synced and the servers (the admission webhooks) listen: a
          // Service that routes to this replica earlier would see its webhook calls refused.
          readiness: () => {
            if (!this.hasSynced()) return { ok: false, detail: 'caches not synced' };
            return { ok: this.serving, detail: 'servers not listening yet' };
          },
        }),
      );
    }
    if (this.options.metricsPort !== undefined) this.servers.push(await serveMetrics(this.options.metricsPort, this.metrics.registry));
    for (const informer of this.informers.values()) informer.start();
    await Promise.all([...this.informers.values()].map((informer) => informer.waitForSync()));
    this.log.info({ informers: [...this.informers.keys()] }, 'caches synced');
    for (const start of this.serverStarters) this.servers.push(await start());
    this.serving = true;
    const runControllers = (signal: AbortSignal) => Promise.all(this.controllers.map((c) => c.run(signal))).then(() => undefined);
    if (this.elector) {
      this.done = this.elector.run(this.stopping.signal, runControllers);
    } else {
      // Without leader election this replica reconciles on its own: it is the leader.
      this.metrics.leader.set(1);
      this.done = runControllers(this.stopping.signal).finally(() => this.metrics.leader.set(0));
    }
  }

  /** Graceful shutdown (SIGTERM). */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.done;
    for (const hook of this.stopHooks) hook();
    await Promise.all([...this.informers.values()].map((informer) => informer.stop()));
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise((resolve) => {
            server.close(resolve);
            // Kept-alive connections (the API server's to the webhooks) would hold close() open.
            server.closeAllConnections();
          }),
      ),
    );
    await this.client.close();
  }

  /** Resolves when the controllers stopped (after `stop`, or when leadership was lost). */
  get finished(): Promise<void> {
    return this.done ?? Promise.resolve();
  }
}

// List + watch of one kind into an ObjectCache. The watch resumes from the last resourceVersion it
// saw (bookmarks keep that fresh), relists when the server answers 410 Gone, and is restarted when
// no byte arrives for `stallTimeoutMs` (a half-open connection). A relist compares the new list
// with the cache and reports what disappeared as DELETED, so no delete is lost across a relist.
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ApiError, isGone, type KubeClient, type Query } from './kube-client.ts';
import { ObjectCache, type CompactForm, type Summary } from './object-cache.ts';
import { collectionPath, objectKey, objectPath, splitKey, type KubeObject, type ObjectList, type ResourceType } from './resource.ts';

export type InformerEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'RESYNC';

export interface InformerEvent<T> {
  type: InformerEventType;
  object: T;
  old?: T;
}

export type InformerHandler<T> = (event: InformerEvent<T>) => void;

/** How an informer holds objects that need not be whole (object-cache.ts). */
export interface Compaction<T, S extends Summary> {
  /** A summary to hold instead of the whole object, or undefined to hold it whole. */
  compact(object: T): CompactForm<S> | undefined;
  /** The object as far as its summary knows it: what a DELETED event carries when it went while summarised. */
  expand(key: string, summary: S): T;
}

export interface InformerOptions<T, S extends Summary = Summary> {
  namespace?: string;
  labelSelector?: string;
  /** Restart a watch that has delivered no byte for this long (default 5 minutes). */
  stallTimeoutMs?: number;
  /** Re-deliver every object cached whole as RESYNC this often (default 10 minutes; 0 disables). */
  resyncMs?: number;
  pageSize?: number;
  /** Shrinks cached objects (default: shrinkForCache). */
  transform?: (object: T) => T;
  /**
   * Which objects the cache holds (default: all). One that stops qualifying (e.g. a Notification
   * once delivered) leaves the cache and is reported as DELETED; the server still has it.
   */
  keep?: (object: T) => boolean;
  /**
   * Which objects are held as summaries (object-cache.ts). Handlers still receive the whole object
   * of each event; summaries are not re-delivered on resync.
   */
  compaction?: Compaction<T, S>;
  log: Logger;
}

export interface InformerStats {
  lists: number;
  watches: number;
  relistsAfterGone: number;
  stalls: number;
}

class WatchStalled extends Error {}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops what no reconciler reads and what costs the most memory per object: managedFields, and
 * the copy of the whole manifest `kubectl apply` keeps in an annotation (`make bench`, S3).
 */
export const shrinkForCache = <T extends KubeObject>(object: T): T => {
  if (object.metadata.managedFields) delete object.metadata.managedFields;
  if (object.metadata.annotations?.[LAST_APPLIED] !== undefined) delete object.metadata.annotations[LAST_APPLIED];
  return object;
};

export class Informer<T extends KubeObject, S extends Summary = Summary> {
  readonly cache = new ObjectCache<T, S>();
  readonly stats: InformerStats = { lists: 0, watches: 0, relistsAfterGone: 0, stalls: 0 };
  private readonly handlers: InformerHandler<T>[] = [];
  private readonly abort = new AbortController();
  private resourceVersion: string | undefined;
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private running: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private lastContact = Date.now();
  private readonly client: KubeClient;
  private readonly type: ResourceType;
  private readonly options: InformerOptions<T, S>;

  constructor(client: KubeClient, type: ResourceType, options: InformerOptions<T, S>) {
    this.client = client;
    this.type = type;
    this.options = options;
  }

  get resource(): ResourceType {
    return this.type;
  }

  addHandler(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Liveness: the informer reached the API server recently (a list, a watch event or a bookmark). */
  isAlive(maxSilenceMs: number): boolean {
    return !this.running || Date.now() - this.lastContact < maxSilenceMs;
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (this.running) return;
    this.running = this.run();
    const resyncMs = this.options.resyncMs ?? 10 * 60_000;
    if (resyncMs > 0) {
      this.resyncTimer = setInterval(() => this.resync(), resyncMs);
      this.resyncTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearInterval(this.resyncTimer);
    await this.running;
  }

  /** An object read whole from the API server (one the cache holds only as a summary); undefined when gone. */
  readWhole(key: string): Promise<T | undefined> {
    const { namespace, name } = splitKey(key);
    return this.client.getIfExists<T>(objectPath(this.type, namespace, name));
  }

  /** Applies the compaction to the objects held whole (e.g. when memory pressure begins); how many changed. */
  recompact(): number {
    const compaction = this.options.compaction;
    return compaction ? this.cache.recompact((object) => compaction.compact(object)) : 0;
  }

  private emit(event: InformerEvent<T>): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (err) {
        this.options.log.error({ err, kind: this.type.kind }, 'informer handler failed');
      }
    }
  }

  private resync(): void {
    for (const object of this.cache.list()) this.emit({ type: 'RESYNC', object });
  }

  private async run(): Promise<void> {
    let backoffMs = 100;
    while (!this.abort.signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.list();
        await this.watch();
        backoffMs = 100;
      } catch (err) {
        if (this.abort.signal.aborted) return;
        if (isGone(err)) {
          this.options.log.info({ kind: this.type.kind, resourceVersion: this.resourceVersion }, 'watch expired (410 Gone); relisting');
          this.stats.relistsAfterGone++;
          this.resourceVersion = undefined;
          continue;
        }
        if (err instanceof WatchStalled) {
          this.stats.stalls++;
          this.options.log.warn({ kind: this.type.kind }, 'watch stalled; reconnecting');
          this.client.resetConnections();
          continue;
        }
        this.options.log.warn({ kind: this.type.kind, err: String(err) }, 'watch failed; retrying');
        await sleep(backoffMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }
  }

  private baseQuery(): Query {
    return { labelSelector: this.options.labelSelector };
  }

  private async list(): Promise<void> {
    const seen = new Set<string>();
    const transform = this.options.transform ?? shrinkForCache;
    let continueToken: string | undefined;
    let resourceVersion: string;
    do {
      const page = await this.client.request<ObjectList<T>>('GET', collectionPath(this.type, this.options.namespace), {
        query: { ...this.baseQuery(), limit: this.options.pageSize ?? 500, continue: continueToken },
        signal: this.abort.signal,
      });
      this.lastContact = Date.now();
      for (const item of page.items) {
        const object = transform(item);
        object.apiVersion ??= this.type.group ? `${this.type.group}/${this.type.version}` : this.type.version;
        object.kind ??= this.type.kind;
        seen.add(objectKey(object.metadata));
        this.apply(object, this.cache.has(objectKey(object.metadata)) ? 'MODIFIED' : 'ADDED');
      }
      continueToken = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion;
    } while (continueToken);
    for (const key of this.cache.keys()) {
      if (!seen.has(key)) this.apply(this.heldObject(key), 'DELETED');
    }
    this.stats.lists++;
    this.resourceVersion = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  /** The cached object, whole or as far as its summary knows it. */
  private heldObject(key: string): T {
    const whole = this.cache.get(key);
    if (whole) return whole;
    const summary = this.cache.summary(key);
    if (!summary || !this.options.compaction) throw new Error(`${this.type.kind} ${key} is not cached`);
    return this.options.compaction.expand(key, summary);
  }

  /**
   * Updates the cache and reports the change; a MODIFIED without a new resourceVersion is dropped.
   * `old` is the object held before when it was held whole.
   */
  private apply(object: T, type: 'ADDED' | 'MODIFIED' | 'DELETED'): void {
    const key = objectKey(object.metadata);
    if (type !== 'DELETED' && this.options.keep && !this.options.keep(object)) {
      if (this.cache.has(key)) this.apply(object, 'DELETED');
      return;
    }
    if (type === 'DELETED') {
      const old = this.cache.remove(key);
      this.emit({ type, object, old });
      return;
    }
    const known = this.cache.has(key);
    const version = this.cache.versionOf(key);
    const old = this.cache.get(key);
    this.cache.upsert(object, this.options.compaction?.compact(object));
    if (known && version === object.metadata.resourceVersion) return;
    this.emit({ type: known ? 'MODIFIED' : 'ADDED', object, old });
  }

  private async watch(): Promise<void> {
    const stallTimeoutMs = this.options.stallTimeoutMs ?? 5 * 60_000;
    // Ask the server to end the watch before we would call it stalled; bookmarks arrive meanwhile.
    const timeoutSeconds = Math.max(1, Math.floor((stallTimeoutMs * (0.5 + Math.random() * 0.25)) / 1000));
    const request = new AbortController();
    const onStop = () => request.abort();
    this.abort.signal.addEventListener('abort', onStop);
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        request.abort();
      }, stallTimeoutMs);
    };
    try {
      arm();
      const response = await this.client.send('GET', collectionPath(this.type, this.options.namespace), {
        query: { ...this.baseQuery(), watch: true, allowWatchBookmarks: true, resourceVersion: this.resourceVersion, timeoutSeconds },
        signal: request.signal,
      });
      if (response.status !== 200) {
        const body = await response.text();
        throw new ApiError(response.status, 'GET', `watch ${this.type.plural}`, safeJson(body));
      }
      this.stats.watches++;
      this.lastContact = Date.now();
      if (!response.body) return;
      const body = Readable.fromWeb(response.body);
      // Aborting the request at the end destroys the stream; that error is expected.
      body.on('error', () => undefined);
      const lines = createInterface({ input: body, crlfDelay: Infinity });
      for await (const line of lines) {
        arm();
        this.lastContact = Date.now();
        if (line.trim()) this.handleWatchLine(line);
      }
    } catch (err) {
      if (stalled) throw new WatchStalled();
      throw err;
    } finally {
      // No abort here: a body that ended or failed has released its connection already.
      clearTimeout(timer);
      this.abort.signal.removeEventListener('abort', onStop);
    }
  }

  private handleWatchLine(line: string): void {
    const event = JSON.parse(line) as { type: string; object: T & { code?: number; reason?: string; message?: string } };
    const transform = this.options.transform ?? shrinkForCache;
    switch (event.type) {
      case 'BOOKMARK':
        this.resourceVersion = event.object.metadata.resourceVersion;
        return;
      case 'ERROR': {
        const status = event.object;
        throw new ApiError(status.code ?? 500, 'GET', `watch ${this.type.plural}`, status);
      }
      case 'ADDED':
      case 'MODIFIED':
      case 'DELETED':
        this.apply(transform(event.object), event.type);
        this.resourceVersion = event.object.metadata.resourceVersion;
        return;
      default:
        this.options.log.warn({ kind: this.type.kind, type: event.type }, 'unknown watch event');
    }
  }
}

function safeJson(text: string): { message: string; reason?: string; code?: number } {
  try {
    return JSON.parse(text) as { message: string };
  } catch {
    return { message: text.slice(0, 500) };
  }
}

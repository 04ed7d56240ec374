// The bench's own list + watch, over HTTP/1.1 with node:https, one connection per watch.
//
// It does not use the operator's Informer on purpose: the instrument should share neither code
// nor transport with what it measures (the runtime's KubeClient multiplexes every request of a
// client over one HTTP/2 connection; this watch has a connection of its own).
import { request, type RequestOptions } from 'node:https';
import { readFileSync } from 'node:fs';
import type { KubeObject, ObjectList } from '../../src/runtime/resource.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type WatchHandler<T> = (event: { type: WatchEventType; object: T }) => void;

interface Kubeconfig {
  clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>;
  users: Array<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>;
}

export class H1Watch<T extends KubeObject> {
  readonly cache = new Map<string, T>();
  readonly stats = { lists: 0, watches: 0 };
  private readonly tls: Pick<RequestOptions, 'ca' | 'cert' | 'key' | 'hostname' | 'port'>;
  private readonly path: string;
  private readonly handlers: WatchHandler<T>[] = [];
  private resourceVersion: string | undefined;
  private current: ReturnType<typeof request> | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(kubeconfig: string, path: string) {
    const config = JSON.parse(readFileSync(kubeconfig, 'utf8')) as Kubeconfig;
    const b64 = (value: string) => Buffer.from(value, 'base64');
    const server = new URL(config.clusters[0]!.cluster.server);
    this.tls = {
      hostname: server.hostname,
      port: server.port,
      ca: b64(config.clusters[0]!.cluster['certificate-authority-data']),
      cert: b64(config.users[0]!.user['client-certificate-data']),
      key: b64(config.users[0]!.user['client-key-data']),
    };
    this.path = path;
  }

  addHandler(handler: WatchHandler<T>): void {
    this.handlers.push(handler);
  }

  /** Lists, then keeps watching; resolves once the list is in the cache. */
  async start(): Promise<void> {
    await this.list();
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.destroy();
    await this.running;
  }

  private emit(type: WatchEventType, object: T): void {
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (type === 'DELETED') this.cache.delete(key);
    else this.cache.set(key, object);
    for (const handler of this.handlers) handler({ type, object });
  }

  private get(path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request({ ...this.tls, path, headers: { accept: 'application/json' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => ((res.statusCode ?? 0) < 300 ? resolve(body) : reject(new Error(`GET ${path}: ${res.statusCode} ${body.slice(0, 300)}`))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  }

  private async list(): Promise<void> {
    let continueToken = '';
    const seen = new Set<string>();
    do {
      const page = JSON.parse(await this.get(`${this.path}?limit=500${continueToken ? `&continue=${encodeURIComponent(continueToken)}` : ''}`)) as ObjectList<T>;
      for (const object of page.items) {
        seen.add(`${object.metadata.namespace ?? ''}/${object.metadata.name}`);
        this.emit(this.cache.has(`${object.metadata.namespace ?? ''}/${object.metadata.name}`) ? 'MODIFIED' : 'ADDED', object);
      }
      continueToken = page.metadata.continue ?? '';
      this.resourceVersion = page.metadata.resourceVersion;
    } while (continueToken);
    for (const [key, object] of this.cache) if (!seen.has(key)) this.emit('DELETED', object);
    this.stats.lists++;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const outcome = await this.watchOnce().catch(() => 'error' as const);
      if (this.stopped) return;
      if (outcome === 'gone') await this.list().catch(() => undefined);
      if (outcome === 'error') await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** One watch request; resolves when it ends ('ended'), the server says 410 ('gone'). */
  private watchOnce(): Promise<'ended' | 'gone'> {
    const path = `${this.path}?watch=true&allowWatchBookmarks=true&resourceVersion=${this.resourceVersion ?? ''}&timeoutSeconds=300`;
    return new Promise((resolve, reject) => {
      const req = request({ ...this.tls, path, headers: { accept: 'application/json' } }, (res) => {
        if (res.statusCode === 410) {
          res.resume();
          resolve('gone');
          return;
        }
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`watch ${this.path}: ${res.statusCode}`));
          return;
        }
        this.stats.watches++;
        let buffered = '';
        let gone = false;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            if (!line.trim()) continue;
            const event = JSON.parse(line) as { type: string; object: T & { code?: number } };
            if (event.type === 'BOOKMARK') this.resourceVersion = event.object.metadata.resourceVersion;
            else if (event.type === 'ERROR') gone = event.object.code === 410;
            else {
              this.resourceVersion = event.object.metadata.resourceVersion;
              this.emit(event.type as WatchEventType, event.object);
            }
          }
        });
        res.on('end', () => resolve(gone ? 'gone' : 'ended'));
        res.on('error', reject);
        res.on('close', () => resolve(gone ? 'gone' : 'ended'));
      });
      this.current = req;
      req.on('error', reject);
      req.end();
    });
  }
}

// The console reaches the API server only with a person's own token: every read and write is
// that person's, so RBAC and the admission webhooks see them and no one else. The console's own
// service account is used for nothing here: the connection below carries the server's CA and
// no client certificate (a client certificate would win over the bearer token at the API server).
import { readFileSync } from 'node:fs';
import { Agent, Dispatcher } from 'undici';
import { KubeClient } from '../runtime/kube-client.ts';

const SERVICE_ACCOUNT_CA = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';

/**
 * One pooled connection shared by everyone's clients. KubeClient closes its dispatcher when it
 * re-authenticates; a person's client must not close the pool of all the others, so it gets
 * this view of it, whose close and destroy do nothing.
 */
class SharedPool extends Dispatcher {
  private readonly pool: Agent;

  constructor(pool: Agent) {
    super();
    this.pool = pool;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.pool.dispatch(options, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    if (callback) return callback();
    return Promise.resolve();
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(...args: unknown[]): Promise<void> | void {
    const callback = args.find((a): a is () => void => typeof a === 'function');
    if (callback) return callback();
    return Promise.resolve();
  }
}

export interface ApiServerConnection {
  server: string;
  /** A client that authenticates as the bearer of `token`. */
  clientFor(token: string): KubeClient;
  close(): Promise<void>;
}

export function apiServerConnection(server: string | undefined, ca: string | undefined, env: NodeJS.ProcessEnv = process.env): ApiServerConnection {
  let url = server;
  let caPem = ca;
  if (!url) {
    const host = env.KUBERNETES_SERVICE_HOST;
    if (!host) throw new Error('invalid configuration: --kube-server is required outside a cluster');
    url = `https://${host.includes(':') ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`;
    caPem ??= readFileSync(SERVICE_ACCOUNT_CA, 'utf8');
  }
  const agent = new Agent({ connect: caPem ? { ca: caPem } : {}, keepAliveTimeout: 30_000 });
  const pool = new SharedPool(agent);
  const base = url.replace(/\/+$/, '');
  return {
    server: base,
    clientFor(token) {
      const client = new KubeClient({ server: base, authenticate: async () => ({ headers: { authorization: `Bearer ${token}` }, dispatcher: pool }) });
      // The field manager names the tool; the person is known from the token.
      client.fieldManager = 'approval-console';
      return client;
    },
    close: () => agent.close(),
  };
}

// A small REST client for the Kubernetes API. Server, authentication and TLS come from
// Credentials (credentials.ts); requests go through one kept-alive undici dispatcher so a busy
// operator does not open a connection per request.
import { fetch, type Response } from 'undici';
import { ApiError, isNotFound, type ApiStatus, type PatchType, type Query } from './api-protocol.ts';
import { loadCredentials, type ClusterAuth, type Credentials } from './credentials.ts';

export type Verb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export { ApiError, PatchType, isAlreadyExists, isConflict, isGone, isNamespaceTerminating, isNotFound, type ApiStatus, type Query } from './api-protocol.ts';

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** Observes every response (metrics, the write counter of the tests). */
export type ResponseObserver = (method: Verb, status: number) => void;

interface Auth extends ClusterAuth {
  createdAt: number;
}

// Token-based kubeconfigs (exec plugins, projected service-account tokens) rotate credentials.
const authRefreshMs = 5 * 60_000;

export class KubeClient {
  readonly credentials: Credentials;
  readonly server: string;
  private auth: Auth | undefined;
  private pendingAuth: Promise<Auth> | undefined;
  private readonly observers: ResponseObserver[] = [];

  constructor(credentials: Credentials) {
    this.credentials = credentials;
    this.server = credentials.server;
  }

  /** From a kubeconfig file, or $KUBECONFIG / ~/.kube/config / in-cluster when none is given. */
  static fromKubeconfig(path?: string, impersonate?: { user: string; groups?: string[] }): KubeClient {
    const client = new KubeClient(loadCredentials(path));
    if (impersonate) client.impersonation = impersonate;
    return client;
  }

  /**
   * Requests made as another user (tests, and the chart's ServiceAccount check), in at most one
   * group: fetch joins repeated headers into one line ("a, b"), which the API server would read as
   * one group of that name. A ServiceAccount needs none: the API server adds its groups itself.
   */
  impersonation: { user: string; groups?: string[] } | undefined;

  /**
   * The field manager named on every write (server-side apply bookkeeping). GitOps tools decide
   * whose fields they may take over by this name, so it must say who wrote.
   */
  fieldManager: string | undefined;

  onResponse(observer: ResponseObserver): void {
    this.observers.push(observer);
  }

  private authenticate(): Promise<Auth> {
    if (this.auth && Date.now() - this.auth.createdAt < authRefreshMs) return Promise.resolve(this.auth);
    // Requests starting together share one authentication (and so one connection pool).
    this.pendingAuth ??= this.buildAuth().finally(() => (this.pendingAuth = undefined));
    return this.pendingAuth;
  }

  private async buildAuth(): Promise<Auth> {
    const { headers, dispatcher } = await this.credentials.authenticate();
    const previous = this.auth?.dispatcher;
    this.auth = { headers, dispatcher, createdAt: Date.now() };
    // Let requests still using the old connection pool finish.
    if (previous) void previous.close().catch(() => undefined);
    return this.auth;
  }

  private url(path: string, query?: Query): string {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  /** Sends a request and returns the raw response (used by the watch to stream the body). */
  async send(method: Verb, path: string, options: RequestOptions = {}): Promise<Response> {
    const groups = this.impersonation?.groups ?? [];
    if (groups.length > 1) throw new Error(`KubeClient impersonates at most one group, not ${groups.length} (${groups.join(', ')}): fetch would send them as one group`);
    const auth = await this.authenticate();
    const headers: Record<string, string> = { ...auth.headers, accept: 'application/json', ...options.headers };
    if (this.impersonation) headers['impersonate-user'] = this.impersonation.user;
    if (groups[0] !== undefined) headers['impersonate-group'] = groups[0];
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const init = { method, headers: new Headers(headers), body, dispatcher: auth.dispatcher, signal: options.signal };
    const query = method !== 'GET' && method !== 'DELETE' && this.fieldManager ? { fieldManager: this.fieldManager, ...options.query } : options.query;
    const response = await fetch(this.url(path, query), init);
    if (response.status === 401) this.auth = undefined;
    for (const observe of this.observers) observe(method, response.status);
    return response;
  }

  async request<T>(method: Verb, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    const text = await response.text();
    if (!response.ok) {
      let status: ApiStatus | undefined;
      try {
        status = JSON.parse(text) as ApiStatus;
      } catch {
        status = { message: text.slice(0, 500) };
      }
      throw new ApiError(response.status, method, path, status);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  /** The object, or undefined when the server has none (404). */
  async getIfExists<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  create<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>('POST', path, { body, query });
  }

  replace<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>('PUT', path, { body, query });
  }

  patch<T>(path: string, patch: unknown, type: PatchType, query?: Query): Promise<T> {
    return this.request<T>('PATCH', path, { body: patch, contentType: type, query });
  }

  delete<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('DELETE', path, { query });
  }

  /**
   * Drops every pooled connection. A stalled watch calls this: aborting the request alone would
   * leave a half-open (or multiplexed HTTP/2) connection in the pool for the next request.
   */
  resetConnections(): void {
    const dispatcher = this.auth?.dispatcher;
    this.auth = undefined;
    if (dispatcher) void dispatcher.destroy().catch(() => undefined);
  }

  /** Closes the connections at shutdown; open watches end at once instead of at their timeout. */
  async close(): Promise<void> {
    const dispatcher = this.auth?.dispatcher;
    this.auth = undefined;
    if (dispatcher) await dispatcher.destroy();
  }
}

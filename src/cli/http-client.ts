// The plugin's REST client: node:https with the TLS settings and headers of the kubeconfig. Not the
// operator's KubeClient: that one is built on undici 8, which does not load on Node 20 and takes
// a quarter of a second to import; a command line makes two or three requests.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ApiError, type ApiStatus, type PatchType, type Query } from '../runtime/api-protocol.ts';
import type { TlsSettings } from '../runtime/credentials.ts';

/** What the plugin asks of a client; the operator's KubeClient has the same shape. */
export interface ApiClient {
  get<T>(path: string, query?: Query): Promise<T>;
  create<T>(path: string, body: unknown, query?: Query): Promise<T>;
  patch<T>(path: string, patch: unknown, type: PatchType, query?: Query): Promise<T>;
  close(): Promise<void>;
  impersonation: { user: string; groups?: string[] } | undefined;
  fieldManager: string | undefined;
}

export interface HttpEndpoint {
  server: string;
  tls: TlsSettings;
  /** Authorization headers, asked for at every request (a token file may rotate). */
  headers(): Record<string, string> | Promise<Record<string, string>>;
}

type Method = 'GET' | 'POST' | 'PATCH';

export class HttpClient implements ApiClient {
  impersonation: { user: string; groups?: string[] } | undefined;
  fieldManager: string | undefined;
  private readonly endpoint: HttpEndpoint;
  private readonly secure: boolean;
  // One kept-alive connection for the two or three requests of a command.
  private readonly agent: HttpAgent;

  constructor(endpoint: HttpEndpoint) {
    this.endpoint = endpoint;
    this.secure = endpoint.server.startsWith('https:');
    const { ca, cert, key, rejectUnauthorized, servername } = endpoint.tls;
    this.agent = this.secure
      ? new HttpsAgent({ keepAlive: true, maxSockets: 4, ca, cert, key, rejectUnauthorized, ...(servername ? { servername } : {}) })
      : new HttpAgent({ keepAlive: true, maxSockets: 4 });
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, undefined, undefined, query);
  }

  create<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.request<T>('POST', path, body, 'application/json', query);
  }

  patch<T>(path: string, patch: unknown, type: PatchType, query?: Query): Promise<T> {
    return this.request<T>('PATCH', path, patch, type, query);
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private async request<T>(method: Method, path: string, body: unknown, contentType: string | undefined, query: Query = {}): Promise<T> {
    const url = new URL(this.endpoint.server + path);
    const params = method === 'GET' || !this.fieldManager ? query : { fieldManager: this.fieldManager, ...query };
    for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string | string[]> = { ...(await this.endpoint.headers()), accept: 'application/json' };
    if (this.impersonation) {
      headers['impersonate-user'] = this.impersonation.user;
      if (this.impersonation.groups?.length) headers['impersonate-group'] = this.impersonation.groups;
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) {
      headers['content-type'] = contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const { status, text } = await this.send(url, method, headers, payload);
    if (status < 200 || status >= 300) throw new ApiError(status, method, path, statusOf(text));
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private send(url: URL, method: Method, headers: Record<string, string | string[]>, payload: string | undefined): Promise<{ status: number; text: string }> {
    const send = this.secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers, agent: this.agent }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      // Worded like fetch's failures, so errors read the same whichever client made them.
      req.on('error', (cause) => reject(new Error(`request to ${url.origin} failed`, { cause })));
      req.end(payload);
    });
  }
}

function statusOf(text: string): ApiStatus {
  try {
    return JSON.parse(text) as ApiStatus;
  } catch {
    return { message: text.slice(0, 500) };
  }
}

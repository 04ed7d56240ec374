// A real HTTP receiver on 127.0.0.1 for chat, webhook and callback deliveries. It records every
// request (headers and raw body) and can be told to fail the next N requests.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status the receiver answered. */
  status: number;
}

export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  port = 0;
  private server: Server | undefined;
  private failures = 0;
  private failStatus = 500;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        let status = 200;
        if (this.failures > 0) {
          this.failures--;
          status = this.failStatus;
        }
        this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'failing on purpose');
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as { port: number }).port;
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Answers the next `count` requests with `status` (default 500). */
  failNext(count: number, status = 500): void {
    this.failures = count;
    this.failStatus = status;
  }

  /** The requests to `path` (all when omitted); `ok` keeps the 2xx ones. */
  received(path?: string, ok?: boolean): ReceivedRequest[] {
    return this.requests.filter((r) => (path === undefined || r.path === path) && (ok === undefined || (r.status < 300) === ok));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    });
  }
}

/**
 * The outbound policy that lets the operator reach receivers on 127.0.0.1 over plain http: an
 * explicit allowance, exactly what `make run` passes (--allow-outbound=127.0.0.1,::1
 * --allow-insecure-http=true). Every other internal address stays refused.
 */
export const LOCAL_RECEIVER_OUTBOUND = { allow: ['127.0.0.1', '::1'], allowInsecureHttp: true };

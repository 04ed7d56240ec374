// A recording reverse proxy between one operator process and the API server, used where the bench
// must say *what* the operator wrote (S5, S4), not only how many requests by verb its own counter
// shows. The operator gets a kubeconfig pointing at https://127.0.0.1:<port> (a CA of the bench's
// own, like the webhook's); the proxy forwards every request with the admin's client certificate,
// streaming the answers (watches included), and records method, path, status and, for writes,
// the body. It adds one local hop per request, so scenarios that measure time do not use it.
import { readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, Agent, createServer, type Server } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { localWebhookCertificates } from '../../hack/webhook-local.ts';

export interface RecordedRequest {
  at: number;
  method: string;
  path: string;
  status: number;
  body?: unknown;
}

export interface WriteRecorder {
  kubeconfig: string;
  records: RecordedRequest[];
  close(): Promise<void>;
}

interface Kubeconfig {
  clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data': string } }>;
  users: Array<{ name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }>;
}

export async function startWriteRecorder(adminKubeconfig: string, dir: string): Promise<WriteRecorder> {
  const config = JSON.parse(readFileSync(adminKubeconfig, 'utf8')) as Kubeconfig;
  const cluster = config.clusters[0]!.cluster;
  const user = config.users[0]!.user;
  const upstream = new URL(cluster.server);
  const b64 = (value: string) => Buffer.from(value, 'base64');
  const agent = new Agent({
    keepAlive: true,
    ca: b64(cluster['certificate-authority-data']),
    cert: b64(user['client-certificate-data']),
    key: b64(user['client-key-data']),
  });
  const { caBundle } = localWebhookCertificates(dir);
  const records: RecordedRequest[] = [];

  const forward = (req: IncomingMessage, res: import('node:http').ServerResponse, body: Buffer | undefined) => {
    const headers = { ...req.headers, host: upstream.host };
    const record: RecordedRequest = { at: performance.now(), method: req.method ?? 'GET', path: req.url ?? '', status: 0 };
    if (body && body.length > 0) {
      try {
        record.body = JSON.parse(body.toString('utf8'));
      } catch {
        record.body = body.toString('utf8').slice(0, 2000);
      }
    }
    records.push(record);
    const upstreamRequest = httpsRequest(
      { agent, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (upstreamResponse) => {
        record.status = upstreamResponse.statusCode ?? 0;
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(res);
        res.on('close', () => upstreamResponse.destroy());
      },
    );
    upstreamRequest.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // The client went away (e.g. a watch it aborted): stop the upstream request too.
    res.on('close', () => {
      if (!res.writableFinished) upstreamRequest.destroy();
    });
    upstreamRequest.end(body);
  };

  const server: Server = createServer({ cert: readFileSync(join(dir, 'tls.crt')), key: readFileSync(join(dir, 'tls.key')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => forward(req, res, chunks.length > 0 ? Buffer.concat(chunks) : undefined));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  const proxied = JSON.parse(readFileSync(adminKubeconfig, 'utf8')) as Kubeconfig;
  proxied.clusters[0]!.cluster = { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': caBundle };
  const kubeconfig = join(dir, 'kubeconfig-recorded');
  writeFileSync(kubeconfig, JSON.stringify(proxied, null, 2), { mode: 0o600 });

  return {
    kubeconfig,
    records,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}

export type WriteKind =
  | 'request spec patch'
  | 'request finalizer patch'
  | 'request status patch'
  | 'request refs status patch'
  | 'approval create'
  | 'approval spec patch'
  | 'approval status patch'
  | 'approval refs status patch'
  | 'notification create'
  | 'event create'
  | 'access review (stores nothing)'
  | 'other write';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a recorded non-GET request was, from its path and body; undefined for reads. */
export function classify(record: RecordedRequest): WriteKind | undefined {
  if (record.method === 'GET') return undefined;
  const path = record.path.split('?')[0]!;
  if (/\/(subjectaccessreviews|selfsubjectreviews|selfsubjectaccessreviews|tokenreviews)$/.test(path)) return 'access review (stores nothing)';
  if (record.method === 'POST' && path.endsWith('/events')) return 'event create';
  if (record.method === 'POST' && path.endsWith('/notifications')) return 'notification create';
  if (record.method === 'POST' && path.endsWith('/approvals')) return 'approval create';
  const subject = /\/(approvalrequests|approvals)\/[^/]+(\/status)?$/.exec(path);
  if (record.method === 'PATCH' && subject) {
    const prefix = subject[1] === 'approvals' ? 'approval ' : 'request ';
    if (!subject[2]) {
      // The withdrawal finalizer set or released on its own (ADR 0006); in a spec write it is part of that.
      const body = isObject(record.body) ? record.body : {};
      const finalizerOnly = body.spec === undefined && isObject(body.metadata) && 'finalizers' in body.metadata;
      if (finalizerOnly && prefix === 'request ') return 'request finalizer patch';
      return `${prefix}spec patch` as WriteKind;
    }
    const status = isObject(record.body) && isObject(record.body.status) ? record.body.status : {};
    const fields = Object.keys(status);
    const refsOnly = fields.length > 0 && fields.every((f) => f === 'notificationRefs' || f === 'remindersSent');
    return `${prefix}${refsOnly ? 'refs status patch' : 'status patch'}` as WriteKind;
  }
  return 'other write';
}

// The health (/healthz, /readyz) and metrics (/metrics) HTTP endpoints.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export type Check = () => { ok: boolean; detail: string };

export interface Probes {
  liveness: Check;
  readiness: Check;
}

function listen(server: Server, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

export const portOf = (server: Server) => (server.address() as AddressInfo).port;

export function serveProbes(port: number, probes: Probes): Promise<Server> {
  const server = createServer((req, res) => {
    const check = req.url === '/healthz' || req.url === '/livez' ? probes.liveness : req.url === '/readyz' ? probes.readiness : undefined;
    if (!check) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const { ok, detail } = check();
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : `${detail}\n`);
  });
  return listen(server, port);
}

export function serveMetrics(port: number, registry: Registry): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found\n');
      return;
    }
    registry
      .metrics()
      .then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body))
      .catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  return listen(server, port);
}

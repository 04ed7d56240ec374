// The HTTPS endpoint the API server calls: /mutate and /validate for ApprovalRequests and
// Approvals. A handler error answers "not allowed" (fail closed), never a silent allow.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { allow, deny, type AdmissionRequest, type AdmissionResponse, type AdmissionReview } from './admission-review.ts';
import { mutateSubject, type MutationContext } from './decision-mutator.ts';
import { validateSubject, type ValidationContext } from './decision-validator.ts';

export interface WebhookServerOptions {
  port: number;
  certDir: string;
  log: Logger;
  context: MutationContext & ValidationContext;
  /** How often the certificate files are checked for a renewal (default 30 s). */
  certReloadIntervalMs?: number;
}

type Handler = (request: AdmissionRequest) => Promise<AdmissionResponse>;

export function serveWebhooks(options: WebhookServerOptions): Promise<Server> {
  const { context, log } = options;
  const handlers: Record<string, Handler> = {
    '/mutate': async (request) => allow(request.uid, mutateSubject(request, context)),
    '/validate': async (request) => {
      const refusal = await validateSubject(request, context);
      if (!refusal) return allow(request.uid);
      log.info({ audit: true, user: request.userInfo.username, object: `${request.namespace}/${request.name}`, refusal }, 'admission refused');
      return deny(request.uid, refusal);
    },
  };
  const certFile = join(options.certDir, 'tls.crt');
  const keyFile = join(options.certDir, 'tls.key');
  const server = createServer(
    { cert: readFileSync(certFile), key: readFileSync(keyFile) },
    (req, res) => {
      const handler = handlers[req.url?.split('?')[0] ?? ''];
      if (req.method !== 'POST' || !handler) {
        res.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        let review: AdmissionReview;
        try {
          review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdmissionReview;
        } catch {
          res.writeHead(400).end('invalid AdmissionReview');
          return;
        }
        const request = review.request;
        if (!request) {
          res.writeHead(400).end('AdmissionReview without request');
          return;
        }
        handler(request)
          .catch((err: unknown) => {
            log.error({ err: String(err), path: req.url }, 'admission handler failed');
            return deny(request.uid, `approval-operator could not check this change: ${err instanceof Error ? err.message : String(err)}`, 500);
          })
          .then((response) => {
            const body: AdmissionReview = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
          });
      });
    },
  );
  // cert-manager renews the Secret in place; pick the new certificate up without a restart.
  const reload = () => {
    try {
      server.setSecureContext({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
      log.info({ certDir: options.certDir }, 'webhook certificate reloaded');
    } catch (err) {
      log.error({ err: String(err) }, 'could not reload the webhook certificate; keeping the old one');
    }
  };
  watchFile(certFile, { interval: options.certReloadIntervalMs ?? 30_000, persistent: false }, reload);
  server.on('close', () => unwatchFile(certFile, reload));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => resolve(server));
  });
}

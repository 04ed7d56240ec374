// The HTTPS endpoint the API server calls: /mutate and /validate for ApprovalRequests and
// Approvals. A handler error answers "not allowed" (fail closed), never a silent allow.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { allow, deny, type AdmissionRequest, type AdmissionResponse, type AdmissionReview } from './admission-review.ts';
import { mutateSubject, type MutationContext } from './decision-mutator.ts';
import { validateSubject, type ValidationContext } from './decision-validator.ts';
import { screen } from './screening.ts';

export interface WebhookServerOptions {
  port: number;
  certDir: string;
  log: Logger;
  context: MutationContext & ValidationContext;
  /** How often the certificate files are checked for a renewal (default 30 s). */
  certReloadIntervalMs?: number;
}

type Handler = (request: AdmissionRequest) => Promise<AdmissionResponse>;

/**
 * An AdmissionReview body larger than this is refused unread. The API server accepts objects of
 * up to 3 MiB, and a review carries the object and the old object.
 */
export const MAX_REVIEW_BYTES = 8 * 1024 * 1024;

/** The two endpoints, by path. Exported for tests that drive them without TLS. */
export function admissionHandlers(context: MutationContext & ValidationContext, log: Logger): Record<string, Handler> {
  const refuse = (request: AdmissionRequest, refusal: string, code?: number) => {
    log.info({ audit: true, user: request.userInfo.username, object: `${request.namespace}/${request.name}`, dryRun: request.dryRun === true, refusal }, 'admission refused');
    return deny(request.uid, refusal, code);
  };
  return {
    '/mutate': async (request) => {
      const screening = screen(request, context.operatorUsername);
      switch (screening.outcome) {
        case 'not-ours':
        case 'schema-invalid':
          return allow(request.uid);
        case 'oversize':
          return refuse(request, screening.refusal, 422);
        case 'evaluate':
          return allow(request.uid, mutateSubject(screening.subject, request.userInfo, context));
      }
    },
    '/validate': async (request) => {
      const screening = screen(request, context.operatorUsername);
      switch (screening.outcome) {
        case 'not-ours':
          return allow(request.uid);
        case 'schema-invalid':
          return refuse(request, `${request.kind.kind} ${request.namespace}/${request.name} is invalid: ${screening.errors.join('; ')}`, 422);
        case 'oversize':
          return refuse(request, screening.refusal, 422);
        case 'evaluate': {
          const refusal = await validateSubject(screening.subject, request.userInfo, context);
          return refusal ? refuse(request, refusal) : allow(request.uid);
        }
      }
    },
  };
}

/** The fields the handlers rely on; the API server always sends them. */
function isAdmissionRequest(request: unknown): request is AdmissionRequest {
  const candidate = request as Partial<AdmissionRequest> | undefined;
  return (
    typeof candidate?.uid === 'string' &&
    typeof candidate.operation === 'string' &&
    typeof candidate.kind?.kind === 'string' &&
    typeof candidate.userInfo?.username === 'string'
  );
}

export function serveWebhooks(options: WebhookServerOptions): Promise<Server> {
  const { context, log } = options;
  const handlers = admissionHandlers(context, log);
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
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_REVIEW_BYTES) {
          // Answer at once and drop the connection once the answer is out; nothing more is read.
          if (!res.headersSent) res.writeHead(413, { connection: 'close' }).end('AdmissionReview too large', () => req.destroy());
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (received > MAX_REVIEW_BYTES) return;
        let review: AdmissionReview;
        try {
          review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdmissionReview;
        } catch {
          res.writeHead(400).end('invalid AdmissionReview');
          return;
        }
        const request = review?.request;
        if (!isAdmissionRequest(request)) {
          res.writeHead(400).end('AdmissionReview without a well-formed request');
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

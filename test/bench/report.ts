// The bench's output: one table (Markdown, so BENCHMARKS.md can carry it as printed) and the raw
// numbers as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Row } from './context.ts';

export function table(rows: Row[]): string {
  const header = ['scenario', 'metric', 'operator', 'floor', 'ratio', 'target', 'met?'];
  const cells = rows.map((r) => [r.scenario, r.metric, r.operator, r.floor ?? '', r.ratio ?? '', r.target, r.met === undefined ? '' : r.met ? 'yes' : 'NO']);
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  const lines = [header, header.map(() => '---'), ...cells].map((row) => `| ${row.map(escape).join(' | ')} |`);
  return lines.join('\n');
}

export const NOTES = [
  'Operator: `node dist/main.js` as a child process, webhooks on, NODE_OPTIONS from the chart (`nodeOptions` in values.yaml), jemalloc preloaded as the image preloads it (when this machine has libjemalloc2; `run.malloc` in result.json says), `--notifications create-only` (Notifications are created, not delivered: delivery needs an SMTP server), `--namespace bench`, default 4 workers per controller.',
  'Floor: no logic; per request the successful writes S5 recorded from the operator for one Auto request, replayed with exact bodies, at the same concurrency (4 lanes for the request chain + 4 for the Approval chain), as the same identity, through the same webhooks.',
  'Requests are created by an impersonated user with RBAC create + autoapprove (the webhook makes one SubjectAccessReview per create); deciders are impersonated members of group team:orders.',
  'S5 "writes": status = /status patch, refs = /status patch of notificationRefs only, spec = spec patch, fin = patch of the withdrawal finalizer alone, notif = Notification create, event = Event create, apv-* = the same for the Approval; ✗409 = refused write.',
  'S5 target "n + m rec": n writes the write budget allows (ADR 0004: 1 status write per transition, 1 create per Notification, the Approval create on grant) plus m record writes (1 Event per state change a decision caused, 1 spec patch per System decision). Met = no write beyond both.',
  'S5 "+ k fin": the patches of the withdrawal finalizer of ADR 0006 (set on a new open request, released when a vote settles it and after a withdrawal notice; released within the spec write of a System expiry at no cost), counted apart and allowed on top (at most k: none are needed when the admission webhook sets and removes the finalizer in the writer\'s own write).',
];

export function writeResult(path: string, result: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(result, null, 2) + '\n');
}

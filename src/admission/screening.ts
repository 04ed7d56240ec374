// What both webhooks do before any evaluation: objects the schema refuses are not theirs to judge
// (the mutating webhook lets them through untouched so the API server answers with the schema's
// message; the validating webhook, which runs after the schema, refuses them rather than guess),
// and writes beyond the input bounds are refused before their cost is paid.
import { validateManifest } from '../api/validation.ts';
import type { AdmissionRequest } from './admission-review.ts';
import { oversize } from './input-bounds.ts';
import { readSubject, type AdmissionSubject } from './subject.ts';

export type Screening =
  | { outcome: 'not-ours' }
  | { outcome: 'schema-invalid'; errors: string[] }
  | { outcome: 'oversize'; refusal: string }
  | { outcome: 'evaluate'; subject: AdmissionSubject };

export function screen(request: AdmissionRequest, operatorUsername: string): Screening {
  if (request.subResource || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) return { outcome: 'not-ours' };
  const checked = validateManifest(withVoterNames(request.object, request.userInfo.username));
  if (!checked.valid) return { outcome: 'schema-invalid', errors: checked.errors };
  const subject = readSubject(request);
  if (request.userInfo.username === operatorUsername) return { outcome: 'evaluate', subject };
  const refusal = oversize(subject, request.userInfo);
  return refusal ? { outcome: 'oversize', refusal } : { outcome: 'evaluate', subject };
}

/**
 * The object as the schema will see it after the mutating webhook: a decision without a name is
 * the writer's own vote, and that is the one field the schema requires that the webhook fills in.
 */
function withVoterNames(object: unknown, username: string): unknown {
  const decisions = (object as { spec?: { decisions?: unknown } } | undefined)?.spec?.decisions;
  if (!Array.isArray(decisions) || !decisions.some(isUnnamed)) return object;
  const named = decisions.map((decision: unknown) => (isUnnamed(decision) ? { ...(decision as object), name: username } : decision));
  const { spec } = object as { spec: Record<string, unknown> };
  return { ...(object as object), spec: { ...spec, decisions: named } };
}

function isUnnamed(decision: unknown): boolean {
  if (decision === null || typeof decision !== 'object' || Array.isArray(decision)) return false;
  const name = (decision as { name?: unknown }).name;
  return name === undefined || name === '';
}

// Who may change which field, as one table. The admission webhook enforces it for every identity
// but the operator's own (its refusals name the user and the rule, which CEL cannot), and
// docs/security.md prints it. A field the table does not name falls under its `*` row, so a field
// added to the schema later is fixed until someone decides otherwise.
import { isDeepStrictEqual } from 'node:util';
import { OPERATOR_ANNOTATION_PREFIX } from '../api/resources.ts';

export type FieldOwner = 'requester' | 'fixed' | 'autoapprove' | 'decider' | 'operator';

export interface FieldRule {
  /** Dotted path; `*` matches any other key at that level. */
  field: string;
  owner: FieldOwner;
}

/** What each owner may do, in the words refusals ("it is …") and docs use. */
export const OWNER_RULES: Record<FieldOwner, string> = {
  requester: 'informational: the creator, or anyone who may file for the requester team, may refresh it at any time',
  fixed: 'fixed at creation because it defines what is approved; file a new request instead',
  autoapprove: 'fixed at creation, except for an identity with the RBAC verb "autoapprove", which may switch it to grant without a vote',
  decider: "the deciders': decisions are appended, never edited or removed, and the state follows from them",
  operator: "the operator's alone",
};

const OPERATOR_ANNOTATIONS = `metadata.annotations.${OPERATOR_ANNOTATION_PREFIX}*`;

export const REQUEST_FIELDS: readonly FieldRule[] = [
  { field: 'spec.requester.reason', owner: 'requester' },
  { field: 'spec.requester.teamEmail', owner: 'requester' },
  { field: 'spec.requester.applicationRef', owner: 'requester' },
  { field: 'spec.requester.teamName', owner: 'fixed' },
  { field: 'spec.requester.properties', owner: 'fixed' },
  { field: 'spec.requester.*', owner: 'fixed' },
  { field: 'spec.action', owner: 'fixed' },
  { field: 'spec.target', owner: 'fixed' },
  { field: 'spec.decider', owner: 'fixed' },
  { field: 'spec.stages', owner: 'fixed' },
  { field: 'spec.callback', owner: 'fixed' },
  { field: 'spec.timeout', owner: 'fixed' },
  { field: 'spec.strategy', owner: 'autoapprove' },
  { field: 'spec.state', owner: 'decider' },
  { field: 'spec.decisions', owner: 'decider' },
  { field: 'spec.*', owner: 'fixed' },
  { field: OPERATOR_ANNOTATIONS, owner: 'operator' },
  { field: 'status', owner: 'operator' },
];

// The Approval is the operator's copy of a granted request: people only decide on it.
export const APPROVAL_FIELDS: readonly FieldRule[] = [
  { field: 'spec.state', owner: 'decider' },
  { field: 'spec.decisions', owner: 'decider' },
  { field: 'spec.*', owner: 'operator' },
  { field: OPERATOR_ANNOTATIONS, owner: 'operator' },
  { field: 'status', owner: 'operator' },
];

export interface FieldChange {
  field: string;
  owner: FieldOwner;
}

interface Owned {
  metadata?: { annotations?: Record<string, string> };
  spec?: unknown;
}

/** The rule of `field`: its own row, else the `*` row of its parent. */
export function ruleFor(table: readonly FieldRule[], field: string): FieldRule {
  const exact = table.find((rule) => rule.field === field);
  if (exact) return exact;
  const parent = field.slice(0, field.lastIndexOf('.'));
  const wildcard = table.find((rule) => rule.field === `${parent}.*`);
  if (wildcard) return wildcard;
  throw new Error(`the field-ownership table has no row for ${field}`);
}

/** Fields whose rows are nested one level deeper (e.g. spec.requester.*). */
function hasNestedRows(table: readonly FieldRule[], field: string): boolean {
  return table.some((rule) => rule.field.startsWith(`${field}.`));
}

const asRecord = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

function changedIn(table: readonly FieldRule[], path: string, before: unknown, after: unknown): FieldChange[] {
  const old = asRecord(before);
  const next = asRecord(after);
  const changes: FieldChange[] = [];
  for (const key of new Set([...Object.keys(old), ...Object.keys(next)])) {
    const field = `${path}.${key}`;
    if (isDeepStrictEqual(old[key] ?? null, next[key] ?? null)) continue;
    if (hasNestedRows(table, field)) changes.push(...changedIn(table, field, old[key], next[key]));
    else changes.push({ field, owner: ruleFor(table, field).owner });
  }
  return changes;
}

function changedOperatorAnnotations(before: Owned | undefined, after: Owned): FieldChange[] {
  const old = before?.metadata?.annotations ?? {};
  const next = after.metadata?.annotations ?? {};
  return [...new Set([...Object.keys(old), ...Object.keys(next)])]
    .filter((key) => key.startsWith(OPERATOR_ANNOTATION_PREFIX) && old[key] !== next[key])
    .map((key) => ({ field: `metadata.annotations.${key}`, owner: 'operator' }));
}

/** Every field `after` changes against `before` (absent `before`: a create), with its owner. */
export function changedFields(table: readonly FieldRule[], before: Owned | undefined, after: Owned): FieldChange[] {
  return [...changedIn(table, 'spec', before?.spec, after.spec), ...changedOperatorAnnotations(before, after)];
}

// Pure text formatting of the plugin: kubectl-style ages, tables and the `list` rows.
import type { Approval, ApprovalRequest } from '../api/types.ts';
import type { Kind } from './args.ts';

/** An object of either kind, as read from the API server. */
export type Subject = ApprovalRequest | Approval;

export const NONE = '<none>';

/** kubectl's HumanDuration (k8s.io/apimachinery/pkg/util/duration): 45s, 3m20s, 5h10m, 12d, 2y30d. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

/** The age of a timestamp, as kubectl prints it (`<unknown>` when absent or unparsable). */
export function age(timestamp: string | undefined, now: Date): string {
  const time = timestamp ? Date.parse(timestamp) : NaN;
  return Number.isNaN(time) ? '<unknown>' : humanDuration(now.getTime() - time);
}

/** A point in time relative to now: `in 364d` or `5m ago`. */
export function relative(timestamp: string | undefined, now: Date): string {
  const time = timestamp ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(time)) return NONE;
  const delta = time - now.getTime();
  return delta > 0 ? `in ${humanDuration(delta)}` : `${humanDuration(-delta)} ago`;
}

/** A timestamp with its age: `2026-01-02T10:00:00Z (5m ago)`. */
export function timestampWithAge(timestamp: string | undefined, now: Date): string {
  return timestamp ? `${timestamp} (${relative(timestamp, now)})` : NONE;
}

/**
 * Aligned columns as kubectl prints them (its tabwriter: padding 3, minimum width 6, the last
 * column unpadded). Empty cells print as `<none>`.
 */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, indent = ''): string {
  const cells = [headers, ...rows].map((row) => headers.map((_, i) => (row[i] === undefined || row[i] === '' ? NONE : row[i]!)));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(Math.max(widths[i]! + 3, 6)))).join('').trimEnd())
    .join('\n') + '\n';
}

/** The strategy that governs the object: the one the operator resolved (a policy's), else the spec's. */
export const effectiveStrategy = (subject: Subject) => subject.status?.strategy ?? subject.spec.strategy ?? 'Auto';
export const stateOf = (subject: Subject) => subject.spec.state ?? 'Pending';
export const kindLabel = (kind: Kind) => (kind === 'Approval' ? 'approval' : 'approvalrequest');

export interface ListOptions {
  kind: Kind;
  allNamespaces: boolean;
  now: Date;
  /** `-o wide`: also ACTION, TARGET, POLICY, VOTES (after AGE, as kubectl adds its wide columns). */
  wide?: boolean;
}

const targetText = (subject: Subject) => {
  const target = subject.spec.target;
  return target ? `${target.kind ? `${target.kind}/` : ''}${target.name}` : '';
};

/** The `list` table: NAME, STATE, STRATEGY, REQUESTER, DECIDER, (EXPIRES,) AGE; NAMESPACE first with -A. */
export function formatList(subjects: readonly Subject[], options: ListOptions): string {
  const headers = [
    ...(options.allNamespaces ? ['NAMESPACE'] : []),
    'NAME',
    'STATE',
    'STRATEGY',
    'REQUESTER',
    'DECIDER',
    ...(options.kind === 'Approval' ? ['EXPIRES'] : []),
    'AGE',
    ...(options.wide ? ['ACTION', 'TARGET', 'POLICY', 'VOTES'] : []),
  ];
  const sorted = [...subjects].sort(
    (a, b) => (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') || a.metadata.name.localeCompare(b.metadata.name),
  );
  const rows = sorted.map((subject) => [
    ...(options.allNamespaces ? [subject.metadata.namespace ?? ''] : []),
    subject.metadata.name,
    stateOf(subject),
    effectiveStrategy(subject),
    subject.spec.requester?.teamName ?? '',
    subject.spec.decider?.teamName ?? '',
    ...(options.kind === 'Approval' ? [subject.status?.expiresAt ? relative(subject.status.expiresAt, options.now) : ''] : []),
    age(subject.metadata.creationTimestamp, options.now),
    ...(options.wide ? [subject.spec.action ?? '', targetText(subject), subject.status?.policyRef ?? '', String(subject.spec.decisions?.length ?? 0)] : []),
  ]);
  return formatTable(headers, rows);
}

/** What kubectl says when a list is empty. */
export function emptyListMessage(namespace: string | undefined): string {
  return namespace ? `No resources found in ${namespace} namespace.` : 'No resources found';
}

// `-o json|yaml|name`: objects printed as kubectl prints them. Keys are sorted (Go's encoders sort
// map keys), JSON is indented by four spaces, YAML does not indent sequences under their key,
// managedFields are left out, and a list is a `v1 List`, so the output diffs cleanly against
// `kubectl get -o …`.
import { stringify as toYaml } from 'yaml';
import { API_GROUP, API_VERSION } from '../api/resources.ts';
import type { Kind, OutputFormat } from './args.ts';
import type { Subject } from './format.ts';

/** The value with the keys of every object in code-point order. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, item]) => [key, sortKeys(item)]));
}

export function serialize(value: unknown, format: 'json' | 'yaml'): string {
  const sorted = sortKeys(value);
  return format === 'json' ? `${JSON.stringify(sorted, null, 4)}\n` : toYaml(sorted, { indentSeq: false, lineWidth: 0 });
}

/**
 * As printed: with apiVersion and kind (list items may come without), and without
 * metadata.managedFields, which kubectl hides too unless asked (--show-managed-fields).
 */
export function printable(kind: Kind, subject: Subject): Subject {
  const { managedFields: _hidden, ...metadata } = subject.metadata;
  return { apiVersion: API_VERSION, kind, ...subject, metadata } as Subject;
}

/** `kubectl get -o name`: `approvalrequest.approval.cp.ei.telekom.de/NAME`. */
export const objectName = (kind: Kind, subject: Subject) => `${kind.toLowerCase()}.${API_GROUP}/${subject.metadata.name}`;

/** One object in a machine format. */
export function formatObject(kind: Kind, subject: Subject, format: OutputFormat): string {
  if (format === 'name') return `${objectName(kind, subject)}\n`;
  return serialize(printable(kind, subject), format === 'yaml' ? 'yaml' : 'json');
}

/** Several objects in a machine format: names one per line, else a `v1 List`. */
export function formatObjects(kind: Kind, subjects: readonly Subject[], format: OutputFormat): string {
  if (format === 'name') return subjects.map((subject) => `${objectName(kind, subject)}\n`).join('');
  const list = { apiVersion: 'v1', kind: 'List', items: subjects.map((subject) => printable(kind, subject)), metadata: { resourceVersion: '' } };
  return serialize(list, format === 'yaml' ? 'yaml' : 'json');
}

// The manifest `preview -f` reads: a file or stdin (`-`), YAML or JSON, one or more documents
// (also a `List`). It keeps the ApprovalRequests to preview and the ApprovalPolicies that come
// with them (a sample file often defines both).
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { API_GROUP } from '../api/resources.ts';
import type { ApprovalPolicy, ApprovalRequest } from '../api/types.ts';

export interface Manifest {
  requests: ApprovalRequest[];
  policies: ApprovalPolicy[];
}

interface Document {
  apiVersion?: string;
  kind?: string;
  items?: unknown[];
}

export function readManifest(file: string, readStdin: () => string = () => readFileSync(0, 'utf8')): Manifest {
  let text: string;
  try {
    text = file === '-' ? readStdin() : readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file === '-' ? 'stdin' : file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return parseManifest(text, file);
}

export function parseManifest(text: string, file = 'the manifest'): Manifest {
  const documents: unknown[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${file} is not valid YAML: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    const list = value as Document;
    documents.push(...(list.kind === 'List' && Array.isArray(list.items) ? list.items : [value]));
  }
  const ours = (kind: string) => (doc: unknown): boolean => {
    const d = doc as Document;
    return d?.kind === kind && (d.apiVersion ?? '').startsWith(`${API_GROUP}/`);
  };
  const requests = documents.filter(ours('ApprovalRequest')) as ApprovalRequest[];
  if (requests.length === 0) throw new Error(`${file} contains no ApprovalRequest (apiVersion ${API_GROUP}/v1)`);
  for (const request of requests) {
    if (typeof request.spec !== 'object' || request.spec === null) throw new Error(`ApprovalRequest "${request.metadata?.name ?? ''}" in ${file} has no spec`);
    request.metadata ??= { name: '' };
  }
  return { requests, policies: documents.filter(ours('ApprovalPolicy')) as ApprovalPolicy[] };
}

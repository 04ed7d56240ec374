// Reads the CustomResourceDefinitions in config/crd — the single schema source. The TypeScript
// types (src/api/generated.ts, by hack/gen-api-types.ts) and the ajv validators (validation.ts)
// are both derived from these files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The subset of OpenAPI v3 (JSONSchemaProps) that CRD schemas use. */
export interface JsonSchemaProps {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  required?: string[];
  properties?: Record<string, JsonSchemaProps>;
  items?: JsonSchemaProps;
  additionalProperties?: boolean | JsonSchemaProps;
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: { rule: string; message?: string; messageExpression?: string; fieldPath?: string; reason?: string }[];
  [keyword: string]: unknown;
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  subresources?: { status?: Record<string, never> };
  additionalPrinterColumns?: { name: string; type: string; jsonPath: string; priority?: number; description?: string }[];
  schema: { openAPIV3Schema: JsonSchemaProps };
}

/** A CustomResourceDefinition document as written in config/crd (apiextensions.k8s.io/v1). */
export interface CrdDocument {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; listKind?: string; plural: string; singular?: string; shortNames?: string[]; categories?: string[] };
    scope: 'Namespaced' | 'Cluster';
    versions: CrdVersion[];
  };
}

/**
 * The config/crd folder. Found by walking up from this module, so it works from src/api/ (node
 * runs the .ts directly) and from dist/api/ (the build) alike — both are two levels below the root.
 */
export function crdDirectory(from: string = import.meta.dirname): string {
  for (let dir = from, i = 0; i < 6; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'config', 'crd');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`config/crd not found above ${from}`);
}

/** Every CustomResourceDefinition in config/crd/*.yaml, files in name order. */
export function loadCrds(directory: string = crdDirectory()): CrdDocument[] {
  const files = readdirSync(directory)
    .filter((file) => file.endsWith('.yaml') || file.endsWith('.yml'))
    .sort();
  const crds: CrdDocument[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(join(directory, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      const value = doc.toJS() as Partial<CrdDocument> | null;
      if (value?.kind === 'CustomResourceDefinition') crds.push(value as CrdDocument);
    }
  }
  return crds;
}

/** The CRD of one kind, e.g. crdFor(loadCrds(), 'approval.cp.ei.telekom.de', 'ApprovalRequest'). */
export function crdFor(crds: CrdDocument[], group: string, kind: string): CrdDocument {
  const crd = crds.find((c) => c.spec.group === group && c.spec.names.kind === kind);
  if (!crd) throw new Error(`no CustomResourceDefinition for ${kind}.${group} in config/crd`);
  return crd;
}

/** The schema of the storage version. */
export function storageSchema(crd: CrdDocument): JsonSchemaProps {
  const version = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
  if (!version) throw new Error(`${crd.metadata.name} has no versions`);
  return version.schema.openAPIV3Schema;
}

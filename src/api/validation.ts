// Validates manifests (samples, fixtures, the operator's own configuration) against the OpenAPI
// schemas in config/crd — the same files the API server enforces — with ajv.
//
// What the API server does and ajv does too: types, enums, required fields, patterns, formats,
// length and item limits, defaults (applied to a copy before `required` is checked, as the server
// defaults before it validates), unknown fields (reported like `kubectl apply`'s strict field
// validation) and duplicate keys in `x-kubernetes-list-type: map|set` lists.
// What only the API server does: the CEL rules in `x-kubernetes-validations` (cross-field rules
// such as "strategy MultiStage requires stages")
// are NOT evaluated here; ajv treats them as annotations.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { loadCrds, type CrdDocument, type JsonSchemaProps } from './crds.ts';

export { crdDirectory, loadCrds, type CrdDocument, type JsonSchemaProps } from './crds.ts';

export interface ValidationResult {
  valid: boolean;
  /** One line per problem, each naming the field path, e.g. `spec.requester.teamName: must have required property`. */
  errors: string[];
  /** A copy of the object with the CRD defaults applied (what the API server would store). */
  defaulted?: unknown;
}

// ajv-formats is CommonJS; under `module: nodenext` its default import is typed as the module
// object while at run time it is the plugin function itself.
const addFormats = addFormatsPlugin as unknown as typeof addFormatsPlugin.default;

/** Every object schema that does not preserve unknown fields gets additionalProperties: false. */
function strictCopy(schema: JsonSchemaProps): JsonSchemaProps {
  const copy: JsonSchemaProps = { ...schema };
  if (schema.properties) {
    copy.properties = Object.fromEntries(Object.entries(schema.properties).map(([name, sub]) => [name, strictCopy(sub)]));
    if (!schema['x-kubernetes-preserve-unknown-fields'] && schema.additionalProperties === undefined) copy.additionalProperties = false;
  }
  if (schema.items) copy.items = strictCopy(schema.items);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') copy.additionalProperties = strictCopy(schema.additionalProperties);
  return copy;
}

function listKeysValid(listType: unknown, data: unknown, parentSchema?: JsonSchemaProps): boolean {
  if (!Array.isArray(data) || (listType !== 'map' && listType !== 'set')) return true;
  const keys = parentSchema?.['x-kubernetes-list-map-keys'] ?? [];
  const seen = new Set<string>();
  for (const item of data) {
    const key =
      listType === 'map' && item && typeof item === 'object'
        ? JSON.stringify(keys.map((k) => (item as Record<string, unknown>)[k]))
        : JSON.stringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
  }
  return true;
}

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, useDefaults: true, strict: true });
  addFormats(ajv);
  // The Kubernetes extensions: known keywords, so strict mode stays on for everything else.
  ajv.addKeyword({ keyword: 'x-kubernetes-preserve-unknown-fields' });
  ajv.addKeyword({ keyword: 'x-kubernetes-list-map-keys' });
  ajv.addKeyword({ keyword: 'x-kubernetes-validations' }); // CEL: evaluated by the API server only
  ajv.addKeyword({ keyword: 'x-kubernetes-int-or-string' });
  ajv.addKeyword({ keyword: 'x-kubernetes-embedded-resource' });
  ajv.addKeyword({ keyword: 'x-kubernetes-map-type' });
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    type: 'array',
    schemaType: 'string',
    error: { message: 'must not contain duplicate entries (x-kubernetes-list-type)' },
    validate: (listType: unknown, data: unknown, parentSchema?: JsonSchemaProps) => listKeysValid(listType, data, parentSchema),
  });
  return ajv;
}

/**
 * The schemas of config/crd, compiled one kind at a time when first asked for: the operator's
 * webhooks only ever validate ApprovalRequests and Approvals, and a compiled validator is code
 * that stays in the heap.
 */
class LazyValidators {
  private readonly ajv = newAjv();
  private readonly schemas = new Map<string, JsonSchemaProps>();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(crds: CrdDocument[]) {
    for (const crd of crds) {
      for (const version of crd.spec.versions) {
        const schema = version.schema?.openAPIV3Schema;
        if (schema) this.schemas.set(`${crd.spec.group}/${version.name}:${crd.spec.names.kind}`, schema);
      }
    }
  }

  get(key: string): ValidateFunction | undefined {
    const known = this.compiled.get(key);
    if (known) return known;
    const schema = this.schemas.get(key);
    if (!schema) return undefined;
    const validate = this.ajv.compile(strictCopy(schema));
    this.compiled.set(key, validate);
    return validate;
  }
}

let cached: LazyValidators | undefined;

const fieldPath = (instancePath: string) =>
  instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment), '');

function describe(error: ErrorObject): string {
  const path = fieldPath(error.instancePath);
  const at = (field: string) => (path ? `${path}.${field}` : field);
  switch (error.keyword) {
    case 'required':
      return `${at(String(error.params.missingProperty))}: must have required property`;
    case 'additionalProperties':
      return `${at(String(error.params.additionalProperty))}: unknown field`;
    case 'enum':
      return `${path}: must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(error.data)})`;
    case 'pattern':
    case 'format':
      return `${path}: ${error.message ?? 'is invalid'} (got ${JSON.stringify(error.data)})`;
    default:
      return `${path || '(root)'}: ${error.message ?? error.keyword}`;
  }
}

/**
 * Validates one manifest of any kind in config/crd, choosing the schema by apiVersion and kind.
 * The input is not modified; `defaulted` is a copy with the CRD defaults applied.
 */
export function validateManifest(obj: unknown): ValidationResult {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return { valid: false, errors: ['(root): must be an object'] };
  const { apiVersion, kind } = obj as { apiVersion?: unknown; kind?: unknown };
  const validate = (cached ??= new LazyValidators(loadCrds())).get(`${String(apiVersion)}:${String(kind)}`);
  if (!validate) return { valid: false, errors: [`kind ${JSON.stringify(kind)} of apiVersion ${JSON.stringify(apiVersion)} has no CustomResourceDefinition in config/crd`] };
  const defaulted = structuredClone(obj);
  const errors: string[] = [];
  if (!validate(defaulted)) {
    const all = validate.errors ?? [];
    // A value of the wrong type also fails its format; report the type only.
    const wrongType = new Set(all.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
    errors.push(...all.filter((e) => e.keyword === 'type' || !wrongType.has(e.instancePath)).map(describe));
  }
  const metadata = (defaulted as { metadata?: { name?: unknown; generateName?: unknown } }).metadata;
  if (typeof metadata?.name !== 'string' && typeof metadata?.generateName !== 'string') errors.push('metadata.name: must have required property');
  return { valid: errors.length === 0, errors: [...new Set(errors)], defaulted };
}

// Generates src/api/generated.ts — the TypeScript types of the approval and notification kinds —
// from the CRDs in config/crd, the single schema source. Run after changing a CRD:
//
//   node hack/gen-api-types.ts
//
// test/unit/api/generated-types.test.ts regenerates in memory and fails when the checked-in file
// is stale. The CRD schemas use a small subset of OpenAPI v3 (object, array, string, integer,
// boolean, enum, required, x-kubernetes-preserve-unknown-fields), which maps directly onto
// TypeScript; a property is optional in TypeScript exactly when it is not `required` in the CRD.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCrds, storageSchema, type CrdDocument, type JsonSchemaProps } from '../src/api/crds.ts';
import { API_GROUP, NOTIFICATION_GROUP } from '../src/api/resources.ts';

export const generatedTypesPath = join(import.meta.dirname, '..', 'src', 'api', 'generated.ts');

/** The groups whose kinds are generated, in output order. */
const GROUPS = [API_GROUP, NOTIFICATION_GROUP];

/** The kinds in the order they appear in the output; other kinds of a group follow its listed ones. */
const KIND_ORDER = ['ApprovalRequest', 'Approval', 'ApprovalPolicy', 'Notification', 'NotificationChannel', 'NotificationTemplate'];

/**
 * Names of the object and enum types, by `<Kind>:<path>` or `*:<path>` (any kind). A path is the
 * dotted field path below the root, with `[]` for array items. `<Kind>Spec`, `<Kind>Status` and
 * `<Kind>State` (spec.state, status.lastState) are derived. A type without a name here gets
 * `<Parent><Field>` (objects) or an inline union (enums).
 */
const NAMES: Record<string, string> = {
  '*:spec.strategy': 'Strategy',
  '*:status.strategy': 'Strategy',
  '*:spec.requester': 'Requester',
  '*:spec.requester.applicationRef': 'ApplicationRef',
  '*:spec.decider': 'Decider',
  '*:spec.decider.applicationRef': 'ApplicationRef',
  '*:spec.target': 'ApplicationRef',
  '*:spec.decisions[]': 'DecisionEntry',
  '*:spec.decisions[].resultingState': 'DecisionState',
  '*:spec.approvedRequest': 'ObjectRef',
  '*:spec.stages[]': 'Stage',
  '*:spec.stages[].approvers': 'Approvers',
  '*:spec.stages[].evaluation': 'StageEvaluation',
  '*:spec.stages[].outcomeIfNoApprovers': 'StageOutcome',
  '*:spec.callback': 'Callback',
  '*:spec.callback.secretRef': 'SecretKeyRef',
  '*:spec.match': 'PolicyMatch',
  '*:spec.deciders': 'Approvers',
  '*:spec.reminders[]': 'Reminder',
  '*:status.availableTransitions[]': 'AvailableTransition',
  '*:status.conditions[]': 'ConditionEntry',
  '*:status.conditions[].status': 'ConditionStatus',
  '*:status.stages[]': 'StageStatus',
  '*:status.notificationRefs[]': 'ObjectRef',
  '*:status.approval': 'ObjectRef',
  'Notification:spec.sender': 'NotificationSender',
  'Notification:spec.sender.type': 'SenderType',
  'Notification:spec.channels[]': 'ChannelRef',
  'Notification:spec.fallbackEmail': 'FallbackEmail',
  'Notification:status.states{}': 'ChannelDeliveryState',
  'NotificationChannel:spec.email': 'EmailChannel',
  'NotificationChannel:spec.chat': 'ChatChannel',
  'NotificationChannel:spec.chat.format': 'ChatFormat',
  'NotificationChannel:spec.webhook': 'WebhookChannel',
  'NotificationChannel:spec.webhook.secretRef': 'WebhookSecretRef',
};

/** Doc comments for types used in several places (otherwise the first field's description is used). */
const TYPE_DOCS: Record<string, string> = {
  Strategy: 'The approval strategy (seed 003, plus MultiStage).',
  ApplicationRef: 'A reference to an application or another object (seed 003 ApplicationRef): target, requester/decider applicationRef.',
  ObjectRef: 'A reference to a namespaced object: spec.approvedRequest, status.approval, status.notificationRefs.',
  DecisionEntry: 'One decision (vote) in spec.decisions: who decided, and the state it resulted in.',
  DecisionState: 'Every state a decision can result in.',
  Approvers: 'Users, groups and teams (group <team-group-prefix><team>).',
  Stage: 'One stage of a MultiStage approval (seed 004).',
  ConditionEntry: 'A condition in status.conditions (metav1.Condition): Approved, Processing, Ready.',
  ConditionStatus: 'The status of a condition.',
  ApprovalRequestState: 'The states of an ApprovalRequest (seed 003, plus Expired).',
  ApprovalState: 'The states of an Approval (seed 003, plus Expired).',
  AvailableTransition: 'A transition allowed from the current state.',
  StageStatus: 'The progress of one stage.',
  PolicyMatch: 'Which requests a policy applies to.',
  Reminder: 'A reminder before an Approval expires.',
  ChannelRef: 'A reference to a NotificationChannel in Notification spec.channels.',
  ChannelDeliveryState: 'The delivery state of one channel of a Notification (status.states[<channel key>]).',
};

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
const quote = (value: unknown) => `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const propertyKey = (name: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quote(name));

function docComment(indent: string, lines: string[]): string {
  const text = lines.flatMap((line) => line.split('\n')).map((line) => line.replace(/\*\//g, '*\\/').trimEnd());
  if (text.length === 0) return '';
  if (text.length === 1) return `${indent}/** ${text[0]} */\n`;
  return `${indent}/**\n${text.map((line) => (line ? `${indent} * ${line}` : `${indent} *`)).join('\n')}\n${indent} */\n`;
}

interface Declaration {
  name: string;
  doc: string | undefined;
  /** The declaration without its doc comment, for the equality check. */
  code: string | undefined;
  firstPath: string;
}

class Generator {
  private readonly declarations = new Map<string, Declaration>();

  kind(crd: CrdDocument): void {
    const kind = crd.spec.names.kind;
    const schema = storageSchema(crd);
    const extra = Object.keys(schema.properties ?? {}).filter((p) => !['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(p));
    if (extra.length > 0) throw new Error(`${kind}: unexpected top-level fields ${extra.join(', ')}`);
    this.define(kind, kind, schema.description, () => {
      const required = new Set(schema.required ?? []);
      const lines = ['  apiVersion?: string;', '  kind?: string;', '  metadata: ObjectMeta;'];
      for (const field of ['spec', 'status']) {
        const fieldSchema = schema.properties?.[field];
        if (!fieldSchema) continue;
        const type = this.type(fieldSchema, kind, field, `${kind}${pascal(field)}`);
        lines.push(`  ${field}${required.has(field) ? '' : '?'}: ${type};`);
      }
      return `export interface ${kind} {\n${lines.join('\n')}\n}\n`;
    });
  }

  private nameFor(kind: string, path: string): string | undefined {
    if (path === 'spec.state' || path === 'status.lastState') return `${kind}State`;
    return NAMES[`${kind}:${path}`] ?? NAMES[`*:${path}`];
  }

  /** The TypeScript type of a schema; declares named types on the way. */
  private type(schema: JsonSchemaProps, kind: string, path: string, fallbackName: string): string {
    if (schema.enum) {
      const union = schema.enum.map(quote).join(' | ');
      const name = this.nameFor(kind, path);
      if (!name) return union;
      this.define(name, `${kind}:${path}`, schema.description, () => `export type ${name} = ${union};\n`);
      return name;
    }
    switch (schema.type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'array': {
        if (!schema.items) return 'unknown[]';
        const item = this.type(schema.items, kind, `${path}[]`, `${fallbackName}Item`);
        return item.includes(' ') ? `(${item})[]` : `${item}[]`;
      }
      case 'object':
      case undefined: {
        if (!schema.properties) {
          if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
            return `Record<string, ${this.type(schema.additionalProperties, kind, `${path}{}`, `${fallbackName}Value`)}>`;
          }
          return 'Record<string, unknown>';
        }
        const name = this.nameFor(kind, path) ?? fallbackName;
        this.define(name, `${kind}:${path}`, schema.description, () => this.interfaceCode(name, schema, kind, path));
        return name;
      }
      default:
        throw new Error(`${kind}:${path}: unsupported schema type ${String(schema.type)}`);
    }
  }

  private interfaceCode(name: string, schema: JsonSchemaProps, kind: string, path: string): string {
    const required = new Set(schema.required ?? []);
    const members = Object.entries(schema.properties ?? {}).map(([field, fieldSchema]) => {
      const type = this.type(fieldSchema, kind, `${path}.${field}`, `${name}${pascal(field)}`);
      const doc: string[] = [];
      if (fieldSchema.description) doc.push(fieldSchema.description);
      if (fieldSchema.default !== undefined) doc.push(`@default ${JSON.stringify(fieldSchema.default)}`);
      return `${docComment('  ', doc)}  ${propertyKey(field)}${required.has(field) ? '' : '?'}: ${type};`;
    });
    if (schema['x-kubernetes-preserve-unknown-fields']) members.push('  [field: string]: unknown;');
    return `export interface ${name} {\n${members.join('\n')}\n}\n`;
  }

  /**
   * Declares a named type once (in order of first use, parents before their fields). A name used
   * at several paths must have the same shape everywhere.
   */
  private define(name: string, at: string, description: string | undefined, code: () => string): void {
    const existing = this.declarations.get(name);
    if (!existing) {
      const declaration: Declaration = { name, doc: TYPE_DOCS[name] ?? description, code: undefined, firstPath: at };
      this.declarations.set(name, declaration); // reserve the place before the fields are declared
      declaration.code = code();
      return;
    }
    const again = code();
    if (existing.code !== undefined && existing.code !== again) {
      throw new Error(`type ${name} has different shapes at ${existing.firstPath} and ${at}; give one of them another name in NAMES`);
    }
  }

  output(): string {
    const parts = [...this.declarations.values()].map((d) => `${docComment('', d.doc ? [d.doc] : [])}${d.code ?? ''}`);
    return [
      '// Code generated by hack/gen-api-types.ts from config/crd. DO NOT EDIT.',
      '// Change the CRD, then regenerate: node hack/gen-api-types.ts',
      '',
      "import type { ObjectMeta } from '../runtime/resource.ts';",
      '',
      parts.join('\n'),
    ].join('\n');
  }
}

/** The contents of src/api/generated.ts for the approval and notification kinds among `crds`. */
export function generateApiTypes(crds: CrdDocument[] = loadCrds()): string {
  const ours = crds.filter((crd) => GROUPS.includes(crd.spec.group));
  const rank = (crd: CrdDocument) => {
    const i = KIND_ORDER.indexOf(crd.spec.names.kind);
    return i < 0 ? KIND_ORDER.length : i;
  };
  ours.sort(
    (a, b) =>
      GROUPS.indexOf(a.spec.group) - GROUPS.indexOf(b.spec.group) || rank(a) - rank(b) || a.spec.names.kind.localeCompare(b.spec.names.kind),
  );
  const generator = new Generator();
  for (const crd of ours) generator.kind(crd);
  return generator.output();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(generatedTypesPath, generateApiTypes());
  console.log(`wrote ${generatedTypesPath}`);
}

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { crdDirectory, crdFor, loadCrds, storageSchema, type CrdDocument, type JsonSchemaProps } from '../../../src/api/crds.ts';
import { API_GROUP, API_VERSION, approvalPolicyResource, approvalRequestResource, approvalResource } from '../../../src/api/resources.ts';

const crds = loadCrds();
const request = crdFor(crds, API_GROUP, 'ApprovalRequest');
const approval = crdFor(crds, API_GROUP, 'Approval');
const policy = crdFor(crds, API_GROUP, 'ApprovalPolicy');

/** The schema at a dotted path below the root; `[]` steps into array items. */
function at(crd: CrdDocument, path: string): JsonSchemaProps {
  let schema = storageSchema(crd);
  for (const step of path.split('.')) {
    const field = step.replace(/\[\]$/, '');
    const next = schema.properties?.[field];
    assert.ok(next, `${crd.spec.names.kind}: no field ${path}`);
    schema = step.endsWith('[]') ? (next.items ?? assert.fail(`${path} is not an array`)) : next;
  }
  return schema;
}

const rules = (schema: JsonSchemaProps) => (schema['x-kubernetes-validations'] ?? []).map((r) => r.message);
const columns = (crd: CrdDocument) => crd.spec.versions[0]?.additionalPrinterColumns?.map((c) => `${c.name}=${c.jsonPath}`);

describe('config/crd', () => {
  it('has the three approval kinds, v1 served and stored, in the approval group', () => {
    assert.equal(API_VERSION, `${API_GROUP}/v1`);
    for (const [crd, resource] of [
      [request, approvalRequestResource],
      [approval, approvalResource],
      [policy, approvalPolicyResource],
    ] as const) {
      assert.equal(crd.apiVersion, 'apiextensions.k8s.io/v1');
      assert.equal(crd.metadata.name, `${resource.plural}.${API_GROUP}`);
      assert.equal(crd.spec.group, resource.group);
      assert.equal(crd.spec.names.plural, resource.plural);
      assert.equal(crd.spec.names.kind, resource.kind);
      assert.equal(crd.spec.scope, resource.namespaced ? 'Namespaced' : 'Cluster');
      assert.deepEqual(crd.spec.names.categories, ['approval-operator']);
      assert.equal(crd.spec.versions.length, 1);
      const [v1] = crd.spec.versions;
      assert.deepEqual({ name: v1?.name, served: v1?.served, storage: v1?.storage }, { name: resource.version, served: true, storage: true });
      assert.deepEqual(v1?.subresources, { status: {} });
      assert.deepEqual(storageSchema(crd).required, ['spec']);
    }
    assert.deepEqual(request.spec.names.shortNames, ['ar']);
    assert.deepEqual(approval.spec.names.shortNames, ['apv']);
    assert.deepEqual(policy.spec.names.shortNames, ['apol']);
  });

  it('has the printer columns', () => {
    const base = ['State=.spec.state', 'Strategy=.spec.strategy', 'Requester=.spec.requester.teamName', 'Decider=.spec.decider.teamName'];
    assert.deepEqual(columns(request), [...base, 'Age=.metadata.creationTimestamp']);
    assert.deepEqual(columns(approval), [...base, 'ExpiresAt=.status.expiresAt', 'Age=.metadata.creationTimestamp']);
    assert.deepEqual(columns(policy), ['Strategy=.spec.strategy', 'Order=.spec.order', 'Enabled=.spec.enabled', 'Age=.metadata.creationTimestamp']);
  });

  it('has the seed-003 enums, defaults and required fields (plus our additions)', () => {
    for (const crd of [request, approval]) {
      // Seed 003 marks action, strategy, state and decisions required *with defaults*; the API server
      // fills them, so only the fields without a default are listed (kubectl's client-side check).
      assert.deepEqual(at(crd, 'spec').required, ['requester', 'target']);
      for (const field of ['action', 'strategy', 'state', 'decisions']) assert.notEqual(at(crd, `spec.${field}`).default, undefined, field);
      assert.equal(at(crd, 'spec.action').default, 'unknown');
      assert.deepEqual(at(crd, 'spec.strategy').enum, ['Auto', 'Simple', 'FourEyes', 'MultiStage']);
      assert.equal(at(crd, 'spec.strategy').default, 'Auto');
      assert.equal(at(crd, 'spec.state').default, 'Pending');
      assert.deepEqual(at(crd, 'spec.decisions').default, []);
      assert.deepEqual(at(crd, 'spec.requester').required, ['teamName', 'teamEmail', 'reason']);
      assert.equal(at(crd, 'spec.requester.properties')['x-kubernetes-preserve-unknown-fields'], true);
      assert.deepEqual(at(crd, 'spec.target').required, ['name', 'namespace']);
      assert.deepEqual(at(crd, 'spec.decisions[]').required, ['name', 'resultingState']);
      assert.deepEqual(at(crd, 'spec.decisions[].resultingState').enum, ['Pending', 'Semigranted', 'Granted', 'Rejected', 'Suspended', 'Expired']);
      assert.equal(at(crd, 'spec.decisions[].timestamp').format, 'date-time');
      assert.deepEqual(at(crd, 'status.conditions')['x-kubernetes-list-map-keys'], ['type']);
      assert.equal(at(crd, 'status.conditions')['x-kubernetes-list-type'], 'map');
      assert.deepEqual(at(crd, 'status.notificationRefs')['x-kubernetes-list-map-keys'], ['namespace', 'name']);
      assert.deepEqual(at(crd, 'status.notificationRefs[]').required, ['name', 'namespace']);
      assert.equal(at(crd, 'status.observedGeneration').format, 'int64');
      assert.equal(at(crd, 'status.expiresAt').format, 'date-time');
    }
    assert.deepEqual(at(request, 'spec.state').enum, ['Pending', 'Semigranted', 'Granted', 'Rejected', 'Expired']);
    assert.deepEqual(at(approval, 'spec.state').enum, ['Pending', 'Semigranted', 'Granted', 'Rejected', 'Suspended', 'Expired']);
    assert.deepEqual(at(request, 'status.lastState').enum, at(request, 'spec.state').enum);
    assert.deepEqual(at(approval, 'status.lastState').enum, at(approval, 'spec.state').enum);
    assert.equal(at(request, 'status.approval').required?.length, 2, 'status.approval is optional, its name and namespace are not');
    assert.equal(at(request, 'status').required, undefined, 'the controller writes status later: nothing in it is required');
    assert.deepEqual(at(approval, 'spec.approvedRequest').required, ['name', 'namespace']);
    assert.equal(at(approval, 'status.remindersSent[]').type, 'string');
    assert.deepEqual(at(request, 'spec.stages[].evaluation').enum, ['FirstDecides', 'AllMustApprove', 'Quorum']);
    assert.equal(at(request, 'spec.stages[].outcomeIfNoApprovers').default, 'Reject');
    assert.equal(at(request, 'spec.stages[].required').minimum, 1);
    assert.deepEqual(at(request, 'spec.callback').required, ['url']);
    assert.equal(at(request, 'spec.callback.url').format, 'uri');
  });

  it('has the ApprovalPolicy spec of the design (docs/api.md)', () => {
    assert.deepEqual(Object.keys(at(policy, 'spec').properties ?? {}), [
      'enabled', 'description', 'order', 'match', 'strategy', 'stages', 'trustedTeams', 'deciders', 'timeout', 'grantValidity', 'reminders', 'retention',
    ]);
    assert.deepEqual(at(policy, 'spec.retention').required, ['settledRequests'], 'retention of settled requests is opt-in, with a duration');
    assert.equal(at(policy, 'spec.retention.settledRequests').pattern, at(policy, 'spec.timeout').pattern, 'a Go duration like the others');
    assert.equal(at(policy, 'spec.retention.includeGitOpsManaged').default, false);
    assert.equal(at(policy, 'spec.enabled').default, true);
    assert.equal(at(policy, 'spec.order').default, 0);
    assert.deepEqual(Object.keys(at(policy, 'spec.match').properties ?? {}), ['namespaces', 'actions', 'targetKinds', 'deciderTeams']);
    assert.deepEqual(at(policy, 'spec.reminders[]').required, ['before']);
    assert.deepEqual(at(policy, 'spec.stages'), at(request, 'spec.stages'), 'one stage shape for requests and policies');
    assert.deepEqual(Object.keys(at(policy, 'status').properties ?? {}), ['conditions', 'observedGeneration']);
  });

  // Who may change what needs the writer's identity, which CEL cannot see: the admission webhook
  // enforces the field-ownership table and names the user; CEL keeps the object's own consistency.
  it('puts the identity-free cross-field rules at spec level (CEL, enforced by the API server)', () => {
    assert.deepEqual(rules(at(request, 'spec')), [
      'strategy MultiStage requires at least one entry in stages',
      'stages are only allowed with strategy MultiStage',
    ]);
    assert.deepEqual(rules(at(policy, 'spec')), rules(at(request, 'spec')).slice(0, 2));
    assert.deepEqual(rules(at(approval, 'spec')), [], 'Approvals are rewritten by newer granted requests');
    assert.deepEqual(rules(at(request, 'spec.stages')), ['stage names must be unique']);
    assert.equal(rules(at(request, 'spec.stages[]')).length, 2);
  });

  it('bounds every string and list the CEL rules of ApprovalRequest.spec compare (cost limits)', () => {
    const unbounded: string[] = [];
    const walk = (schema: JsonSchemaProps, path: string) => {
      if (schema.type === 'string' && schema.maxLength === undefined && !schema.enum) unbounded.push(path);
      if (schema.type === 'array' && schema.maxItems === undefined) unbounded.push(path);
      for (const [name, sub] of Object.entries(schema.properties ?? {})) walk(sub, `${path}.${name}`);
      if (schema.items) walk(schema.items, `${path}[]`);
    };
    walk(at(request, 'spec'), 'spec');
    assert.deepEqual(unbounded, []);
  });

  it('accepts Go durations and rejects anything else in duration fields', () => {
    for (const path of ['spec.timeout']) {
      const pattern = new RegExp(at(request, path).pattern ?? assert.fail('no pattern'), 'u');
      for (const good of ['72h', '30m', '2s', '1h30m', '500ms', '1.5h', '10us', '10µs', '100ns', '8760h']) assert.ok(pattern.test(good), good);
      for (const bad of ['3 days', '1d', '', 'h', '-1h', '72', '1h 30m', ' 1h', '1y']) assert.ok(!pattern.test(bad), JSON.stringify(bad));
    }
    for (const path of ['spec.timeout', 'spec.grantValidity', 'spec.reminders[].before', 'spec.reminders[].repeat']) {
      assert.equal(at(policy, path).pattern, at(request, 'spec.timeout').pattern, path);
    }
  });

  it('finds config/crd from src/api and from dist/api alike', () => {
    const root = mkdtempSync(join(tmpdir(), 'crd-dir-'));
    try {
      mkdirSync(join(root, 'dist', 'api'), { recursive: true });
      mkdirSync(join(root, 'config'));
      symlinkSync(crdDirectory(), join(root, 'config', 'crd'));
      assert.equal(crdDirectory(join(root, 'dist', 'api')), join(root, 'config', 'crd'));
      assert.equal(loadCrds(crdDirectory(join(root, 'dist', 'api'))).length, crds.length);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

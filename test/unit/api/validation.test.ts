import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_VERSION } from '../../../src/api/resources.ts';
import type { Approval, ApprovalPolicy, ApprovalRequest } from '../../../src/api/types.ts';
import { validateManifest } from '../../../src/api/validation.ts';

/** A manifest written against seed 003: strategy, state and decisions in spec, none of our additions. */
const seedRequest = (): ApprovalRequest => ({
  apiVersion: API_VERSION,
  kind: 'ApprovalRequest',
  metadata: { name: 'apisubscription--orders', namespace: 'team-a' },
  spec: {
    action: 'subscribe',
    strategy: 'FourEyes',
    state: 'Pending',
    requester: {
      teamName: 'team-a',
      teamEmail: 'team-a@example.com',
      reason: 'We need the **orders** API',
      applicationRef: { name: 'app-a', namespace: 'team-a' },
      properties: { basePath: '/orders/v1', scopes: ['read'] },
    },
    decider: { teamName: 'orders', teamEmail: 'orders@example.com' },
    target: { apiVersion: 'api.cp.ei.telekom.de/v1', kind: 'ApiSubscription', name: 'orders', namespace: 'team-a' },
    decisions: [],
  },
});

const seedApproval = (): Approval => ({
  apiVersion: API_VERSION,
  kind: 'Approval',
  metadata: { name: 'apisubscription--orders', namespace: 'team-a' },
  spec: {
    action: 'subscribe',
    strategy: 'Simple',
    state: 'Granted',
    requester: { teamName: 'team-a', teamEmail: 'team-a@example.com', reason: 'We need the orders API' },
    decider: { teamName: 'orders' },
    target: { kind: 'ApiSubscription', name: 'orders', namespace: 'team-a' },
    approvedRequest: { name: 'apisubscription--orders', namespace: 'team-a' },
    decisions: [{ name: 'alice', email: 'alice@example.com', comment: 'ok', timestamp: '2024-05-01T10:00:00Z', resultingState: 'Granted' }],
  },
  status: { lastState: 'Granted', expiresAt: '2025-05-01T10:00:00Z', remindersSent: ['720h'] },
});

/** A copy of `obj` with `patch` applied to its spec (`undefined` deletes a field). */
function withSpec<T extends { spec: object }>(obj: T, patch: Record<string, unknown>): T {
  const copy = structuredClone(obj);
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete (copy.spec as Record<string, unknown>)[key];
    else (copy.spec as Record<string, unknown>)[key] = value;
  }
  return copy;
}

function assertRejected(obj: unknown, expected: RegExp) {
  const result = validateManifest(obj);
  assert.equal(result.valid, false, 'expected the manifest to be rejected');
  assert.ok(result.errors.some((e) => expected.test(e)), `expected an error matching ${expected}, got ${JSON.stringify(result.errors)}`);
}

describe('validateManifest', () => {
  it('accepts seed-003 manifests of both kinds', () => {
    assert.deepEqual(validateManifest(seedRequest()), { valid: true, errors: [], defaulted: seedRequest() });
    assert.equal(validateManifest(seedApproval()).valid, true);
  });

  it('applies the CRD defaults to a copy, so manifests may omit action, strategy, state and decisions', () => {
    const bare = withSpec(seedRequest(), { action: undefined, strategy: undefined, state: undefined, decisions: undefined });
    const input = structuredClone(bare);
    const result = validateManifest(bare);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(bare, input, 'the input is not modified');
    const spec = (result.defaulted as ApprovalRequest).spec;
    assert.deepEqual([spec.action, spec.strategy, spec.state, spec.decisions], ['unknown', 'Auto', 'Pending', []]);
  });

  it('accepts our additions: stages, timeout, callback and the status fields', () => {
    const request = withSpec(seedRequest(), {
      strategy: 'MultiStage',
      timeout: '1h30m',
      callback: { url: 'https://example.com/callback', secretRef: { name: 'callback', key: 'hmac' } },
      stages: [
        { name: 'line-managers', approvers: { users: ['m1', 'm2'] }, evaluation: 'AllMustApprove' },
        { name: 'security', approvers: { teams: ['security'] }, evaluation: 'FirstDecides' },
        { name: 'role', approvers: { groups: ['role-approvers'] }, evaluation: 'Quorum', required: 2, outcomeIfNoApprovers: 'Reject' },
      ],
    });
    request.status = {
      lastState: 'Semigranted',
      observedGeneration: 3,
      strategy: 'MultiStage',
      policyRef: 'orders',
      availableTransitions: [{ action: 'Deny', to: 'Rejected' }],
      conditions: [{ type: 'Approved', status: 'False', reason: 'Semigranted', message: '1 of 3 stages done', lastTransitionTime: '2024-05-01T10:00:00Z', observedGeneration: 3 }],
      stages: [{ name: 'line-managers', state: 'Approved', approvals: 2, rejections: 0, required: 2 }],
      expiresAt: '2024-05-01T11:30:00Z',
      notificationRefs: [{ name: 'n1', namespace: 'team-a', uid: 'u1' }],
      approval: { name: 'apisubscription--orders', namespace: 'team-a' },
    };
    assert.deepEqual(validateManifest(request).errors, []);
  });

  it('accepts the ApprovalPolicy of the design (docs/api.md) and defaults enabled and order', () => {
    const policy: ApprovalPolicy = {
      apiVersion: API_VERSION,
      kind: 'ApprovalPolicy',
      metadata: { name: 'orders-four-eyes' },
      spec: {
        description: 'Orders needs two people',
        order: 10,
        match: { namespaces: ['team-a'], actions: ['subscribe'], targetKinds: ['ApiSubscription'], deciderTeams: ['orders'] },
        strategy: 'FourEyes',
        stages: [],
        trustedTeams: ['platform'],
        deciders: { users: [], groups: [], teams: [] },
        timeout: '72h',
        grantValidity: '8760h',
        reminders: [{ before: '720h', repeat: '168h' }],
      },
    };
    assert.deepEqual(validateManifest(policy).errors, []);
    const bare = validateManifest({ apiVersion: API_VERSION, kind: 'ApprovalPolicy', metadata: { name: 'p' }, spec: {} });
    assert.deepEqual((bare.defaulted as ApprovalPolicy).spec, { enabled: true, order: 0 });
  });

  it('rejects a missing requester.teamName, naming the field', () => {
    const request = seedRequest();
    delete (request.spec.requester as Partial<typeof request.spec.requester>).teamName;
    assertRejected(request, /^spec\.requester\.teamName: must have required property$/);
  });

  it('rejects an unknown strategy, naming the field and the allowed values', () => {
    assertRejected(withSpec(seedRequest(), { strategy: 'Sometimes' }), /^spec\.strategy: must be one of "Auto", "Simple", "FourEyes", "MultiStage" \(got "Sometimes"\)$/);
    assertRejected(withSpec(seedApproval(), { strategy: 'Sometimes' }), /^spec\.strategy: must be one of/);
  });

  it('rejects a bad timeout, naming the field; accepts Go durations', () => {
    assertRejected(withSpec(seedRequest(), { timeout: '3 days' }), /^spec\.timeout: must match pattern .* \(got "3 days"\)$/);
    for (const timeout of ['72h', '30m', '2s', '1h30m', '500ms']) assert.deepEqual(validateManifest(withSpec(seedRequest(), { timeout })).errors, [], timeout);
  });

  it('rejects other schema violations with the field path', () => {
    assertRejected(withSpec(seedRequest(), { state: 'Suspended' }), /^spec\.state: must be one of/);
    assertRejected(withSpec(seedRequest(), { decisions: [{ resultingState: 'Granted' }] }), /^spec\.decisions\[0\]\.name: must have required property$/);
    assertRejected(withSpec(seedRequest(), { decisions: [{ name: 'a', resultingState: 'Granted', timestamp: 'yesterday' }] }), /^spec\.decisions\[0\]\.timestamp: must match format "date-time"/);
    assertRejected(withSpec(seedRequest(), { target: { name: 'x' } }), /^spec\.target\.namespace: must have required property$/);
    assertRejected(withSpec(seedRequest(), { callback: { url: 'ftp://x' } }), /^spec\.callback\.url: must match pattern/);
    assertRejected(withSpec(seedRequest(), { stages: [{ name: 'a', required: 0 }] }), /^spec\.stages\[0\]\.required: must be >= 1$/);
    assertRejected(withSpec(seedRequest(), { spelling: 'x' }), /^spec\.spelling: unknown field$/);
    assertRejected({ ...seedRequest(), spec: undefined }, /^spec: must have required property$/);
    assertRejected({ ...seedRequest(), metadata: {} }, /^metadata\.name: must have required property$/);
  });

  it('keeps free-form requester.properties free', () => {
    const request = seedRequest();
    request.spec.requester.properties = { nested: { anything: [1, 'two', { three: true }] } };
    assert.deepEqual(validateManifest(request).errors, []);
  });

  it('rejects duplicate keys in list-map lists (conditions by type, notificationRefs by namespace+name)', () => {
    const condition = { type: 'Ready', status: 'True' as const, reason: 'Granted', message: '', lastTransitionTime: '2024-05-01T10:00:00Z' };
    const approval = seedApproval();
    approval.status = { conditions: [condition, { ...condition, status: 'False' }] };
    assertRejected(approval, /^status\.conditions: must not contain duplicate entries/);
    approval.status = { notificationRefs: [{ name: 'n', namespace: 'a' }, { name: 'n', namespace: 'b' }] };
    assert.equal(validateManifest(approval).valid, true);
    approval.status = { notificationRefs: [{ name: 'n', namespace: 'a' }, { name: 'n', namespace: 'a', uid: 'x' }] };
    assertRejected(approval, /^status\.notificationRefs: must not contain duplicate entries/);
  });

  it('refuses kinds it has no CRD for, and non-objects', () => {
    assertRejected({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, /has no CustomResourceDefinition/);
    assertRejected({ ...seedRequest(), apiVersion: 'approval.cp.ei.telekom.de/v2' }, /has no CustomResourceDefinition/);
    assertRejected('nope', /must be an object/);
  });
});

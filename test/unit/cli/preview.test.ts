// `kubectl approval preview` without a cluster: the policy choice, strategy, stages, outcome,
// timeout and deciders it reports, from the same evaluation code the operator runs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApprovalPolicy } from '../../../src/api/types.ts';
import { parseManifest } from '../../../src/cli/manifest.ts';
import { buildPreview, formatPreview, type PolicySource } from '../../../src/cli/preview.ts';
import { request } from './fixtures.ts';

const policy = (name: string, spec: ApprovalPolicy['spec']): ApprovalPolicy => ({ apiVersion: 'approval.cp.ei.telekom.de/v1', kind: 'ApprovalPolicy', metadata: { name }, spec });
const readable = (...policies: ApprovalPolicy[]): PolicySource => ({ cluster: { readable: true, policies }, file: [] });

const threeStages = policy('role-assignments', {
  order: 10,
  description: 'Line manager, security and every role approver.',
  match: { actions: ['subscribe'] },
  strategy: 'MultiStage',
  timeout: '72h',
  grantValidity: '8760h',
  deciders: { users: ['dana'], teams: ['sec'] },
  stages: [
    { name: 'line-managers', evaluation: 'AllMustApprove', approvers: { users: ['lechuck'] } },
    { name: 'security', evaluation: 'FirstDecides', approvers: { groups: ['security-approvers'] } },
    { name: 'role-approvers', approvers: { users: ['chef', 'cheese'] } },
  ],
});

describe('buildPreview', () => {
  it('without a matching policy shows the request\'s own strategy and the decider team', () => {
    const preview = buildPreview(request('orders-read'), 'shop', readable(policy('other', { match: { actions: ['assign'] }, strategy: 'FourEyes' })));
    assert.equal(preview.policy, undefined);
    assert.equal(preview.strategy, 'Simple');
    assert.deepEqual(preview.outcome, { state: 'Pending', text: 'waits for votes (Pending)' });
    assert.deepEqual(preview.stages, [{ order: 1, name: 'Simple', evaluation: 'Quorum', required: 1, ifNoApprovers: 'Reject', approvers: [] }]);
    assert.deepEqual(preview.deciders, [
      'members of group "team:orders" (the decider team)',
      'anyone with the RBAC verb "decide" on approvalrequests in namespace shop',
      'never the person who files it (no self-approval)',
    ]);
    assert.equal(preview.timeout, undefined);
    assert.equal(preview.needsAutoapprove, undefined);
  });

  it('applies the lowest-ordered matching policy: its stages in order (seed 004), timeout, validity and deciders', () => {
    const preview = buildPreview(request('orders-read'), 'shop', readable(threeStages, policy('later', { order: 20, strategy: 'FourEyes' })));
    assert.deepEqual(preview.policy, { name: 'role-assignments', order: 10, description: 'Line manager, security and every role approver.', fromFile: false });
    assert.equal(preview.strategy, 'MultiStage');
    assert.equal(preview.requestedStrategy, 'Simple');
    assert.deepEqual(preview.stages.map((s) => [s.order, s.name, s.evaluation, s.required, s.approvers.join(', ')]), [
      [1, 'line-managers', 'AllMustApprove', 1, 'lechuck'],
      [2, 'security', 'FirstDecides', 1, 'group security-approvers'],
      [3, 'role-approvers', 'AllMustApprove', 2, 'chef, cheese'],
    ]);
    assert.deepEqual(preview.timeout, { value: '72h', from: 'policy' });
    assert.deepEqual(preview.grantValidity, { value: '8760h', from: 'policy' });
    assert.ok(preview.deciders.includes('dana, team sec (group "team:sec") (listed by policy role-assignments)'));
    assert.ok(preview.deciders.includes('the approvers of each stage, in their stage'));
  });

  it('prefers the request\'s own timeout', () => {
    const preview = buildPreview(request('r', { spec: { timeout: '1h' } }), 'shop', readable(threeStages));
    assert.deepEqual(preview.timeout, { value: '1h', from: 'request' });
  });

  it('says a trusted team and Auto are granted at once, which needs autoapprove', () => {
    const trusting = policy('trusting', { strategy: 'FourEyes', trustedTeams: ['SHOP'] });
    const trusted = buildPreview(request('r'), 'shop', readable(trusting));
    assert.equal(trusted.outcome.state, 'Granted');
    assert.match(trusted.outcome.text, /^granted at once: team shop is trusted by policy trusting/);
    assert.equal(trusted.needsAutoapprove, 'the requester team is trusted by policy "trusting"');
    const auto = buildPreview(request('r', { spec: { strategy: 'Auto' } }), 'shop', readable());
    assert.match(auto.outcome.text, /^granted at once: strategy Auto/);
    assert.equal(auto.needsAutoapprove, 'strategy Auto');
    assert.deepEqual(auto.stages, []);
  });

  it('says a stage without approvers rejects (or approves) before anyone votes', () => {
    const groupsOnly = policy('groups-only', { strategy: 'MultiStage', stages: [{ name: 'all-of-a-group', evaluation: 'AllMustApprove', approvers: { groups: ['ops'] } }] });
    const rejected = buildPreview(request('r'), 'shop', readable(groupsOnly));
    assert.equal(rejected.outcome.state, 'Rejected');
    assert.match(rejected.outcome.text, /^rejected at once: /);
    assert.deepEqual(rejected.stages.map((s) => [s.required, s.ifNoApprovers]), [[0, 'Reject']]);
    const approving = policy('approving', { strategy: 'MultiStage', stages: [{ name: 'nobody', evaluation: 'AllMustApprove', outcomeIfNoApprovers: 'Approve' }] });
    const granted = buildPreview(request('r'), 'shop', readable(approving));
    assert.equal(granted.outcome.state, 'Granted');
    assert.equal(granted.needsAutoapprove, 'its stages approve themselves (outcomeIfNoApprovers: Approve)');
  });

  it('uses the file\'s policies, over cluster policies of the same name, even when the cluster\'s cannot be read', () => {
    const inFile = policy('role-assignments', { strategy: 'FourEyes' });
    const both = buildPreview(request('r'), 'shop', { cluster: { readable: true, policies: [threeStages] }, file: [inFile] });
    assert.deepEqual([both.policy?.name, both.policy?.fromFile, both.strategy], ['role-assignments', true, 'FourEyes']);
    const hidden = buildPreview(request('r'), 'shop', { cluster: { readable: false, reason: 'you may not list approvalpolicies (Forbidden)' }, file: [inFile] });
    assert.equal(hidden.policiesRead, false);
    assert.equal(hidden.strategy, 'FourEyes');
  });
});

describe('formatPreview', () => {
  it('lays the preview out like describe, with the schema as a table', () => {
    const text = formatPreview(buildPreview(request('orders-read'), 'shop', readable(threeStages)));
    assert.equal(text, [
      'Request:          shop/orders-read (not created)',
      'Action:           subscribe',
      'Target:           ApiSubscription default/shop-frontend--orders-read',
      'Requester team:   shop',
      'Decider team:     orders',
      'Policy:           role-assignments (order 10): Line manager, security and every role approver.',
      'Strategy:         MultiStage (from policy role-assignments; the request asks for Simple)',
      'Outcome:          waits for votes (Pending)',
      'Timeout:          72h (from the policy)',
      'Grant validity:   8760h (from the policy)',
      'Stages:',
      '  ORDER   NAME             EVALUATION       REQUIRED   IF NO APPROVERS   APPROVERS',
      '  1       line-managers    AllMustApprove   1          Reject            lechuck',
      '  2       security         FirstDecides     1          Reject            group security-approvers',
      '  3       role-approvers   AllMustApprove   2          Reject            chef, cheese',
      'Who may decide:',
      '  - members of group "team:orders" (the decider team)',
      '  - dana, team sec (group "team:sec") (listed by policy role-assignments)',
      '  - the approvers of each stage, in their stage',
      '  - anyone with the RBAC verb "decide" on approvalrequests in namespace shop',
      '  - never the person who files it (no self-approval)',
      '',
    ].join('\n'));
  });

  it('says clearly when the policies could not be read', () => {
    const text = formatPreview(buildPreview(request('r'), 'shop', { cluster: { readable: false, reason: 'you may not list approvalpolicies (Forbidden)' }, file: [] }));
    assert.match(text, /^Policy: {11}unknown \(see the note below\)$/m);
    assert.match(text, /^Note: {13}you may not list approvalpolicies \(Forbidden\)$/m);
  });
});

describe('parseManifest', () => {
  it('keeps the requests and policies of every document, also inside a List', () => {
    const text = [
      'apiVersion: approval.cp.ei.telekom.de/v1\nkind: ApprovalPolicy\nmetadata: {name: p}\nspec: {strategy: FourEyes}',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}',
      'apiVersion: v1\nkind: List\nitems:\n- apiVersion: approval.cp.ei.telekom.de/v1\n  kind: ApprovalRequest\n  metadata: {name: r}\n  spec: {action: subscribe}',
      '',
    ].join('\n---\n');
    const manifest = parseManifest(text);
    assert.deepEqual(manifest.requests.map((r) => r.metadata.name), ['r']);
    assert.deepEqual(manifest.policies.map((p) => p.metadata.name), ['p']);
  });

  it('refuses a manifest without a request, a request without spec, and broken YAML', () => {
    assert.throws(() => parseManifest('apiVersion: v1\nkind: ConfigMap\n', 'cm.yaml'), /cm\.yaml contains no ApprovalRequest \(apiVersion approval\.cp\.ei\.telekom\.de\/v1\)/);
    assert.throws(() => parseManifest('apiVersion: approval.cp.ei.telekom.de/v1\nkind: ApprovalRequest\nmetadata: {name: r}\n'), /ApprovalRequest "r" in the manifest has no spec/);
    assert.throws(() => parseManifest('kind: [unclosed\n', 'x.yaml'), /x\.yaml is not valid YAML/);
  });
});

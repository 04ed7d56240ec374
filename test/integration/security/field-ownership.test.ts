// One test per row of the field-ownership table (src/authorization/field-ownership.ts): who may
// change each field, against the real API server. A row without a case here fails the first test,
// so the table and its proof cannot drift apart. The `*` rows are covered by the unit tests: the
// schema prunes fields it does not know before admission sees them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { APPROVAL_FIELDS, REQUEST_FIELDS, type FieldRule } from '../../../src/authorization/field-ownership.ts';
import { approvalRequestResource, approvalResource } from '../../../src/api/resources.ts';
import { ApiError, KubeClient, PatchType } from '../../../src/runtime/kube-client.ts';
import { objectPath } from '../../../src/runtime/resource.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { adminClient, createNamespace, kubeconfigPath } from '../../support/cluster.ts';
import { installCrds } from '../../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../../support/operator.ts';
import { alice, applyAs, bob, carol, patchAs, requestManifest, voteAs, type Person } from '../../support/people.ts';
import { allowAuthenticatedUsersToEditApprovals, grantApprovalVerb, removeAuthenticatedEditors } from '../../support/rbac.ts';

interface Case {
  /** A write that changes the field (merge patch, or a JSON patch when an array). */
  patch: unknown;
  /** Who is refused, and the refusal they get. */
  refused: Array<[Person, RegExp]>;
  /** Who may (applied after the refusals). */
  allowed?: Person;
  /** Through the status subresource (RBAC, not the webhook, guards it). */
  status?: true;
}

const dave: Person = { as: 'dave', asGroups: [] };
const fixed = (field: string) => new RegExp(`user "carol" cannot change spec\\.${field.replace(/\./g, '\\.')} of approvalrequest .*: it is fixed at creation because it defines what is approved; file a new request instead \\(rule: field ownership\\)`);
const operatorOwned = (user: string, field: string, kind: string) =>
  new RegExp(`user "${user}" cannot change ${field.replace(/\./g, '\\.')} of ${kind} .*: it is the operator's alone \\(rule: field ownership\\)`);
const forbiddenStatus = (user: string) => new RegExp(`User "${user}" cannot patch resource "approval(request)?s/status"`);

const REQUEST_CASES: Record<string, Case> = {
  'spec.requester.reason': {
    patch: { spec: { requester: { reason: 'clarified' } } },
    refused: [[alice, /user "alice" cannot change spec\.requester\.reason of approvalrequest .*: it is informational.*\(rule: field ownership\); alice neither created it nor may file for team "shop"/]],
    allowed: carol,
  },
  'spec.requester.teamEmail': { patch: { spec: { requester: { teamEmail: 'shop-team@example.com' } } }, refused: [[bob, /user "bob" cannot change spec\.requester\.teamEmail/]], allowed: carol },
  'spec.requester.applicationRef': { patch: { spec: { requester: { applicationRef: { name: 'shop', namespace: 'default' } } } }, refused: [[bob, /user "bob" cannot change spec\.requester\.applicationRef/]], allowed: carol },
  'spec.requester.teamName': { patch: { spec: { requester: { teamName: 'orders' } } }, refused: [[carol, fixed('requester.teamName')]] },
  'spec.requester.properties': { patch: { spec: { requester: { properties: { scope: 'admin' } } } }, refused: [[carol, fixed('requester.properties')]] },
  'spec.action': { patch: { spec: { action: 'delete' } }, refused: [[carol, fixed('action')]] },
  'spec.target': { patch: { spec: { target: { name: 'other' } } }, refused: [[carol, fixed('target')]] },
  'spec.decider': { patch: { spec: { decider: { teamName: 'shop' } } }, refused: [[carol, fixed('decider')]] },
  'spec.stages': { patch: { spec: { strategy: 'MultiStage', stages: [{ name: 'x', evaluation: 'Quorum', required: 1 }] } }, refused: [[carol, /user "carol" cannot change spec\.(strategy|stages) of approvalrequest/]] },
  'spec.callback': { patch: { spec: { callback: { url: 'https://example.com/hook' } } }, refused: [[carol, fixed('callback')]] },
  'spec.timeout': { patch: { spec: { timeout: '1s' } }, refused: [[carol, fixed('timeout')]] },
  'spec.strategy': {
    patch: { spec: { strategy: 'Simple' } },
    refused: [[carol, /user "carol" cannot change spec\.strategy of approvalrequest .*: it is fixed at creation, except for an identity with the RBAC verb "autoapprove".*\(rule: field ownership\)/]],
    allowed: dave,
  },
  'spec.state': {
    patch: { spec: { state: 'Granted' } },
    refused: [[alice, /user "alice" cannot set spec\.state of approvalrequest .* to "Granted": the decisions give "Pending"; append a decision instead \(rule: the state follows the votes\)/]],
  },
  'spec.decisions': {
    patch: [{ op: 'add', path: '/spec/decisions/-', value: { resultingState: 'Granted' } }],
    refused: [[carol, /user "carol" created approvalrequest .* and cannot decide it \(rule: no self-approval\)/]],
    allowed: alice,
  },
  'metadata.annotations.approval.cp.ei.telekom.de/*': {
    patch: { metadata: { annotations: { 'approval.cp.ei.telekom.de/baseline': 'Granted/0' } } },
    refused: [[carol, operatorOwned('carol', 'metadata.annotations.approval.cp.ei.telekom.de/baseline', 'approvalrequest')]],
  },
  status: { patch: { status: { lastState: 'Granted' } }, refused: [[carol, forbiddenStatus('carol')]], status: true },
};

const APPROVAL_CASES: Record<string, Case> = {
  'spec.state': { patch: { spec: { state: 'Suspended' } }, refused: [[alice, /user "alice" cannot set spec\.state of approval .* to "Suspended": the decisions give "Granted"/]] },
  'spec.decisions': {
    patch: [{ op: 'add', path: '/spec/decisions/-', value: { resultingState: 'Suspended' } }],
    refused: [[carol, /user "carol" created approval .* and cannot decide it \(rule: no self-approval\)/]],
    allowed: alice,
  },
  'spec.*': { patch: { spec: { action: 'delete' } }, refused: [[alice, operatorOwned('alice', 'spec.action', 'approval')]] },
  'metadata.annotations.approval.cp.ei.telekom.de/*': {
    patch: { metadata: { annotations: { 'approval.cp.ei.telekom.de/baseline': 'Granted/0' } } },
    refused: [[bob, operatorOwned('bob', 'metadata.annotations.approval.cp.ei.telekom.de/baseline', 'approval')]],
  },
  status: { patch: { status: { lastState: 'Granted' } }, refused: [[alice, forbiddenStatus('alice')]], status: true },
};

const concrete = (table: readonly FieldRule[]) => table.filter((rule) => !rule.field.endsWith('.*') || rule.field.startsWith('metadata.')).map((rule) => rule.field);

describe('the field-ownership table, row by row', () => {
  let client: KubeClient;
  let operator: RunningOperator;
  let ns: string;
  const { getRequest, getApproval, waitForState, waitForApprovalState } = approvalHelpers(adminClient(), () => ns);

  const write = (resource: string, change: Case, who: Person) =>
    change.status ? patchStatus(resource, change.patch, who) : patchAs(ns, resource, change.patch, who, Array.isArray(change.patch) ? 'json' : 'merge');

  /** A status PATCH as the person (kubectl would GET the subresource first, which RBAC refuses too). */
  async function patchStatus(resource: string, patch: unknown, who: Person): Promise<{ code: number; stderr: string }> {
    const [kind, name = ''] = resource.split('/');
    const type = kind === 'apv' ? approvalResource : approvalRequestResource;
    const person = KubeClient.fromKubeconfig(kubeconfigPath(), { user: who.as, groups: who.asGroups });
    try {
      await person.patch(objectPath(type, ns, name, 'status'), patch, PatchType.merge);
      return { code: 0, stderr: '' };
    } catch (err) {
      return { code: 1, stderr: String(err instanceof ApiError ? err.message : err) };
    } finally {
      await person.close();
    }
  }

  async function check(resource: string, change: Case, read: () => Promise<{ metadata: { resourceVersion?: string } }>): Promise<void> {
    for (const [who, message] of change.refused) {
      const before = await read();
      const result = await write(resource, change, who);
      assert.notEqual(result.code, 0, `${who.as} is refused`);
      assert.match(result.stderr, message);
      assert.equal((await read()).metadata.resourceVersion, before.metadata.resourceVersion, 'nothing changed');
    }
    if (change.allowed) {
      const result = await write(resource, change, change.allowed);
      assert.equal(result.code, 0, `${change.allowed.as} may: ${result.stderr}`);
    }
  }

  before(async () => {
    client = adminClient();
    await installCrds();
    await allowAuthenticatedUsersToEditApprovals();
    ns = await createNamespace(client, 'ownership');
    await grantApprovalVerb(ns, 'dave', 'autoapprove');
    operator = await startOperator({ webhook: true });
  });
  after(async () => {
    await operator?.stop();
    await removeAuthenticatedEditors();
    await client.close();
  });

  it('has a case for every row of both tables', () => {
    assert.deepEqual(concrete(REQUEST_FIELDS).filter((field) => !(field in REQUEST_CASES)), []);
    assert.deepEqual([...concrete(APPROVAL_FIELDS), 'spec.*'].filter((field) => !(field in APPROVAL_CASES)), []);
  });

  for (const [field, change] of Object.entries(REQUEST_CASES)) {
    it(`ApprovalRequest ${field}`, async () => {
      const name = `rq-${field.replace(/[^a-z]+/gi, '-').toLowerCase()}`.replace(/-+$/, '');
      assert.equal((await applyAs(ns, requestManifest(name), carol)).code, 0);
      await waitForState(name, 'Pending');
      await check(`ar/${name}`, change, () => getRequest(name));
    });
  }

  for (const [field, change] of Object.entries(APPROVAL_CASES)) {
    it(`Approval ${field}`, async () => {
      const name = `apv-${field.replace(/[^a-z]+/gi, '-').toLowerCase()}`.replace(/-+$/, '');
      assert.equal((await applyAs(ns, requestManifest(name, { strategy: 'Simple' }), carol)).code, 0);
      await waitForState(name, 'Pending');
      assert.equal((await voteAs(ns, `ar/${name}`, { resultingState: 'Granted' }, alice)).code, 0);
      const approvalName = `apisubscription--target-${name}`;
      await waitForApprovalState(approvalName, 'Granted');
      await check(`apv/${approvalName}`, change, () => getApproval(approvalName));
    });
  }
});

// Seed 003's reference is also used by other controllers through its Go ApprovalBuilder, and by
// its web front end. This replays their write sequence against our operator with the roles of
// config/rbac/user-roles.yaml: a platform controller (service account with `autoapprove` and
// `request` on teams) files an Auto request carrying its own System decision, refreshes the
// informational fields of a granted request, files a new request when the properties change and
// grants a request whose team became trusted; the front end (service account with `delegate`)
// records a person's decision in their name. The decisions show who really wrote them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ApprovalRequest } from '../../../src/api/types.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath, core } from '../../../src/runtime/resource.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { adminClient, createNamespace, eventually } from '../../support/cluster.ts';
import { installCrds, kubectlOk } from '../../support/kubectl.ts';
import { repoRoot } from '../../../hack/control-plane.ts';
import { join } from 'node:path';
import { startOperator, type RunningOperator } from '../../support/operator.ts';
import { applyAs, carol, patchAs, requestManifest, voteAs, type Person } from '../../support/people.ts';

const ENV = 'cp.ei.telekom.de/environment';

describe("seed 003's own clients, unchanged", () => {
  let client: KubeClient;
  let operator: RunningOperator;
  let ns: string;
  let apiOperator: Person;
  let frontEnd: Person;
  const { getRequest, getApproval, waitForState, waitForApprovalState } = approvalHelpers(adminClient(), () => ns);

  const serviceAccount = (name: string): Person => ({
    as: `system:serviceaccount:${ns}:${name}`,
    asGroups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
  });
  const bind = (name: string, role: string, subject: Record<string, string>) =>
    kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name, namespace: ns },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [subject],
      }),
    });
  /** What the reference's ApprovalBuilder writes for an Auto or trusted-team request: the System grant itself. */
  const systemGrant = { name: 'System', comment: 'auto-approved by the api operator', resultingState: 'Granted' };
  const subscription = (name: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    requestManifest(
      name,
      {
        strategy: 'Auto',
        requester: { teamName: 'eni', teamEmail: 'eni@example.com', reason: 'subscription of eni-app', properties },
        target: { kind: 'ApiSubscription', name: 'eni-app--orders-v1', namespace: 'default' },
        ...extra,
      },
      { [ENV]: 'dev' },
    );

  before(async () => {
    client = adminClient();
    await installCrds();
    await kubectlOk(['apply', '-f', join(repoRoot, 'config', 'rbac', 'user-roles.yaml')]);
    ns = await createNamespace(client, 'seed003');
    apiOperator = serviceAccount('controlplane-api-operator');
    frontEnd = serviceAccount('controlplane-api');
    await bind('api-operator', 'approval-platform-controller', { kind: 'ServiceAccount', name: 'controlplane-api-operator', namespace: ns });
    await bind('front-end', 'approval-delegate', { kind: 'ServiceAccount', name: 'controlplane-api', namespace: ns });
    await bind('shop', 'approval-requester', { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team:shop' });
    // The people the front end decides for are deciders of this namespace by policy (it names them only).
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'approval.cp.ei.telekom.de/v1',
        kind: 'ApprovalPolicy',
        metadata: { name: `deciders-${ns}` },
        spec: { match: { namespaces: [ns] }, deciders: { users: ['alice', 'bob', 'carol'] } },
      }),
    });
    operator = await startOperator({ webhook: true });
  });
  after(async () => {
    await operator?.stop();
    await kubectlOk(['delete', '--ignore-not-found', 'approvalpolicy', `deciders-${ns}`]);
    await client.close();
  });

  it('files an Auto request with its System decision; the Approval carries the labels', async () => {
    const result = await applyAs(ns, subscription('eni-sub-1', { scopes: ['read'] }, { state: 'Granted', decisions: [systemGrant] }), apiOperator);
    assert.equal(result.code, 0, result.stderr);
    const granted = await waitForState('eni-sub-1', 'Granted');
    assert.deepEqual(granted.spec.decisions?.map((d) => [d.name, d.actor]), [['System', apiOperator.as]], 'the writer is recorded as actor');
    const approval = await waitForApprovalState('apisubscription--eni-app--orders-v1', 'Granted');
    assert.equal(approval.metadata.labels?.[ENV], 'dev');
    assert.equal(approval.spec.approvedRequest?.name, 'eni-sub-1');
  });

  it('refreshes reason, teamEmail and applicationRef of the granted request', async () => {
    const before = await getRequest('eni-sub-1');
    const refresh = { spec: { requester: { reason: 'subscription of eni-app (renewed)', teamEmail: 'eni-team@example.com', applicationRef: { name: 'eni-app', namespace: 'default' } } } };
    const result = await patchAs(ns, 'ar/eni-sub-1', refresh, apiOperator);
    assert.equal(result.code, 0, result.stderr);
    const after = await getRequest('eni-sub-1');
    assert.equal(after.spec.requester.reason, 'subscription of eni-app (renewed)');
    assert.equal(after.spec.state, 'Granted');
    assert.deepEqual(after.spec.decisions, before.spec.decisions);
  });

  it('files a new request when the properties change (editing them is refused), and the newer grant wins', async () => {
    const edit = await patchAs(ns, 'ar/eni-sub-1', { spec: { requester: { properties: { scopes: ['read', 'write'] } } } }, apiOperator);
    assert.notEqual(edit.code, 0);
    assert.match(edit.stderr, new RegExp(`user "${apiOperator.as}" cannot change spec\\.requester\\.properties of approvalrequest .*/eni-sub-1: it is fixed at creation`));
    // Grants are ordered by their decision's timestamp (seconds): file the new one in a later second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const result = await applyAs(ns, subscription('eni-sub-2', { scopes: ['read', 'write'] }, { state: 'Granted', decisions: [systemGrant] }), apiOperator);
    assert.equal(result.code, 0, result.stderr);
    await waitForState('eni-sub-2', 'Granted');
    const approval = await eventually('the Approval carries the new request', async () => {
      const current = await getApproval('apisubscription--eni-app--orders-v1');
      return current.spec.approvedRequest?.name === 'eni-sub-2' ? current : undefined;
    });
    assert.deepEqual(approval.spec.requester.properties, { scopes: ['read', 'write'] });
  });

  it('grants a pending request whose team became trusted: strategy Auto and the System decision in one update', async () => {
    assert.equal((await applyAs(ns, subscription('eni-sub-3', {}, { strategy: 'FourEyes', target: { kind: 'ApiSubscription', name: 'eni-app--payments', namespace: 'default' } }), apiOperator)).code, 0);
    const pending = await waitForState('eni-sub-3', 'Pending');
    const patch = { spec: { strategy: 'Auto', state: 'Granted', decisions: [...(pending.spec.decisions ?? []), systemGrant] } };
    const result = await patchAs(ns, 'ar/eni-sub-3', patch, apiOperator);
    assert.equal(result.code, 0, result.stderr);
    const granted = await waitForState('eni-sub-3', 'Granted');
    assert.deepEqual(granted.spec.decisions?.map((d) => [d.name, d.actor]), [['System', apiOperator.as]]);
  });

  it("records a person's decision through the front end, with the front end as actor", async () => {
    assert.equal((await applyAs(ns, subscription('eni-sub-4', {}, { strategy: 'FourEyes', target: { kind: 'ApiSubscription', name: 'eni-app--stock', namespace: 'default' } }), apiOperator)).code, 0);
    await waitForState('eni-sub-4', 'Pending');
    const result = await voteAs(ns, 'ar/eni-sub-4', { name: 'alice', email: 'alice@example.com', comment: 'ok from the portal', resultingState: 'Granted' }, frontEnd);
    assert.equal(result.code, 0, result.stderr);
    const semigranted = await waitForState('eni-sub-4', 'Semigranted');
    assert.deepEqual(semigranted.spec.decisions?.map((d) => [d.name, d.actor, d.resultingState]), [['alice', frontEnd.as, 'Semigranted']]);
    const events = await client.get<{ items: Array<{ reason: string; note?: string; regarding: { name: string } }> }>(collectionPath(core.event, ns));
    const event = events.items.find((e) => e.regarding.name === 'eni-sub-4' && e.reason === 'Semigranted');
    assert.match(event?.note ?? '', new RegExp(`Pending → Semigranted by alice \\(written by ${frontEnd.as}\\)`));
  });

  it('a delegated decision still checks the named person: not eligible, or the creator, is refused', async () => {
    assert.equal((await applyAs(ns, requestManifest('carols-own'), carol)).code, 0);
    const before = await waitForState('carols-own', 'Pending');
    const cases: Array<[Record<string, unknown>, Person, RegExp]> = [
      [{ name: 'mallory', resultingState: 'Granted' }, frontEnd, /user "mallory" \(recorded by delegate ".*controlplane-api"\) may not decide approvalrequest .*\/carols-own: .*\(rule: who may decide\)/],
      [{ name: 'carol', resultingState: 'Granted' }, frontEnd, /user "carol" \(recorded by delegate ".*controlplane-api"\) created approvalrequest .*\/carols-own and cannot decide it \(rule: no self-approval\)/],
      [{ name: 'alice', resultingState: 'Granted' }, apiOperator, /decision name "alice" .* does not match the authenticated user ".*controlplane-api-operator".*RBAC verb "delegate" \(rule: identity\)/],
    ];
    for (const [decision, writer, message] of cases) {
      const result = await voteAs(ns, 'ar/carols-own', decision, writer);
      assert.notEqual(result.code, 0, `${String(decision.name)} via ${writer.as} is refused`);
      assert.match(result.stderr, message);
    }
    const after: ApprovalRequest = await getRequest('carols-own');
    assert.deepEqual(after.spec.decisions, before.spec.decisions);
  });
});

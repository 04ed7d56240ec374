// The gate, tried as an attacker would (threat model: docs/security.md). Each test replays one
// reproduction against the real API server with impersonated people, asserts the refusal names
// the user and the rule, and that nothing changed: no state, no decision, no Approval.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Approval, ApprovalRequest } from '../../../src/api/types.ts';
import { approvalPolicyResource, approvalRequestResource, approvalResource } from '../../../src/api/resources.ts';
import { isNotFound, type KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath, objectPath } from '../../../src/runtime/resource.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { adminClient, createNamespace } from '../../support/cluster.ts';
import { installCrds, kubectlOk, samplePath } from '../../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../../support/operator.ts';
import { alice, applyAs, bob, carol, patchAs, requestManifest, voteAs } from '../../support/people.ts';
import { allowAuthenticatedUsersToEditApprovals, removeAuthenticatedEditors } from '../../support/rbac.ts';

describe('attacks on the gate', () => {
  let client: KubeClient;
  let operator: RunningOperator;
  let ns: string;
  const { getRequest, getApproval, waitForState, waitForApprovalState } = approvalHelpers(adminClient(), () => ns);

  /** The request as the operator settled it; later compared to prove a refused write changed nothing. */
  const settled = (name: string, state = 'Pending') => waitForState(name, state);

  async function assertUnchanged(name: string, before: ApprovalRequest): Promise<void> {
    // Give the operator time to act on a write that slipped through.
    await sleep(500);
    const now = await getRequest(name);
    assert.equal(now.metadata.generation, before.metadata.generation, 'the spec did not change');
    assert.deepEqual(now.spec, before.spec);
    assert.equal(now.status?.lastState, before.status?.lastState, 'the state did not change');
  }

  const approvalExists = (name: string) => getApproval(name).then(() => true, (err: unknown) => (isNotFound(err) ? false : Promise.reject(err)));

  before(async () => {
    client = adminClient();
    await installCrds();
    // The worst case for the gate: everyone may create and patch approval objects; only the webhook stands.
    await allowAuthenticatedUsersToEditApprovals();
    ns = await createNamespace(client, 'attacks');
    operator = await startOperator({ webhook: true });
  });
  after(async () => {
    await operator?.stop();
    await removeAuthenticatedEditors();
    await kubectlOk(['delete', '--ignore-not-found', 'approvalpolicy', `trusts-platform-${ns}`]);
    await client.close();
  });

  it('1: a requester cannot switch her FourEyes request to Auto', async () => {
    await kubectlOk(['-n', ns, 'apply', '-f', samplePath('scenario-03-foureyes.yaml')], carol);
    const before = await settled('orders-write-foureyes');
    const result = await patchAs(ns, 'ar/orders-write-foureyes', { spec: { strategy: 'Auto' } }, carol);
    assert.notEqual(result.code, 0, 'refused');
    assert.match(result.stderr, /user "carol" cannot change spec\.strategy of approvalrequest .*\/orders-write-foureyes: .*RBAC verb "autoapprove".*\(rule: field ownership\)/);
    await assertUnchanged('orders-write-foureyes', before);
    assert.equal(await approvalExists('apisubscription--shop-frontend--orders-write'), false, 'no Approval was issued');
  });

  it('1: a requester cannot swap in a stage that approves itself, with state Granted in the same patch', async () => {
    const stages = [{ name: 'line-manager', evaluation: 'AllMustApprove', approvers: { users: ['lechuck'] } }];
    assert.equal((await applyAs(ns, requestManifest('self-stage', { strategy: 'MultiStage', stages }), carol)).code, 0);
    const before = await settled('self-stage');
    const result = await patchAs(ns, 'ar/self-stage', { spec: { stages: [{ name: 'nobody', evaluation: 'AllMustApprove', outcomeIfNoApprovers: 'Approve' }], state: 'Granted' } }, carol);
    assert.notEqual(result.code, 0, 'refused');
    assert.match(result.stderr, /user "carol" cannot change spec\.stages of approvalrequest .*\/self-stage: it is fixed at creation because it defines what is approved; file a new request instead \(rule: field ownership\)/);
    await assertUnchanged('self-stage', before);
    assert.equal(await approvalExists('apisubscription--target-self-stage'), false, 'no Approval was issued');
  });

  it('1: filing a stage set that approves itself needs autoapprove', async () => {
    const stages = [{ name: 'nobody', evaluation: 'AllMustApprove', outcomeIfNoApprovers: 'Approve' }];
    const result = await applyAs(ns, requestManifest('self-approving', { strategy: 'MultiStage', stages }), carol);
    assert.notEqual(result.code, 0, 'refused');
    assert.match(result.stderr, /user "carol" may not create approvalrequest .*\/self-approving: a stage set that approves itself .* grants without a person's vote, which needs the RBAC verb "autoapprove" .*\(rule: autoapprove\)/);
    await assert.rejects(getRequest('self-approving'), isNotFound, 'nothing was created');
  });

  it('2: nobody claims a trusted team they do not belong to', async () => {
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'approval.cp.ei.telekom.de/v1',
        kind: 'ApprovalPolicy',
        metadata: { name: `trusts-platform-${ns}` },
        spec: { match: { namespaces: [ns] }, strategy: 'FourEyes', trustedTeams: ['platform'] },
      }),
    });
    await client.get(objectPath(approvalPolicyResource, undefined, `trusts-platform-${ns}`));
    const claim = requestManifest('claimed-trust', { requester: { teamName: 'platform', teamEmail: 'platform@example.com', reason: 'mine' } });
    const result = await applyAs(ns, claim, carol);
    assert.notEqual(result.code, 0, 'refused');
    assert.match(result.stderr, /user "carol" may not file approvalrequest .*\/claimed-trust for team "platform": user "carol" is not in group "team:platform" and has no RBAC verb "request" on teams\/platform in namespace ".*" \(rule: filing for a team is an authority\)/);
    await assert.rejects(getRequest('claimed-trust'), isNotFound, 'nothing was created');
    const requests = await client.get<{ items: ApprovalRequest[] }>(collectionPath(approvalRequestResource, ns));
    assert.ok(!requests.items.some((r) => r.spec.requester.teamName === 'platform'));
  });

  it('3: a decider cannot edit the callback or timeout of a request after a vote', async () => {
    assert.equal((await applyAs(ns, requestManifest('edited-after-vote'), carol)).code, 0);
    await settled('edited-after-vote');
    assert.equal((await voteAs(ns, 'ar/edited-after-vote', { resultingState: 'Granted' }, alice)).code, 0);
    const before = await settled('edited-after-vote', 'Semigranted');
    const result = await patchAs(ns, 'ar/edited-after-vote', { spec: { callback: { url: 'http://127.0.0.1:9/x' }, timeout: '1s' } }, bob);
    assert.notEqual(result.code, 0, 'refused');
    assert.match(result.stderr, /user "bob" cannot change spec\.(callback|timeout) of approvalrequest .*\/edited-after-vote: it is fixed at creation because it defines what is approved; file a new request instead \(rule: field ownership\)/);
    await sleep(1500);
    await assertUnchanged('edited-after-vote', before);
    assert.equal((await getRequest('edited-after-vote')).spec.state, 'Semigranted', 'it did not expire');
  });

  it("4: one decider cannot re-grant a denied FourEyes Approval through the operator's annotation", async () => {
    assert.equal((await applyAs(ns, requestManifest('regrant'), carol)).code, 0);
    await settled('regrant');
    for (const person of [alice, bob]) assert.equal((await voteAs(ns, 'ar/regrant', { resultingState: 'Granted' }, person)).code, 0);
    await waitForState('regrant', 'Granted');
    const name = 'apisubscription--target-regrant';
    await waitForApprovalState(name, 'Granted');
    assert.equal((await voteAs(ns, `apv/${name}`, { resultingState: 'Rejected', comment: 'revoked' }, alice)).code, 0);
    const denied = await waitForApprovalState(name, 'Rejected');
    const result = await patchAs(ns, `apv/${name}`, { metadata: { annotations: { 'approval.cp.ei.telekom.de/baseline': 'Granted/3' } }, spec: { state: 'Granted' } }, bob);
    assert.notEqual(result.code, 0, 'refused');
    assert.match(result.stderr, /user "bob" cannot change metadata\.annotations\.approval\.cp\.ei\.telekom\.de\/baseline of approval .*: it is the operator's alone \(rule: field ownership\)/);
    await sleep(500);
    const now = await getApproval(name);
    assert.equal(now.spec.state, 'Rejected');
    assert.deepEqual(now.spec.decisions, denied.spec.decisions, 'no decision was recorded');
    assert.deepEqual(now.metadata.annotations, denied.metadata.annotations);
  });

  it('4: nobody but the operator writes its annotations, on requests either', async () => {
    assert.equal((await applyAs(ns, requestManifest('creator-stamp'), carol)).code, 0);
    const before = await settled('creator-stamp');
    const result = await patchAs(ns, 'ar/creator-stamp', { metadata: { annotations: { 'approval.cp.ei.telekom.de/requested-by': 'mallory' } } }, carol);
    assert.notEqual(result.code, 0, 'refused');
    assert.match(result.stderr, /user "carol" cannot change metadata\.annotations\.approval\.cp\.ei\.telekom\.de\/requested-by of approvalrequest .*: it is the operator's alone \(rule: field ownership\)/);
    assert.deepEqual((await getRequest('creator-stamp')).metadata.annotations, before.metadata.annotations);
  });

  it('6: a forged vote in the name of someone who already voted is refused, not dropped', async () => {
    assert.equal((await applyAs(ns, requestManifest('forged-repeat'), carol)).code, 0);
    await settled('forged-repeat');
    assert.equal((await voteAs(ns, 'ar/forged-repeat', { resultingState: 'Granted' }, alice)).code, 0);
    const before = await settled('forged-repeat', 'Semigranted');
    const result = await voteAs(ns, 'ar/forged-repeat', { name: 'alice', resultingState: 'Granted' }, bob);
    assert.notEqual(result.code, 0, 'refused with an error, not accepted and dropped');
    assert.match(result.stderr, /decision name "alice" on approvalrequest .*\/forged-repeat does not match the authenticated user "bob".*RBAC verb "delegate" \(rule: identity\)/);
    await assertUnchanged('forged-repeat', before);
  });

  it('a requester cannot name a Secret she may not read as the signing key of her callback', async () => {
    await client.create(`/api/v1/namespaces/${ns}/secrets`, { metadata: { name: 'db-password' }, data: { password: Buffer.from('hunter2').toString('base64') } });
    const callback = { url: 'https://example.com/hook', secretRef: { name: 'db-password', key: 'password' } };
    const result = await applyAs(ns, requestManifest('oracle', { callback }), carol);
    assert.notEqual(result.code, 0, 'refused');
    assert.match(result.stderr, /user "carol" may not create approvalrequest .*\/oracle with spec\.callback\.secretRef "db-password": user "carol" has no RBAC verb "get" on secrets\/db-password in namespace ".*", and signing with a Secret is as good as reading it \(rule: signing secrets\)/);
    await assert.rejects(getRequest('oracle'), isNotFound, 'nothing was created');
  });

  it('every decision records who wrote it', async () => {
    const request = await getRequest('forged-repeat');
    assert.deepEqual(request.spec.decisions?.map((d) => [d.name, d.actor]), [['alice', 'alice']]);
    const approval = await client.get<Approval>(objectPath(approvalResource, ns, 'apisubscription--target-regrant'));
    assert.deepEqual(approval.spec.decisions?.map((d) => [d.name, d.actor]), [['alice', 'alice'], ['bob', 'bob'], ['alice', 'alice']]);
  });
});

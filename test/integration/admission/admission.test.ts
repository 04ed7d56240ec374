// The admission webhooks against the real API server, with impersonated users: identity-bound votes, no self-approval, who may decide, frozen content,
// operator-only System/Expire, autoapprove, a race-safe quorum, and failing closed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../../hack/control-plane.ts';
import type { Approval, ApprovalRequest } from '../../../src/api/types.ts';
import { REQUESTED_BY_ANNOTATION, approvalRequestResource, approvalResource } from '../../../src/api/resources.ts';
import { KubeClient, PatchType } from '../../../src/runtime/kube-client.ts';
import { collectionPath, core, objectPath } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, eventually, kubeconfigPath } from '../../support/cluster.ts';
import { installCrds, kubectl, kubectlOk } from '../../support/kubectl.ts';
import { startOperator } from '../../support/operator.ts';
import { allowAuthenticatedUsersToEditApprovals, grantApprovalVerb, removeAuthenticatedEditors } from '../../support/rbac.ts';

const requester = { as: 'carol', asGroups: ['team:shop'] };
const decider = (name: string) => ({ as: name, asGroups: ['team:orders'] });

function requestManifest(name: string, strategy: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'approval.cp.ei.telekom.de/v1',
    kind: 'ApprovalRequest',
    metadata: { name },
    spec: {
      action: 'subscribe',
      strategy,
      requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'admission test' },
      decider: { teamName: 'orders', teamEmail: 'orders@example.com' },
      target: { kind: 'ApiSubscription', name: `target-${name}`, namespace: 'default' },
      decisions: [],
      ...extra,
    },
  });
}

const appendDecision = (decision: Record<string, unknown>) => JSON.stringify([{ op: 'add', path: '/spec/decisions/-', value: decision }]);

describe('admission webhooks', () => {
  let client: KubeClient;
  let ns: string;
  let operator: Awaited<ReturnType<typeof startOperator>>;

  const get = (name: string) => client.get<ApprovalRequest>(objectPath(approvalRequestResource, ns, name));
  const create = async (name: string, strategy: string, as = requester) => {
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: requestManifest(name, strategy), ...as });
    return eventually(`${name} reconciled`, async () => ((await get(name)).status?.lastState ? get(name) : undefined));
  };
  const vote = (name: string, as: { as: string; asGroups: string[] }, decision: Record<string, unknown>) =>
    kubectl(['-n', ns, 'patch', 'ar', name, '--type=json', '-p', appendDecision(decision)], as);

  before(async () => {
    client = adminClient();
    await installCrds();
    await allowAuthenticatedUsersToEditApprovals();
    ns = await createNamespace(client, 'admission');
    operator = await startOperator({ webhook: true });
  });
  after(async () => {
    await operator?.stop();
    await removeAuthenticatedEditors();
    await client.close();
  });

  it('stamps the creator and binds a vote to the authenticated user, in one write with the state', async () => {
    const created = await create('identity', 'Simple');
    assert.equal(created.metadata.annotations?.[REQUESTED_BY_ANNOTATION], 'carol');
    const result = await vote('identity', decider('alice'), { resultingState: 'Granted', comment: 'ok' });
    assert.equal(result.code, 0, result.stderr);
    const after = await get('identity');
    assert.equal(after.spec.state, 'Granted', 'the vote and the state change are one write');
    assert.equal(after.spec.decisions?.[0]?.name, 'alice');
    assert.match(after.spec.decisions?.[0]?.timestamp ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'the server sets the timestamp');
  });

  it('scenario 6: the creator, a non-member and a forged name are refused, and nothing changes', async () => {
    const before = await create('self-approval', 'Simple');
    const cases: Array<[{ as: string; asGroups: string[] }, Record<string, unknown>, RegExp]> = [
      [{ as: 'carol', asGroups: ['team:shop', 'team:orders'] }, { name: 'carol', resultingState: 'Granted' }, /user "carol" created approvalrequest .*\/self-approval and cannot decide it/],
      [{ as: 'mallory', asGroups: ['team:other'] }, { name: 'mallory', resultingState: 'Granted' }, /user "mallory" may not decide approvalrequest .*: not in group "team:orders"/],
      [decider('alice'), { name: 'bob', resultingState: 'Granted' }, /decision name "bob" on approvalrequest .* does not match the authenticated user "alice"/],
    ];
    for (const [as, decision, message] of cases) {
      const result = await vote('self-approval', as, decision);
      assert.notEqual(result.code, 0, `${as.as} must be refused`);
      assert.match(result.stderr, message);
    }
    const after = await get('self-approval');
    assert.equal(after.metadata.generation, before.metadata.generation, 'the spec did not change');
    assert.deepEqual(after.spec.decisions, []);
  });

  it('rewrites resultingState, records a repeated vote once, and grants with the second approver (FourEyes)', async () => {
    await create('four-eyes', 'FourEyes');
    assert.equal((await vote('four-eyes', decider('alice'), { resultingState: 'Granted' })).code, 0);
    let request = await get('four-eyes');
    assert.equal(request.spec.state, 'Semigranted');
    assert.equal(request.spec.decisions?.[0]?.resultingState, 'Semigranted', 'what the vote actually produced');
    const repeat = await vote('four-eyes', decider('alice'), { resultingState: 'Granted' });
    assert.equal(repeat.code, 0, 'a repeated vote is accepted');
    request = await get('four-eyes');
    assert.equal(request.spec.decisions?.length, 1, 'and recorded once');
    assert.equal((await vote('four-eyes', decider('bob'), { resultingState: 'Granted' })).code, 0);
    request = await get('four-eyes');
    assert.equal(request.spec.state, 'Granted');
    assert.deepEqual(request.spec.decisions?.map((d) => `${d.name}:${d.resultingState}`), ['alice:Semigranted', 'bob:Granted']);
  });

  it('keeps strategy, requester team, decider, target, action and past decisions as they were filed', async () => {
    await create('frozen', 'FourEyes');
    assert.equal((await vote('frozen', decider('alice'), { resultingState: 'Granted' })).code, 0);
    const before = await get('frozen');
    const edits: Array<[string, string]> = [
      ['strategy', '{"spec":{"strategy":"Simple"}}'],
      ['requester', '{"spec":{"requester":{"teamName":"orders","teamEmail":"o@example.com","reason":"mine now"}}}'],
      ['decider', '{"spec":{"decider":{"teamName":"shop"}}}'],
      ['target', '{"spec":{"target":{"name":"other","namespace":"default"}}}'],
      ['action', '{"spec":{"action":"delete"}}'],
    ];
    for (const [field, patch] of edits) {
      const result = await kubectl(['-n', ns, 'patch', 'ar', 'frozen', '--type=merge', '-p', patch], decider('alice'));
      assert.notEqual(result.code, 0, `${field} must be frozen`);
      assert.match(result.stderr, new RegExp(`user "alice" cannot change spec\\.${field}[.a-zA-Z]* of approvalrequest .*\\(rule: field ownership\\)`));
    }
    const rewrite = await kubectl(['-n', ns, 'patch', 'ar', 'frozen', '--type=json', '-p',
      JSON.stringify([{ op: 'replace', path: '/spec/decisions/0/comment', value: 'edited' }])], decider('alice'));
    assert.notEqual(rewrite.code, 0);
    assert.match(rewrite.stderr, /user "alice" cannot edit or remove past decisions of approvalrequest .*\(rule: field ownership\)/);
    assert.equal((await get('frozen')).metadata.generation, before.metadata.generation, 'the spec did not change');
    assert.deepEqual((await get('frozen')).spec, before.spec);
  });

  it('nobody retargets a request, even before anyone voted; its creator refreshes the reason', async () => {
    await create('retarget', 'Simple');
    const hijack = await kubectl(['-n', ns, 'patch', 'ar', 'retarget', '--type=merge', '-p', '{"spec":{"decider":{"teamName":"mallory-team"}}}'], requester);
    assert.notEqual(hijack.code, 0);
    assert.match(hijack.stderr, /user "carol" cannot change spec.decider of approvalrequest .*: it is fixed at creation because it defines what is approved/);
    const other = await kubectl(['-n', ns, 'patch', 'ar', 'retarget', '--type=merge', '-p', '{"spec":{"requester":{"reason":"mine now"}}}'], decider('alice'));
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /user "alice" cannot change spec.requester.reason of approvalrequest .*: it is informational.*alice neither created it nor may file for team "shop"/);
    const own = await kubectl(['-n', ns, 'patch', 'ar', 'retarget', '--type=merge', '-p', '{"spec":{"requester":{"teamName":"shop","teamEmail":"shop@example.com","reason":"clarified"}}}'], requester);
    assert.equal(own.code, 0, own.stderr);
  });

  it('kubectl approval shows the webhook refusal and exits non-zero; as a decider it records the vote', async () => {
    await create('via-plugin', 'Simple');
    const plugin = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [join(repoRoot, 'src', 'cli', 'main.ts'), ...args, '-n', ns, '--kubeconfig', kubeconfigPath()], (err, stdout, stderr) =>
          resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }));
      });
    const self = await plugin(['approve', 'via-plugin', '-m', 'mine', '--as', 'carol', '--as-group', 'team:orders']);
    assert.notEqual(self.code, 0);
    assert.match(self.stderr, /user "carol" created approvalrequest .*\/via-plugin and cannot decide it/);
    const ok = await plugin(['approve', 'via-plugin', '-m', 'ok', '--as', 'alice', '--as-group', 'team:orders']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /approved by alice: Pending → Granted/);
    const request = await get('via-plugin');
    assert.deepEqual(request.spec.decisions?.map((d) => [d.name, d.comment, d.resultingState]), [['alice', 'ok', 'Granted']]);
  });

  it('reserves Expire and System decisions to the operator', async () => {
    await create('reserved', 'Simple');
    const expire = await vote('reserved', decider('alice'), { resultingState: 'Expired' });
    assert.notEqual(expire.code, 0);
    assert.match(expire.stderr, /user "alice" cannot record an Expire on approvalrequest .*: expiry is the operator's/);
    const system = await vote('reserved', decider('alice'), { name: 'System', resultingState: 'Granted' });
    assert.notEqual(system.code, 0);
    assert.match(system.stderr, /user "alice" cannot record a System decision on approvalrequest .*: it grants without a person's vote, which needs the RBAC verb "autoapprove"/);
  });

  it('scenario 7: setting a Granted request back to Pending is refused and the state stays', async () => {
    await create('final', 'Simple');
    assert.equal((await vote('final', decider('alice'), { resultingState: 'Granted' })).code, 0);
    const result = await kubectl(['-n', ns, 'patch', 'ar', 'final', '--type=merge', '-p', '{"spec":{"state":"Pending"}}'], decider('alice'));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /user "alice" cannot set spec.state of approvalrequest .* to "Pending": the decisions give "Granted"/);
    assert.equal((await get('final')).spec.state, 'Granted');
  });

  it('a state the votes do not justify is refused', async () => {
    await create('unjustified', 'FourEyes');
    assert.equal((await vote('unjustified', decider('alice'), { resultingState: 'Granted' })).code, 0);
    const result = await kubectl(['-n', ns, 'patch', 'ar', 'unjustified', '--type=merge', '-p', '{"spec":{"state":"Granted"}}'], decider('alice'));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /cannot set spec.state of approvalrequest .* to "Granted": the decisions give "Semigranted"/);
  });

  it('an Auto request needs the autoapprove verb', async () => {
    const refused = await kubectl(['-n', ns, 'apply', '-f', '-'], { input: requestManifest('auto-refused', 'Auto'), ...requester });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /user "carol" may not create approvalrequest .*: strategy Auto grants without a person's vote, which needs the RBAC verb "autoapprove"/);
    await grantApprovalVerb(ns, 'carol', 'autoapprove');
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: requestManifest('auto-allowed', 'Auto'), ...requester });
    await eventually('the Auto request granted', async () => (await get('auto-allowed')).status?.lastState === 'Granted');
  });

  it('RBAC verb "decide" lets a non-member decide (how admins approve anything)', async () => {
    await create('by-rbac', 'Simple');
    await grantApprovalVerb(ns, 'erin', 'decide');
    const result = await vote('by-rbac', { as: 'erin', asGroups: [] }, { resultingState: 'Granted' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await get('by-rbac')).spec.state, 'Granted');
  });

  it('scenario 4: 20 deciders approving at the same instant give exactly one grant (20 rounds)', async () => {
    const deciders = Array.from({ length: 20 }, (_, i) => {
      const c = KubeClient.fromKubeconfig(kubeconfigPath(), { user: `decider-${i}`, groups: ['team:orders'] });
      return { name: `decider-${i}`, client: c };
    });
    try {
      for (let round = 0; round < 20; round++) {
        const name = `race-${round}`;
        await create(name, 'FourEyes');
        const path = objectPath(approvalRequestResource, ns, name);
        const results = await Promise.allSettled(
          deciders.map((d) => d.client.patch(path, [{ op: 'add', path: '/spec/decisions/-', value: { resultingState: 'Granted' } }], PatchType.json)),
        );
        const accepted = deciders.filter((_, i) => results[i]?.status === 'fulfilled').map((d) => d.name);
        const request = await get(name);
        assert.equal(request.spec.state, 'Granted', `round ${round}`);
        assert.equal(accepted.length, 2, `round ${round}: exactly two votes are needed and accepted, got ${accepted.join(',')}`);
        assert.deepEqual(request.spec.decisions?.map((d) => d.name).sort(), [...accepted].sort(), 'each accepted voter recorded once');
        assert.equal(request.spec.decisions?.filter((d) => d.resultingState === 'Granted').length, 1, 'one transition to Granted');
        const refusals = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
        assert.ok(refusals.every((m) => /refused|final/.test(m)), `refusals say why: ${refusals[0]}`);
        const approvalName = `apisubscription--target-${name}`;
        const approval = await eventually(`approval of ${name}`, () => client.get<Approval>(objectPath(approvalResource, ns, approvalName)).catch(() => undefined));
        assert.equal(approval.spec.approvedRequest?.name, name);
      }
      const approvals = await client.get<{ items: Approval[] }>(collectionPath(approvalResource, ns));
      assert.equal(approvals.items.filter((a) => a.spec.approvedRequest?.name.startsWith('race-')).length, 20, 'one Approval per request');
      const grantedEvents = async () => {
        const events = await client.get<{ items: Array<{ reason: string; regarding: { name: string } }> }>(collectionPath(core.event, ns));
        return Array.from({ length: 20 }, (_, round) => events.items.filter((e) => e.reason === 'Granted' && e.regarding.name === `race-${round}`).length);
      };
      // The Event is recorded right after the Approval; wait until each round has one, then check none has two.
      await eventually('a Granted event for every round', async () => (await grantedEvents()).every((count) => count >= 1));
      assert.deepEqual(await grantedEvents(), Array.from({ length: 20 }, () => 1), 'exactly one transition to Granted per request');
    } finally {
      await Promise.all(deciders.map((d) => d.client.close()));
    }
  });

  it('fails closed: with the webhook down, decisions are refused', async () => {
    await create('closed', 'Simple');
    await operator.manager.stop();
    const result = await vote('closed', decider('alice'), { resultingState: 'Granted' });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /failed calling webhook/);
    assert.deepEqual((await get('closed')).spec.decisions, []);
  });
});

// Hostile and unlucky input against the real API server with the webhooks on: schema violations
// answer with the schema's message (never a webhook 5xx), oversized writes are refused quickly
// while the operator stays responsive, long durations neither hot-loop nor break status writes.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { isNotFound, type KubeClient } from '../../../src/runtime/kube-client.ts';
import { MAX_DECISIONS_PER_PERSON } from '../../../src/admission/input-bounds.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { adminClient, createNamespace } from '../../support/cluster.ts';
import { installCrds, kubectl, samplePath } from '../../support/kubectl.ts';
import { metricValue, startOperator, type RunningOperator } from '../../support/operator.ts';
import { alice, applyAs, carol, patchAs, requestManifest, voteAs } from '../../support/people.ts';
import { allowAuthenticatedUsersToEditApprovals, removeAuthenticatedEditors } from '../../support/rbac.ts';

describe('bounds and clear errors', () => {
  let client: KubeClient;
  let operator: RunningOperator;
  let ns: string;
  const { getRequest, waitForState } = approvalHelpers(adminClient(), () => ns);
  const reconciles = () => metricValue(operator.manager, 'approval_operator_reconcile_total', { controller: 'approvalrequest' });

  before(async () => {
    client = adminClient();
    await installCrds();
    await allowAuthenticatedUsersToEditApprovals();
    ns = await createNamespace(client, 'bounds');
    operator = await startOperator({ webhook: true });
  });
  after(async () => {
    await operator?.stop();
    await removeAuthenticatedEditors();
    await client.close();
  });

  it("answers an invalid manifest with the schema's message, not the webhook's", async () => {
    const cases: Array<[string, RegExp]> = [
      [requestManifest('bad-strategy', { strategy: 'Sometimes' }), /spec\.strategy: Unsupported value: "Sometimes"/],
      [requestManifest('bad-type', { strategy: 5 }), /spec\.strategy: Invalid value: "integer": spec\.strategy in body must be of type string/],
      [requestManifest('null-decision', { decisions: [null] }), /spec\.decisions\[0\]: Invalid value: "null"/],
    ];
    const sample = await kubectl(['-n', ns, 'apply', '-f', samplePath('invalid/unknown-strategy.yaml')], carol);
    assert.notEqual(sample.code, 0);
    assert.match(sample.stderr, /spec\.strategy: Unsupported value/);
    assert.doesNotMatch(sample.stderr, /could not check|webhook/);
    for (const [manifest, message] of cases) {
      const result = await applyAs(ns, manifest, carol);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /could not check|webhook/, 'the schema answered, not the webhook');
    }
  });

  it('refuses durations beyond ten years, and e-mail addresses that would inject headers', async () => {
    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      // Beyond what a Go duration holds: the API server says it could not convert it, then the rule.
      ['too-long', { timeout: '99999999h' }, /spec\.timeout: Invalid value: "string": .*must be at most 87600h \(10 years\)/],
      ['just-over', { timeout: '87601h' }, /spec\.timeout: Invalid value: "87601h": must be at most 87600h \(10 years\)/],
      ['digits', { timeout: `${'9'.repeat(63)}h` }, /spec\.timeout/],
      ['crlf', { requester: { teamName: 'shop', teamEmail: 'x@example.org\r\nBcc: evil@example.com', reason: 'r' } }, /spec\.requester\.teamEmail: Invalid value: .* should match/],
      ['two-addresses', { requester: { teamName: 'shop', teamEmail: 'x@example.org, evil@example.com', reason: 'r' } }, /spec\.requester\.teamEmail: Invalid value/],
    ];
    for (const [name, spec, message] of cases) {
      const result = await applyAs(ns, requestManifest(name, spec), carol);
      assert.notEqual(result.code, 0, `${name} is refused`);
      assert.match(result.stderr, message);
      await assert.rejects(getRequest(name), isNotFound, `${name} was not created`);
    }
    assert.equal((await applyAs(ns, requestManifest('ten-years', { timeout: '87600h' }), carol)).code, 0, 'exactly ten years is fine');
  });

  it('a Pending request with a timeout beyond what a Node timer holds does not hot-loop the operator', async () => {
    assert.equal((await applyAs(ns, requestManifest('month', { timeout: '720h' }), carol)).code, 0);
    const pending = await waitForState('month', 'Pending');
    assert.ok(pending.status?.expiresAt, 'the expiry is published');
    const before = await reconciles();
    await sleep(2000);
    const during = (await reconciles()) - before;
    assert.ok(during <= 3, `at most a few reconciles in 2 s, not a hot loop (got ${during})`);
  });

  it('refuses thousands of forged votes in one patch quickly, while the operator stays responsive', async () => {
    assert.equal((await applyAs(ns, requestManifest('flood'), carol)).code, 0);
    const before = await waitForState('flood', 'Pending');
    for (const count of [3000, 10_000]) {
      const ops = Array.from({ length: count }, (_, i) => ({ op: 'add', path: '/spec/decisions/-', value: { name: `p${i}`, resultingState: 'Granted' } }));
      const started = Date.now();
      // Another person's create during the flood: admission must keep answering.
      const patchFile = join(mkdtempSync(join(tmpdir(), 'flood-')), 'patch.json');
      writeFileSync(patchFile, JSON.stringify(ops));
      const [result, unrelated] = await Promise.all([
        kubectl(['-n', ns, 'patch', 'ar/flood', '--type=json', '--patch-file', patchFile], alice),
        applyAs(ns, requestManifest(`during-${count}`), carol),
      ]);
      const took = Date.now() - started;
      assert.notEqual(result.code, 0, `${count} votes are refused`);
      assert.match(result.stderr, /spec\.decisions: Too many: \d+: must have at most 1000 items/);
      assert.ok(took < 10_000, `refused within 10 s (took ${took} ms)`);
      assert.equal(unrelated.code, 0, `an unrelated create during the flood works: ${unrelated.stderr}`);
    }
    const few = Array.from({ length: 20 }, () => ({ op: 'add', path: '/spec/decisions/-', value: { resultingState: 'Granted' } }));
    const batch = await patchAs(ns, 'ar/flood', few, alice, 'json');
    assert.notEqual(batch.code, 0);
    assert.match(batch.stderr, /user "alice" cannot add 20 decisions to approvalrequest .*\/flood in one write: at most 10 \(rule: input bounds\)/);
    const after = await getRequest('flood');
    assert.equal(after.metadata.generation, before.metadata.generation, 'nothing changed');
  });

  it('one decider cannot fill the decision list with alternating votes', async () => {
    assert.equal((await applyAs(ns, requestManifest('seesaw'), carol)).code, 0);
    await waitForState('seesaw', 'Pending');
    let refused: { code: number; stderr: string } | undefined;
    for (let i = 0; i <= MAX_DECISIONS_PER_PERSON && !refused; i++) {
      const result = await voteAs(ns, 'ar/seesaw', { resultingState: i % 2 === 0 ? 'Granted' : 'Rejected' }, alice);
      if (result.code !== 0) refused = result;
    }
    assert.ok(refused, 'a vote beyond the cap is refused');
    assert.match(refused.stderr, new RegExp(`user "alice" cannot add a decision to approvalrequest .*/seesaw: "alice" already has the ${MAX_DECISIONS_PER_PERSON} decisions one person may have on it \\(rule: input bounds\\)`));
    assert.equal((await getRequest('seesaw')).spec.decisions?.length, MAX_DECISIONS_PER_PERSON);
    assert.equal((await voteAs(ns, 'ar/seesaw', { resultingState: 'Granted' }, { as: 'bob', asGroups: ['team:orders'] })).code, 0, 'others can still vote');
  });

  it('refuses oversized properties with the field named', async () => {
    const result = await applyAs(ns, requestManifest('heavy', { requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'r', properties: { blob: 'x'.repeat(40_000) } } }), carol);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /user "carol" cannot write approvalrequest .*\/heavy: spec\.requester\.properties is \d+ bytes, at most 32768 \(rule: input bounds\)/);
  });
});

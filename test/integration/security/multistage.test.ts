// Scenario 10 (seed 004): the three-stage policy of config/samples/scenario-10-multistage.yaml.
// Stage approvers are deciders of their stage without being listed again, and a stage that names
// a group counts its members: the voter's groups are captured at admission with the decision, so
// the webhook and the controller count the same votes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { ApprovalRequest } from '../../../src/api/types.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { approvalHelpers } from '../../support/approvals.ts';
import { adminClient, createNamespace } from '../../support/cluster.ts';
import { installCrds, kubectlOk, samplePath } from '../../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../../support/operator.ts';
import { carol, voteAs, type Person } from '../../support/people.ts';
import { allowAuthenticatedUsersToEditApprovals, removeAuthenticatedEditors } from '../../support/rbac.ts';

const person = (name: string, ...groups: string[]): Person => ({ as: name, asGroups: groups });
const lechuck = person('lechuck');
const elaine = person('elaine', 'security-approvers');
const barkeeper = person('barkeeper', 'security-approvers');
const chef = person('chef');
const cheese = person('cheese');

const stagesOf = (request: ApprovalRequest) => request.status?.stages?.map((s) => `${s.name}:${s.state}`);

describe('scenario 10: multi-stage approval (seed 004)', () => {
  let client: KubeClient;
  let operator: RunningOperator;
  let ns: string;
  const { getRequest, getApproval, waitForState } = approvalHelpers(adminClient(), () => ns);

  const approve = async (name: string, who: Person, comment?: string) => {
    const result = await voteAs(ns, `ar/${name}`, { resultingState: 'Granted', comment }, who);
    assert.equal(result.code, 0, `${who.as} approves: ${result.stderr}`);
  };
  const fileRequest = async (name: string) => {
    const manifest = parseAllDocuments(readFileSync(samplePath('scenario-10-multistage.yaml'), 'utf8'))
      .map((doc) => doc.toJS() as ApprovalRequest)
      .find((doc) => doc.kind === 'ApprovalRequest');
    assert.ok(manifest);
    manifest.metadata.name = name;
    manifest.spec.target.name = `${name}--test`;
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: JSON.stringify(manifest), ...carol });
    return waitForState(name, 'Pending');
  };

  before(async () => {
    client = adminClient();
    await installCrds();
    await allowAuthenticatedUsersToEditApprovals();
    ns = await createNamespace(client, 'multistage');
    await kubectlOk(['-n', ns, 'apply', '-f', samplePath('scenario-10-multistage.yaml')]);
    operator = await startOperator({ webhook: true });
  });
  after(async () => {
    await operator?.stop();
    await removeAuthenticatedEditors();
    await kubectlOk(['delete', '--ignore-not-found', 'approvalpolicy', 'role-assignments']);
    await client.close();
  });

  it('lechuck (listed by name) and elaine (by group only) pass stages 1 and 2; a rejection at stage 3 rejects', async () => {
    const pending = await waitForState('bob-test-role', 'Pending');
    assert.equal(pending.status?.strategy, 'MultiStage');
    assert.equal(pending.status?.policyRef, 'role-assignments');
    await approve('bob-test-role', lechuck, 'lechuck agrees');
    assert.deepEqual(stagesOf(await waitForState('bob-test-role', 'Semigranted')), ['line-managers:Approved', 'security:Pending', 'role-approvers:Pending']);
    await approve('bob-test-role', elaine, 'OK');
    await approve('bob-test-role', chef);
    const refused = await voteAs(ns, 'ar/bob-test-role', { resultingState: 'Rejected' }, cheese);
    assert.equal(refused.code, 0, refused.stderr);
    const rejected = await waitForState('bob-test-role', 'Rejected');
    assert.deepEqual(stagesOf(rejected), ['line-managers:Approved', 'security:Approved', 'role-approvers:Rejected'], 'the controller counted the group vote too');
    assert.deepEqual(rejected.spec.decisions?.map((d) => [d.name, d.resultingState, d.groups ?? []]), [
      ['lechuck', 'Semigranted', []],
      ['elaine', 'Semigranted', ['security-approvers']],
      ['chef', 'Semigranted', []],
      ['cheese', 'Rejected', []],
    ]);
  });

  it('every stage approved grants the request and issues the Approval', async () => {
    await fileRequest('all-agree');
    for (const who of [lechuck, barkeeper, chef, cheese]) await approve('all-agree', who);
    const granted = await waitForState('all-agree', 'Granted');
    assert.deepEqual(stagesOf(granted), ['line-managers:Approved', 'security:Approved', 'role-approvers:Approved']);
    const approval = await getApproval('roleassignment--all-agree--test');
    assert.equal(approval.spec.approvedRequest?.name, 'all-agree');
  });

  it('nobody outside a stage decides it: a stranger, a member of another stage, a group member out of turn', async () => {
    await fileRequest('out-of-turn');
    const cases: Array<[Person, RegExp]> = [
      [person('mallory'), /user "mallory" may not decide approvalrequest .*\/out-of-turn: .*not an approver of any stage.*\(rule: who may decide\)/],
      [chef, /vote of user "chef" on approvalrequest .*\/out-of-turn refused: chef is not an approver of stage "line-managers"/],
      [elaine, /vote of user "elaine" on approvalrequest .*\/out-of-turn refused: elaine is not an approver of stage "line-managers"/],
    ];
    for (const [who, message] of cases) {
      const result = await voteAs(ns, 'ar/out-of-turn', { resultingState: 'Granted' }, who);
      assert.notEqual(result.code, 0, `${who.as} is refused`);
      assert.match(result.stderr, message);
    }
    assert.deepEqual((await getRequest('out-of-turn')).spec.decisions, []);
  });
});

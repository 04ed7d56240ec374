// Who may decide without asking RBAC, who may file for a team, and which groups a decision keeps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApprovalPolicy } from '../../../src/api/types.ts';
import type { AccessCheck } from '../../../src/authorization/access-review.ts';
import { listedAsDecider, mayDecide, type DecisionScope } from '../../../src/authorization/decider-eligibility.ts';
import type { UserInfo } from '../../../src/authorization/identity.ts';
import { mayFileFor } from '../../../src/authorization/team-authority.ts';
import { capturedGroups } from '../../../src/authorization/voter-groups.ts';
import type { StageSpec } from '../../../src/engine/index.ts';

const stages: StageSpec[] = [
  { name: 'line-managers', evaluation: 'AllMustApprove', approvers: { users: ['lechuck'] } },
  { name: 'security', evaluation: 'FirstDecides', approvers: { groups: ['security-approvers'], teams: ['sec'] } },
  { name: 'anyone', evaluation: 'Quorum', required: 1 },
];
const policy = { metadata: { name: 'p' }, spec: { deciders: { users: ['erin'], groups: ['auditors'], teams: ['risk'] } } } as unknown as ApprovalPolicy;
const scope: DecisionScope = { resource: 'approvalrequests', namespace: 'ns', name: 'r', deciderTeam: 'orders', policy, stages, teamGroupPrefix: 'team:' };
const user = (username: string, ...groups: string[]): UserInfo => ({ username, groups });

describe('listedAsDecider', () => {
  it('names how a person qualifies: decider team, policy list, or a stage that names them', () => {
    assert.equal(listedAsDecider(user('alice', 'team:orders'), scope), 'member of group "team:orders"');
    assert.equal(listedAsDecider(user('erin'), scope), 'listed as decider by policy "p"');
    assert.equal(listedAsDecider(user('x', 'auditors'), scope), 'listed as decider by policy "p"');
    assert.equal(listedAsDecider(user('x', 'team:risk'), scope), 'listed as decider by policy "p"');
    assert.equal(listedAsDecider(user('lechuck'), scope), 'approver of stage "line-managers"');
    assert.equal(listedAsDecider(user('elaine', 'security-approvers'), scope), 'approver of stage "security"');
    assert.equal(listedAsDecider(user('x', 'team:sec'), scope), 'approver of stage "security"');
  });

  it('does not count a stage that names nobody as naming everybody', () => {
    assert.equal(listedAsDecider(user('mallory'), scope), undefined);
  });
});

describe('mayDecide', () => {
  it('asks RBAC for the verb decide on the object only when no list names the person', async () => {
    const asked: AccessCheck[] = [];
    const review = async (_: UserInfo, check: AccessCheck) => (asked.push(check), check.verb === 'decide');
    assert.deepEqual(await mayDecide(user('lechuck'), scope, review), { allowed: true, detail: 'approver of stage "line-managers"' });
    assert.deepEqual(asked, []);
    assert.deepEqual(await mayDecide(user('admin'), scope, review), { allowed: true, detail: 'RBAC verb "decide" on approvalrequests' });
    assert.deepEqual(asked, [{ verb: 'decide', resource: 'approvalrequests', namespace: 'ns', name: 'r' }]);
  });

  it('says everything it checked when it refuses', async () => {
    const verdict = await mayDecide(user('mallory'), scope, async () => false);
    assert.equal(verdict.allowed, false);
    assert.equal(verdict.detail, 'not in group "team:orders", not listed as decider by policy "p", not an approver of any stage, no RBAC verb "decide" on approvalrequests in namespace "ns"');
  });
});

describe('mayFileFor', () => {
  it("lets members file for their team, and others only with the verb request on the team's name", async () => {
    const asked: AccessCheck[] = [];
    const review = async (who: UserInfo, check: AccessCheck) => (asked.push(check), who.username === 'controller');
    const teamScope = { team: 'platform', namespace: 'ns', teamGroupPrefix: 'team:' };
    assert.equal((await mayFileFor(user('pat', 'team:platform'), teamScope, review)).allowed, true);
    assert.equal((await mayFileFor(user('controller'), teamScope, review)).allowed, true);
    const refused = await mayFileFor(user('carol', 'team:shop'), teamScope, review);
    assert.deepEqual(refused, {
      allowed: false,
      detail: 'user "carol" is not in group "team:platform" and has no RBAC verb "request" on teams/platform in namespace "ns"',
    });
    assert.deepEqual(asked.at(-1), { verb: 'request', resource: 'teams', namespace: 'ns', name: 'platform' });
  });
});

describe('capturedGroups', () => {
  it('keeps only the groups the stages count, so a decision does not copy a whole group list', () => {
    assert.deepEqual(capturedGroups(['system:authenticated', 'team:sec', 'security-approvers', 'x'], stages, 'team:'), ['security-approvers', 'team:sec']);
    assert.equal(capturedGroups(['system:authenticated'], stages, 'team:'), undefined);
    assert.equal(capturedGroups(undefined, stages, 'team:'), undefined);
  });
});

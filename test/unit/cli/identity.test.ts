// The --mine and --pending filters of `kubectl approval list`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMine, isPending, teamGroupPrefix } from '../../../src/cli/identity.ts';
import { request } from './fixtures.ts';

describe('isMine', () => {
  const filed = request('a', { metadata: { annotations: { 'approval.cp.ei.telekom.de/requested-by': 'carol' } } });

  it('is true for the requester named in the requested-by annotation', () => {
    assert.equal(isMine(filed, { username: 'carol', groups: [] }), true);
    assert.equal(isMine(filed, { username: 'dave', groups: [] }), false);
  });

  it('is true for a member of the decider team group', () => {
    assert.equal(isMine(filed, { username: 'alice', groups: ['system:authenticated', 'team:orders'] }), true);
    assert.equal(isMine(filed, { username: 'alice', groups: ['orders', 'team:shop'] }), false);
    assert.equal(isMine(filed, { username: 'alice', groups: ['grp-orders'] }, 'grp-'), true);
  });

  it('is true for an approver the request\'s own stages name, by user or group', () => {
    const staged = request('s', { spec: { strategy: 'MultiStage', stages: [{ name: 'line', evaluation: 'AllMustApprove', approvers: { users: ['lechuck'] } }, { name: 'sec', evaluation: 'FirstDecides', approvers: { groups: ['security-approvers'] } }] } });
    assert.equal(isMine(staged, { username: 'lechuck', groups: [] }), true);
    assert.equal(isMine(staged, { username: 'elaine', groups: ['security-approvers'] }), true);
    assert.equal(isMine(staged, { username: 'mallory', groups: [] }), false);
  });

  it('is false without a decider team', () => {
    assert.equal(isMine(request('b', { spec: { decider: {} } }), { username: 'alice', groups: ['team:'] }), false);
  });
});

describe('isPending', () => {
  it('is true for Pending and Semigranted only', () => {
    for (const state of ['Pending', 'Semigranted'] as const) assert.equal(isPending(request('x', { spec: { state } })), true, state);
    for (const state of ['Granted', 'Rejected', 'Expired'] as const) assert.equal(isPending(request('x', { spec: { state } })), false, state);
  });
});

describe('teamGroupPrefix', () => {
  it('defaults to team: and follows APPROVAL_TEAM_GROUP_PREFIX', () => {
    assert.equal(teamGroupPrefix({}), 'team:');
    assert.equal(teamGroupPrefix({ APPROVAL_TEAM_GROUP_PREFIX: 'grp-' }), 'grp-');
  });
});

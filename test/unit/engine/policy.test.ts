// ApprovalPolicy selection and the effective strategy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effectiveStrategy, selectPolicy, type PolicyLike, type RequestFacts } from '../../../src/engine/index.ts';

const FACTS: RequestFacts = {
  namespace: 'team-a',
  action: 'subscribe',
  targetKind: 'ApiSubscription',
  deciderTeam: 'orders',
  requesterTeam: 'Platform',
  strategy: 'Simple',
};

function policy(name: string, spec: PolicyLike['spec'] = {}): PolicyLike {
  return { name, spec };
}

function selectedName(policies: PolicyLike[], facts: RequestFacts = FACTS): string | undefined {
  return selectPolicy(policies, facts)?.name;
}

describe('selectPolicy', () => {
  it('selects nothing from nothing', () => {
    assert.equal(selectedName([]), undefined);
  });

  it('matches a policy without match lists, and with empty ones, for any request', () => {
    assert.equal(selectedName([policy('any')]), 'any');
    assert.equal(selectedName([policy('empty', { match: { namespaces: [], actions: [] } })]), 'empty');
  });

  it('requires every given list to contain the request’s value', () => {
    const full = { namespaces: ['team-a'], actions: ['subscribe'], targetKinds: ['ApiSubscription'], deciderTeams: ['orders'] };
    assert.equal(selectedName([policy('full', { match: full })]), 'full');
    for (const key of Object.keys(full) as Array<keyof typeof full>) {
      const match = { ...full, [key]: ['something-else'] };
      assert.equal(selectedName([policy('miss', { match })]), undefined, `${key} must match`);
    }
  });

  it('does not match a list against a value the request does not have', () => {
    const facts: RequestFacts = { namespace: 'team-a', strategy: 'Simple' };
    assert.equal(selectedName([policy('p', { match: { actions: ['subscribe'] } })], facts), undefined);
  });

  it('compares namespaces exactly and decider teams case-insensitively', () => {
    assert.equal(selectedName([policy('ns', { match: { namespaces: ['Team-A'] } })]), undefined);
    assert.equal(selectedName([policy('team', { match: { deciderTeams: ['ORDERS'] } })]), 'team');
  });

  it('skips disabled policies; enabled defaults to true', () => {
    assert.equal(selectedName([policy('off', { enabled: false, order: -5 }), policy('on', { order: 9 })]), 'on');
  });

  it('lets the lowest order win (default 0), ties going to the smaller name', () => {
    assert.equal(selectedName([policy('b', { order: 10 }), policy('a', { order: 20 }), policy('c', { order: 5 })]), 'c');
    assert.equal(selectedName([policy('b'), policy('a'), policy('z', { order: 1 })]), 'a');
    assert.equal(selectedName([policy('neg', { order: -1 }), policy('zero')]), 'neg');
    assert.equal(selectedName([policy('b'), policy('B')]), 'B', 'code-point order, not locale order');
  });

  it('does not reorder the caller’s list', () => {
    const policies = [policy('b'), policy('a')];
    selectPolicy(policies, FACTS);
    assert.deepEqual(policies.map((p) => p.name), ['b', 'a']);
  });
});

describe('effectiveStrategy', () => {
  const stages = [{ name: 'Security', evaluation: 'FirstDecides' as const }];

  it('uses the request’s own strategy when no policy matches, never trusted', () => {
    assert.deepEqual(effectiveStrategy(undefined, FACTS), { strategy: 'Simple', stages: [], trusted: false });
  });

  it('lets a matching policy replace the strategy and the stages', () => {
    const facts: RequestFacts = { ...FACTS, strategy: 'MultiStage', stages: [{ name: 'Mine', evaluation: 'Quorum' }] };
    assert.deepEqual(effectiveStrategy(policy('p', { strategy: 'MultiStage', stages }), facts), { strategy: 'MultiStage', stages, trusted: false });
    assert.deepEqual(effectiveStrategy(policy('p', { strategy: 'FourEyes' }), facts), { strategy: 'FourEyes', stages: [], trusted: false });
  });

  it('keeps the request’s strategy and stages when the policy names no strategy', () => {
    const facts: RequestFacts = { ...FACTS, strategy: 'MultiStage', stages };
    assert.deepEqual(effectiveStrategy(policy('p', { timeout: '72h' }), facts), { strategy: 'MultiStage', stages, trusted: false });
  });

  it('trusts a requester team listed in trustedTeams, case-insensitively', () => {
    assert.equal(effectiveStrategy(policy('p', { trustedTeams: ['platform'] }), FACTS).trusted, true);
    assert.equal(effectiveStrategy(policy('p', { trustedTeams: ['other'] }), FACTS).trusted, false);
    assert.equal(effectiveStrategy(policy('p', { trustedTeams: ['platform'] }), { ...FACTS, requesterTeam: undefined }).trusted, false);
  });
});

// kubectl-style ages and tables, and the rows of `kubectl approval list`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { age, emptyListMessage, formatList, formatTable, humanDuration, relative } from '../../../src/cli/format.ts';
import { approval, NOW, request } from './fixtures.ts';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration (as kubectl prints ages)', () => {
  const cases: Array<[number, string]> = [
    [-5 * s, '<invalid>'], [-1 * s, '0s'], [0, '0s'], [59 * s, '59s'], [119 * s, '119s'], [2 * m, '2m'], [3 * m + 20 * s, '3m20s'],
    [10 * m + 30 * s, '10m'], [179 * m, '179m'], [3 * h, '3h'], [5 * h + 10 * m, '5h10m'], [8 * h + 59 * m, '8h'], [47 * h, '47h'],
    [2 * d, '2d'], [3 * d + 4 * h, '3d4h'], [8 * d, '8d'], [729 * d, '729d'], [730 * d, '2y'], [800 * d, '2y70d'], [8 * 365 * d, '8y'],
  ];
  for (const [ms, text] of cases) it(`${ms} ms → ${text}`, () => assert.equal(humanDuration(ms), text));
});

describe('age and relative', () => {
  it('measures from now', () => {
    assert.equal(age('2026-03-10T11:55:00Z', NOW), '5m');
    assert.equal(age(undefined, NOW), '<unknown>');
    assert.equal(age('yesterday', NOW), '<unknown>');
    assert.equal(relative('2027-03-10T12:00:00Z', NOW), 'in 365d');
    assert.equal(relative('2026-03-10T11:00:00Z', NOW), '60m ago');
    assert.equal(relative(undefined, NOW), '<none>');
  });
});

describe('formatTable', () => {
  it('pads like kubectl (3 spaces, minimum 6) and prints empty cells as <none>', () => {
    assert.equal(formatTable(['NAME', 'STATE', 'AGE'], [['a', 'Pending', '5m'], ['longer-name', '', '2d']]),
      'NAME          STATE     AGE\n' +
      'a             Pending   5m\n' +
      'longer-name   <none>    2d\n');
  });

  it('indents every line when asked', () => {
    assert.equal(formatTable(['A', 'B'], [['x', 'y']], '  '), '  A     B\n  x     y\n');
  });
});

describe('formatList', () => {
  it('prints requests with the effective strategy, sorted by name', () => {
    const rows = [
      request('orders-write', { spec: { state: 'Semigranted', strategy: 'Simple' }, status: { strategy: 'FourEyes' } }),
      request('orders-read', { spec: { decider: undefined } }),
    ];
    assert.equal(formatList(rows, { kind: 'ApprovalRequest', allNamespaces: false, now: NOW }),
      'NAME           STATE         STRATEGY   REQUESTER   DECIDER   AGE\n' +
      'orders-read    Pending       Simple     shop        <none>    5m\n' +
      'orders-write   Semigranted   FourEyes   shop        orders    5m\n');
  });

  it('adds NAMESPACE with -A and EXPIRES for approvals', () => {
    const rows = [approval('apisubscription--a--b', { status: { expiresAt: '2026-03-20T12:00:00Z' } }), approval('x')];
    assert.equal(formatList(rows, { kind: 'Approval', allNamespaces: true, now: NOW }),
      'NAMESPACE   NAME                    STATE     STRATEGY   REQUESTER   DECIDER   EXPIRES   AGE\n' +
      'shop        apisubscription--a--b   Granted   Simple     shop        orders    in 10d    5m\n' +
      'shop        x                       Granted   Simple     shop        orders    <none>    5m\n');
  });

  it('adds ACTION, TARGET, POLICY and VOTES after AGE with -o wide', () => {
    const rows = [request('orders-write', { spec: { decisions: [{ name: 'alice', resultingState: 'Semigranted' }] }, status: { strategy: 'FourEyes', policyRef: 'writes' } })];
    assert.equal(formatList(rows, { kind: 'ApprovalRequest', allNamespaces: false, now: NOW, wide: true }),
      'NAME           STATE     STRATEGY   REQUESTER   DECIDER   AGE   ACTION      TARGET                                       POLICY   VOTES\n' +
      'orders-write   Pending   FourEyes   shop        orders    5m    subscribe   ApiSubscription/shop-frontend--orders-read   writes   1\n');
  });

  it('says so like kubectl when nothing matches', () => {
    assert.equal(emptyListMessage('shop'), 'No resources found in shop namespace.');
    assert.equal(emptyListMessage(undefined), 'No resources found');
  });
});

// Every kind × strategy × state × action against a hand-written copy of the design's transition table. The expected
// values are written out here, never derived from the implementation.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import {
  ACTIONS,
  availableTransitions,
  evaluate,
  findRule,
  STATES,
  STRATEGIES,
  SUBJECT_KINDS,
  SYSTEM_DECIDER,
  transitionTable,
  type Action,
  type State,
  type Strategy,
  type SubjectKind,
} from '../../../src/engine/index.ts';

// For every state: the available transitions, in table order, as "Action>To".
type Expected = Record<State, string>;

const NONE = '';

const REQUEST_FOUR_EYES: Expected = {
  Pending: 'Allow>Semigranted Deny>Rejected Expire>Expired',
  Semigranted: 'Deny>Rejected Allow>Granted Expire>Expired',
  Granted: NONE,
  Rejected: 'Allow>Semigranted',
  Suspended: NONE,
  Expired: NONE,
};

const APPROVAL_FOUR_EYES: Expected = {
  Pending: 'Allow>Semigranted Deny>Rejected',
  Semigranted: 'Deny>Rejected Allow>Granted',
  Granted: 'Deny>Rejected Suspend>Suspended Expire>Expired',
  Rejected: 'Allow>Semigranted',
  Suspended: 'Resume>Granted Expire>Expired',
  Expired: 'Deny>Rejected Allow>Granted',
};

const EXPECTED: Record<SubjectKind, Record<Strategy, Expected>> = {
  ApprovalRequest: {
    Auto: {
      Pending: 'Allow>Granted Expire>Expired',
      Semigranted: 'Expire>Expired',
      Granted: NONE,
      Rejected: NONE,
      Suspended: NONE,
      Expired: NONE,
    },
    Simple: {
      Pending: 'Allow>Granted Deny>Rejected Expire>Expired',
      Semigranted: 'Expire>Expired',
      Granted: NONE,
      Rejected: 'Allow>Granted',
      Suspended: NONE,
      Expired: NONE,
    },
    FourEyes: REQUEST_FOUR_EYES,
    MultiStage: REQUEST_FOUR_EYES,
  },
  Approval: {
    Auto: {
      Pending: NONE,
      Semigranted: NONE,
      Granted: 'Deny>Rejected Suspend>Suspended Expire>Expired',
      Rejected: 'Allow>Granted',
      Suspended: 'Resume>Granted Expire>Expired',
      Expired: 'Allow>Granted Deny>Rejected',
    },
    Simple: {
      Pending: 'Allow>Granted Deny>Rejected',
      Semigranted: NONE,
      Granted: 'Deny>Rejected Suspend>Suspended Expire>Expired',
      Rejected: 'Allow>Granted',
      Suspended: 'Resume>Granted Expire>Expired',
      Expired: 'Allow>Granted Deny>Rejected',
    },
    FourEyes: APPROVAL_FOUR_EYES,
    MultiStage: APPROVAL_FOUR_EYES,
  },
};

function expectedTransitions(kind: SubjectKind, strategy: Strategy, state: State): Array<{ action: string; to: string }> {
  const text = EXPECTED[kind][strategy][state];
  if (text === NONE) return [];
  return text.split(' ').map((pair) => {
    const [action = '', to = ''] = pair.split('>');
    return { action, to };
  });
}

/** What a person can take: the table without Expire (the operator's clock) and the Auto grant (the operator's System decision). */
function expectedForPeople(kind: SubjectKind, strategy: Strategy, state: State): Array<{ action: string; to: string }> {
  const operatorOnly = (action: string) => action === 'Expire' || (kind === 'ApprovalRequest' && strategy === 'Auto' && action === 'Allow');
  return expectedTransitions(kind, strategy, state).filter((t) => !operatorOnly(t.action));
}

function expectedTarget(kind: SubjectKind, strategy: Strategy, state: State, action: Action): string | undefined {
  return expectedTransitions(kind, strategy, state).find((t) => t.action === action)?.to;
}

// What one vote does from a fresh `state` where that differs from the table's target.
const ONE_VOTE_EXCEPTIONS: Record<string, { state: State; ignored: boolean }> = {
  // The table's Semigranted→Granted needs the second distinct approver; a fresh replay has none.
  'ApprovalRequest FourEyes Semigranted Allow': { state: 'Semigranted', ignored: false },
  'ApprovalRequest MultiStage Semigranted Allow': { state: 'Semigranted', ignored: false },
  'Approval FourEyes Semigranted Allow': { state: 'Semigranted', ignored: false },
  'Approval MultiStage Semigranted Allow': { state: 'Semigranted', ignored: false },
  // Only the System decider may grant an Auto request.
  'ApprovalRequest Auto Pending Allow': { state: 'Pending', ignored: true },
};

const VOTE_FOR_ACTION: Record<Action, State> = {
  Allow: 'Granted',
  Resume: 'Granted',
  Deny: 'Rejected',
  Suspend: 'Suspended',
  Expire: 'Expired',
};

// An approving vote is Resume on a Suspended subject and Allow anywhere else.
function expressibleAsVote(state: State, action: Action): boolean {
  if (action === 'Allow') return state !== 'Suspended';
  if (action === 'Resume') return state === 'Suspended';
  return true;
}

describe('transition tables', () => {
  for (const kind of SUBJECT_KINDS) {
    for (const strategy of STRATEGIES) {
      describe(`${kind} ${strategy}`, () => {
        for (const state of STATES) {
          it(`lists the transitions from ${state} in table order`, () => {
            assert.deepEqual(availableTransitions(kind, strategy, state), expectedForPeople(kind, strategy, state));
          });
          for (const action of ACTIONS) {
            const target = expectedTarget(kind, strategy, state, action);
            it(`${action} from ${state} ${target ? `goes to ${target}` : 'is not a transition'}`, () => {
              assert.equal(findRule(kind, strategy, state, action)?.to, target);
            });
          }
        }
      });
    }
  }
});

describe('one vote from every state (evaluate agrees with the tables)', () => {
  for (const kind of SUBJECT_KINDS) {
    for (const strategy of STRATEGIES) {
      for (const state of STATES) {
        for (const action of ACTIONS.filter((a) => expressibleAsVote(state, a))) {
          const key = `${kind} ${strategy} ${state} ${action}`;
          const target = expectedTarget(kind, strategy, state, action);
          const expected = ONE_VOTE_EXCEPTIONS[key] ?? { state: target ?? state, ignored: target === undefined };
          it(`${key} → ${expected.state}${expected.ignored ? ' (ignored)' : ''}`, () => {
            const written = VOTE_FOR_ACTION[action];
            const result = evaluate({ kind, strategy, initialState: state, decisions: [{ name: 'alice', resultingState: written }] });
            assert.equal(result.state, expected.state);
            assert.equal(result.ignored.length, expected.ignored ? 1 : 0, JSON.stringify(result.ignored));
            assert.equal(result.decisions[0]?.resultingState, expected.ignored ? written : expected.state);
          });
        }
      }
    }
  }
});

describe('table shape', () => {
  it('has at most one row per (state, action), so a vote has one meaning', () => {
    for (const kind of SUBJECT_KINDS) {
      for (const strategy of STRATEGIES) {
        for (const state of STATES) {
          for (const action of ACTIONS) {
            const rows = transitionTable(kind, strategy).filter((rule) => rule.action === action && rule.from.includes(state));
            assert.ok(rows.length <= 1, `${kind} ${strategy}: ${rows.length} rows for ${action} from ${state}`);
          }
        }
      }
    }
  });

  it('keeps the rows in the order the design writes them', () => {
    const fourEyes = transitionTable('ApprovalRequest', 'FourEyes').map((r) => `${r.action} ${r.from.join(',')}>${r.to}`);
    assert.deepEqual(fourEyes, [
      'Allow Pending,Rejected>Semigranted',
      'Deny Pending,Semigranted>Rejected',
      'Allow Semigranted>Granted',
      'Expire Pending,Semigranted>Expired',
    ]);
    const approval = transitionTable('Approval', 'Simple').map((r) => `${r.action} ${r.from.join(',')}>${r.to}`);
    assert.deepEqual(approval, [
      'Allow Pending,Rejected,Expired>Granted',
      'Deny Pending,Granted,Expired>Rejected',
      'Suspend Granted>Suspended',
      'Resume Suspended>Granted',
      'Expire Granted,Suspended>Expired',
    ]);
  });

  it('marks the Auto grant of a request as the System decider’s only', () => {
    const [grant] = transitionTable('ApprovalRequest', 'Auto');
    assert.deepEqual(grant, { action: 'Allow', from: ['Pending'], to: 'Granted', systemOnly: true });
    const others = SUBJECT_KINDS.flatMap((kind) => STRATEGIES.flatMap((s) => transitionTable(kind, s))).filter((r) => r.systemOnly);
    assert.equal(others.length, 1);
    const auto = evaluate({ kind: 'ApprovalRequest', strategy: 'Auto', initialState: 'Pending', decisions: [{ name: SYSTEM_DECIDER, resultingState: 'Granted' }] });
    assert.equal(auto.state, 'Granted');
  });

  it('cannot be changed by a caller', () => {
    const rows = transitionTable('ApprovalRequest', 'Simple');
    assert.throws(() => (rows as Array<unknown>).push({}));
    assert.throws(() => ((rows[0] as { to: State }).to = 'Granted'));
    assert.throws(() => (rows[0]?.from as State[]).push('Expired'));
  });
});

describe('docs/engine.md', () => {
  function documentedRows(text: string, heading: string): string[] {
    const start = text.indexOf(`### ${heading}\n`);
    assert.ok(start >= 0, `no section ${heading}`);
    const end = text.indexOf('\n#', start + 1);
    return text
      .slice(start, end < 0 ? undefined : end)
      .split('\n')
      .filter((line) => /^\| (Auto|Simple|FourEyes)/.test(line));
  }

  function tableRows(kind: SubjectKind): string[] {
    assert.deepEqual(transitionTable(kind, 'MultiStage'), transitionTable(kind, 'FourEyes'), 'MultiStage shares the FourEyes rows');
    const labels: Array<[Strategy, string]> = [['Auto', 'Auto'], ['Simple', 'Simple'], ['FourEyes', 'FourEyes, MultiStage']];
    return labels.flatMap(([strategy, label]) =>
      transitionTable(kind, strategy).map((rule) => `| ${label} | ${rule.action} | ${rule.from.join(', ')} | ${rule.to} |`),
    );
  }

  it('shows exactly the rows of transitionTable, in order', async () => {
    const text = await readFile(new URL('../../../docs/engine.md', import.meta.url), 'utf8');
    for (const kind of SUBJECT_KINDS) assert.deepEqual(documentedRows(text, kind), tableRows(kind));
  });
});

// The conditions table of the design (docs/engine.md) and metav1.Condition's lastTransitionTime rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conditionsFor, type Condition, type State } from '../../../src/engine/index.ts';

// state → "Approved Processing Ready", each as status/reason, copied from the design's table.
const TABLE: Record<State, string> = {
  Pending: 'False/Pending True/ApprovalPending False/Pending',
  Semigranted: 'False/Semigranted True/Semigranted False/Semigranted',
  Granted: 'True/Granted False/Done True/Granted',
  Rejected: 'False/Rejected False/Done False/Rejected',
  Suspended: 'False/Suspended False/Done False/Suspended',
  Expired: 'False/Expired False/Done False/Expired',
};

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-02T00:00:00Z';

function brief(conditions: Condition[]): string {
  return conditions.map((c) => `${c.status}/${c.reason}`).join(' ');
}

describe('conditionsFor', () => {
  for (const [state, expected] of Object.entries(TABLE) as Array<[State, string]>) {
    it(`${state}: ${expected}`, () => {
      const conditions = conditionsFor(state, 'msg', 3, undefined, T0);
      assert.deepEqual(conditions.map((c) => c.type), ['Approved', 'Processing', 'Ready']);
      assert.equal(brief(conditions), expected);
      for (const condition of conditions) {
        assert.equal(condition.message, 'msg');
        assert.equal(condition.observedGeneration, 3);
        assert.equal(condition.lastTransitionTime, T0);
      }
    });
  }

  it('keeps lastTransitionTime while a status stays the same, and moves it when the status changes', () => {
    const pending = conditionsFor('Pending', '0 of 2 approvals', 1, undefined, T0);
    const semigranted = conditionsFor('Semigranted', '1 of 2 approvals', 2, pending, T1);
    // Approved False→False, Processing True→True, Ready False→False: reasons change, times stay.
    assert.deepEqual(semigranted.map((c) => c.lastTransitionTime), [T0, T0, T0]);
    assert.equal(semigranted[0]?.reason, 'Semigranted');
    const granted = conditionsFor('Granted', 'granted by alice, bob', 3, semigranted, T1);
    assert.deepEqual(granted.map((c) => c.lastTransitionTime), [T1, T1, T1]);
  });

  it('leaves observedGeneration out when it is not known', () => {
    const [approved] = conditionsFor('Pending', '', undefined, undefined, T0);
    assert.ok(approved);
    assert.equal('observedGeneration' in approved, false);
  });

  it('keeps conditions of other types, after its own', () => {
    const foreign: Condition = { type: 'Notified', status: 'True', reason: 'Sent', message: '', lastTransitionTime: T0 };
    const conditions = conditionsFor('Granted', '', 1, [foreign], T1);
    assert.deepEqual(conditions.map((c) => c.type), ['Approved', 'Processing', 'Ready', 'Notified']);
    assert.equal(conditions[3], foreign);
  });

  it('produces reasons that satisfy the metav1.Condition pattern', () => {
    const pattern = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
    for (const state of Object.keys(TABLE) as State[]) {
      for (const condition of conditionsFor(state, '', 1, undefined, T0)) assert.match(condition.reason, pattern);
    }
  });
});

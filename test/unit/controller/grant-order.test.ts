// The order of grants for one target: which request's content an Approval keeps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Approval, ApprovalRequest, DecisionEntry } from '../../../src/api/types.ts';
import { BASELINE_ANNOTATION } from '../../../src/api/resources.ts';
import { compareGrants, grantCarriedBy, grantOfRequest, isNewerGrant, type Grant } from '../../../src/controller/grant-order.ts';

const decision = (resultingState: string, timestamp?: string): DecisionEntry => ({ name: 'alice', resultingState, ...(timestamp ? { timestamp } : {}) }) as DecisionEntry;

const request = (name: string, uid: string, decisions: DecisionEntry[], creationTimestamp = '2026-11-01T00:00:00Z'): ApprovalRequest =>
  ({
    metadata: { name, namespace: 'team-a', uid, creationTimestamp },
    spec: { action: 'subscribe', strategy: 'Auto', state: 'Granted', requester: { teamName: 'a', teamEmail: 'a@example.com', reason: 'r' }, target: { kind: 'ApiSubscription', name: 't', namespace: 'team-a' }, decisions },
  }) as ApprovalRequest;

/** The Approval as the builder writes it for `from`, plus the Approval's own later decisions. */
const approvalOf = (from: ApprovalRequest, own: DecisionEntry[] = [], creationTimestamp = '2026-11-02T00:00:00Z', baseline: string | null = `Granted/${from.spec.decisions?.length ?? 0}`): Approval =>
  ({
    metadata: { name: 'apisubscription--t', namespace: 'team-a', uid: 'apv', creationTimestamp, ...(baseline ? { annotations: { [BASELINE_ANNOTATION]: baseline } } : {}) },
    spec: { ...from.spec, decisions: [...(from.spec.decisions ?? []), ...own], approvedRequest: { name: from.metadata.name, namespace: 'team-a', uid: from.metadata.uid } },
  }) as Approval;

describe('grant order', () => {
  it('a request was granted by its last decision', () => {
    const r = request('ow-old', 'u1', [decision('Semigranted', '2026-11-05T10:00:00Z'), decision('Granted', '2026-11-05T11:00:00Z')]);
    assert.deepEqual(grantOfRequest(r), { grantedAt: Date.parse('2026-11-05T11:00:00Z'), name: 'ow-old', uid: 'u1' });
  });

  it('without a decision timestamp the request creation stands in, and without that it is the oldest', () => {
    assert.equal(grantOfRequest(request('r', 'u', [decision('Granted')], '2026-11-03T00:00:00Z')).grantedAt, Date.parse('2026-11-03T00:00:00Z'));
    assert.equal(grantOfRequest(request('r', 'u', [decision('Granted')], '')).grantedAt, Number.NEGATIVE_INFINITY);
  });

  it("an Approval's grant is decision n-1 of its baseline, not its own later decisions", () => {
    const old = request('ow-old', 'u1', [decision('Granted', '2026-11-05T11:00:00Z')]);
    const suspended = approvalOf(old, [decision('Suspended', '2026-11-06T09:00:00Z'), decision('Granted', '2026-11-06T10:00:00Z')]);
    assert.deepEqual(grantCarriedBy(suspended), { grantedAt: Date.parse('2026-11-05T11:00:00Z'), name: 'ow-old', uid: 'u1' });
  });

  it('without a Granted baseline (or a timestamp on the granting decision) the Approval creation stands in', () => {
    const old = request('ow-old', 'u1', [decision('Granted', '2026-11-05T11:00:00Z')]);
    const created = Date.parse('2026-11-02T00:00:00Z');
    assert.equal(grantCarriedBy(approvalOf(old, [], undefined, null)).grantedAt, created, 'no baseline');
    assert.equal(grantCarriedBy(approvalOf(old, [], undefined, 'Suspended/1')).grantedAt, created, 'a hand-written, suspended Approval');
    assert.equal(grantCarriedBy(approvalOf(old, [], undefined, 'Granted/0')).grantedAt, created, 'no decision came with it');
    assert.equal(grantCarriedBy(approvalOf(old, [], undefined, 'Granted/5')).grantedAt, created, 'a baseline beyond the decisions');
    const untimed = request('ow-old', 'u1', [decision('Granted')]);
    assert.equal(grantCarriedBy(approvalOf(untimed)).grantedAt, created, 'a seed-style decision without timestamp');
  });

  it('an Approval naming no request compares with an empty name', () => {
    const approval = approvalOf(request('x', 'u', [decision('Granted', '2026-11-05T11:00:00Z')]));
    delete approval.spec.approvedRequest;
    assert.deepEqual(grantCarriedBy(approval), { grantedAt: Date.parse('2026-11-05T11:00:00Z'), name: '', uid: '' });
  });

  it('the later grant is newer; the same second is decided by name, then uid', () => {
    const at = (iso: string, name: string, uid = 'u'): Grant => ({ grantedAt: Date.parse(iso), name, uid });
    assert.ok(compareGrants(at('2026-11-05T11:00:01Z', 'a'), at('2026-11-05T11:00:00Z', 'z')) > 0);
    assert.ok(compareGrants(at('2026-11-05T11:00:00Z', 'ow-old'), at('2026-11-05T11:00:00Z', 'ow-new')) > 0);
    assert.ok(compareGrants(at('2026-11-05T11:00:00Z', 'r', 'b'), at('2026-11-05T11:00:00Z', 'r', 'a')) > 0);
    assert.equal(compareGrants(at('2026-11-05T11:00:00Z', 'r', 'a'), at('2026-11-05T11:00:00Z', 'r', 'a')), 0);
    const unknown = { grantedAt: Number.NEGATIVE_INFINITY, name: 'r', uid: 'a' };
    assert.ok(compareGrants(unknown, at('1970-01-01T00:00:00Z', 'a')) < 0, 'an unknown time is older than any known one');
    assert.ok(compareGrants({ ...unknown, name: 's' }, unknown) > 0, 'two unknown times compare by name');
  });

  it('is a total order: antisymmetric and transitive', () => {
    const grant = fc.record({
      grantedAt: fc.oneof(fc.constant(Number.NEGATIVE_INFINITY), fc.integer({ min: 0, max: 5 }).map((s) => s * 1000)),
      name: fc.constantFrom('ow-new', 'ow-old', 'a', ''),
      uid: fc.constantFrom('u1', 'u2', ''),
    });
    fc.assert(fc.property(grant, grant, grant, (a, b, c) => {
      assert.equal(Math.sign(compareGrants(a, b)) + Math.sign(compareGrants(b, a)), 0);
      if (compareGrants(a, b) === 0) assert.deepEqual({ ...a }, { ...b }, "only equal grants tie");
      if (compareGrants(a, b) <= 0 && compareGrants(b, c) <= 0) assert.ok(compareGrants(a, c) <= 0);
    }));
  });

  it('ow-new replaces ow-old, never the reverse, however the Approval was decided since', () => {
    const old = request('ow-old', 'u1', [decision('Granted', '2026-11-05T11:00:00Z')]);
    const fresh = request('ow-new', 'u2', [decision('Granted', '2026-11-05T11:00:05Z')]);
    assert.equal(isNewerGrant(fresh, approvalOf(old)), true);
    assert.equal(isNewerGrant(old, approvalOf(fresh)), false);
    // A suspension after ow-new's grant does not make ow-old newer…
    assert.equal(isNewerGrant(old, approvalOf(fresh, [decision('Suspended', '2026-11-06T00:00:00Z')])), false);
    // …and one after ow-old's grant does not make ow-new older.
    assert.equal(isNewerGrant(fresh, approvalOf(old, [decision('Suspended', '2026-11-06T00:00:00Z')])), true);
  });

  it('a request never replaces the grant it is compared with when that grant is its own', () => {
    const r = request('r', 'u1', [decision('Granted', '2026-11-05T11:00:00Z')]);
    assert.equal(isNewerGrant(r, approvalOf(r)), false);
  });
});

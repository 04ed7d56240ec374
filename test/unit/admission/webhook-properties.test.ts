// The admission handlers under random and oversized AdmissionReviews: they never throw, answer
// within a fixed time budget, and never answer a schema-invalid object with an error of their own
// (the mutating webhook lets it through untouched, so the API server reports the schema's message).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pino } from 'pino';
import type { AdmissionRequest, AdmissionResponse } from '../../../src/admission/admission-review.ts';
import { admissionHandlers } from '../../../src/admission/webhook-server.ts';
import { validateManifest } from '../../../src/api/validation.ts';

const BUDGET_MS = 1000;
const STATES = ['Pending', 'Semigranted', 'Granted', 'Rejected', 'Suspended', 'Expired'];

const handlers = admissionHandlers(
  { operatorUsername: 'system:serviceaccount:approval-system:approval-operator', policies: () => [], teamGroupPrefix: 'team:', now: () => new Date(), access: async () => false },
  pino({ level: 'silent' }),
);

const decisionArb = fc.oneof(
  fc.record({ name: fc.constantFrom('', 'alice', 'bob', 'carol', 'System'), resultingState: fc.constantFrom(...STATES) }, { requiredKeys: ['resultingState'] }),
  fc.anything(),
);
const decisionsArb = fc.oneof(fc.array(decisionArb, { maxLength: 8 }), fc.integer({ min: 900, max: 12_000 }).map((n) => Array.from({ length: n }, (_, i) => ({ name: `p${i}`, resultingState: 'Granted' }))));

function request(spec: Record<string, unknown>, kind: string) {
  return { apiVersion: 'approval.cp.ei.telekom.de/v1', kind, metadata: { name: 'r', namespace: 'ns', annotations: { 'approval.cp.ei.telekom.de/requested-by': 'carol' } }, spec };
}

const specArb = fc.record(
  {
    strategy: fc.oneof(fc.constantFrom('Auto', 'Simple', 'FourEyes', 'MultiStage'), fc.anything()),
    state: fc.oneof(fc.constantFrom(...STATES), fc.anything()),
    requester: fc.oneof(
      fc.record({ teamName: fc.constantFrom('shop', 'platform'), teamEmail: fc.constantFrom('shop@example.com', 'x@example.org\r\nBcc: e@example.com'), reason: fc.string(), properties: fc.object() }, { requiredKeys: [] }),
      fc.anything(),
    ),
    decider: fc.oneof(fc.record({ teamName: fc.constantFrom('orders') }), fc.anything()),
    target: fc.oneof(fc.record({ name: fc.constantFrom('t'), namespace: fc.constantFrom('ns'), kind: fc.constantFrom('ApiSubscription') }), fc.anything()),
    stages: fc.oneof(fc.constant(undefined), fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 5 }), evaluation: fc.constantFrom('FirstDecides', 'Quorum', 'AllMustApprove', 'Nope'), required: fc.integer({ min: -2, max: 5 }) }), { maxLength: 3 }), fc.anything()),
    decisions: decisionsArb,
    timeout: fc.oneof(fc.constantFrom('1s', '720h', '99999999h', `${'9'.repeat(63)}h`), fc.anything()),
  },
  { requiredKeys: [] },
);

const reviewArb = fc.record({
  operation: fc.constantFrom('CREATE', 'UPDATE'),
  kind: fc.constantFrom('ApprovalRequest', 'Approval'),
  user: fc.constantFrom('alice', 'carol', 'mallory', 'system:serviceaccount:approval-system:approval-operator'),
  groups: fc.subarray(['team:orders', 'team:shop', 'system:authenticated']),
  spec: specArb,
  oldSpec: specArb,
});

async function timed(path: string, review: AdmissionRequest): Promise<{ response: AdmissionResponse; ms: number }> {
  const started = performance.now();
  const response = await handlers[path]!(review);
  return { response, ms: performance.now() - started };
}

describe('admission handlers (property)', () => {
  it('never throw, stay within the time budget, and let schema-invalid objects reach the schema', async () => {
    await fc.assert(
      fc.asyncProperty(reviewArb, async ({ operation, kind, user, groups, spec, oldSpec }) => {
        const object = request(spec, kind);
        const review: AdmissionRequest = {
          uid: 'u',
          kind: { group: 'approval.cp.ei.telekom.de', version: 'v1', kind },
          namespace: 'ns',
          name: 'r',
          operation: operation as 'CREATE' | 'UPDATE',
          userInfo: { username: user, groups },
          object,
          oldObject: operation === 'UPDATE' ? request(oldSpec, kind) : undefined,
        };
        const mutate = await timed('/mutate', review);
        const validate = await timed('/validate', review);
        assert.ok(mutate.ms < BUDGET_MS, `mutate took ${mutate.ms} ms`);
        assert.ok(validate.ms < BUDGET_MS, `validate took ${validate.ms} ms`);
        for (const { response } of [mutate, validate]) assert.ok((response.status?.code ?? 200) < 500, `no 5xx: ${response.status?.message}`);
        if (!validateManifest(object).valid && !validateManifest({ ...object, spec: { ...object.spec, decisions: [] } }).valid) {
          assert.deepEqual(mutate.response, { uid: 'u', allowed: true }, 'a schema-invalid object passes the mutating webhook untouched');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('answers a 3 MiB object (the API server limit) within the budget', async () => {
    const object = request({ strategy: 'Simple', requester: { teamName: 'shop', teamEmail: 's@example.com', reason: 'x'.repeat(3 * 1024 * 1024) }, target: { name: 't', namespace: 'ns' }, decisions: [] }, 'ApprovalRequest');
    const review: AdmissionRequest = { uid: 'u', kind: { group: 'approval.cp.ei.telekom.de', version: 'v1', kind: 'ApprovalRequest' }, operation: 'CREATE', userInfo: { username: 'carol', groups: ['team:shop'] }, object };
    for (const path of ['/mutate', '/validate']) {
      const { response, ms } = await timed(path, review);
      assert.ok(ms < BUDGET_MS, `${path} took ${ms} ms`);
      assert.ok((response.status?.code ?? 200) < 500);
    }
  });
});

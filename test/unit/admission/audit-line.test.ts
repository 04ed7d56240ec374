// The webhook's audit line for a refusal names the user, the object and the rule, and says whether
// the write was a dry run (`kubectl apply --dry-run=server`, `kubectl approval preview`): a
// refused preview changed nothing, and the log must not read as if it had been tried for real.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { AdmissionRequest } from '../../../src/admission/admission-review.ts';
import { admissionHandlers } from '../../../src/admission/webhook-server.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: pino(stream) };
}

/** An ApprovalRequest the schema refuses: its strategy is not one of the enum's. */
function invalidCreate(dryRun: boolean | undefined): AdmissionRequest {
  return {
    uid: 'u',
    kind: { group: 'approval.cp.ei.telekom.de', version: 'v1', kind: 'ApprovalRequest' },
    operation: 'CREATE',
    namespace: 'shop',
    name: 'r',
    dryRun,
    userInfo: { username: 'mallory', groups: ['system:authenticated'] },
    object: { apiVersion: 'approval.cp.ei.telekom.de/v1', kind: 'ApprovalRequest', metadata: { name: 'r', namespace: 'shop' }, spec: { strategy: 'Nope' } },
  };
}

describe('admission audit line', () => {
  for (const [dryRun, expected] of [[true, true], [false, false], [undefined, false]] as const) {
    it(`marks a refused write with dryRun: ${expected} when the review says ${String(dryRun)}`, async () => {
      const { lines, log } = capture();
      const handlers = admissionHandlers({ operatorUsername: 'system:serviceaccount:approval-system:approval-operator', policies: () => [], teamGroupPrefix: 'team:', now: () => new Date(), access: async () => false }, log);
      const response = await handlers['/validate']!(invalidCreate(dryRun));
      assert.equal(response.allowed, false);
      const audit = lines.filter((line) => line.audit === true);
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.msg, 'admission refused');
      assert.equal(audit[0]!.user, 'mallory');
      assert.equal(audit[0]!.object, 'shop/r');
      assert.equal(audit[0]!.dryRun, expected);
    });
  }
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { generateApiTypes, generatedTypesPath } from '../../../hack/gen-api-types.ts';

describe('src/api/generated.ts', () => {
  it('is up to date with config/crd', () => {
    const expected = generateApiTypes();
    const actual = readFileSync(generatedTypesPath, 'utf8');
    assert.ok(actual === expected, 'src/api/generated.ts is stale: run `node hack/gen-api-types.ts` and commit the result');
  });

  it('declares the kinds with ObjectMeta metadata and the spec/status types', () => {
    const code = generateApiTypes();
    for (const kind of ['ApprovalRequest', 'Approval', 'ApprovalPolicy']) {
      assert.match(code, new RegExp(`export interface ${kind} \\{\\n  apiVersion\\?: string;\\n  kind\\?: string;\\n  metadata: ObjectMeta;\\n  spec: ${kind}Spec;\\n  status\\?: ${kind}Status;\\n\\}`));
    }
    assert.match(code, /export type Strategy = 'Auto' \| 'Simple' \| 'FourEyes' \| 'MultiStage';/);
    assert.match(code, /export type ApprovalRequestState = 'Pending' \| 'Semigranted' \| 'Granted' \| 'Rejected' \| 'Expired';/);
    assert.match(code, /export type ApprovalState = 'Pending' \| 'Semigranted' \| 'Granted' \| 'Rejected' \| 'Suspended' \| 'Expired';/);
  });
});

// The field-ownership table as data: which rule a change falls under, including the `*` rows
// that keep a field the table does not name fixed (requests) or the operator's (Approvals).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { APPROVAL_FIELDS, OWNER_RULES, REQUEST_FIELDS, changedFields, ruleFor } from '../../../src/authorization/field-ownership.ts';

const request = (spec: Record<string, unknown>, annotations?: Record<string, string>) => ({ metadata: { annotations }, spec });
const base = { requester: { teamName: 'shop', reason: 'r', properties: { a: 1 } }, target: { name: 't' }, state: 'Pending', decisions: [] };

describe('field ownership', () => {
  it('names every changed field of a request with its owner, nested rows for the requester', () => {
    const after = { ...base, requester: { teamName: 'shop', reason: 'new', properties: { a: 2 } }, state: 'Granted', callback: { url: 'x' } };
    assert.deepEqual(changedFields(REQUEST_FIELDS, request(base), request(after)), [
      { field: 'spec.requester.reason', owner: 'requester' },
      { field: 'spec.requester.properties', owner: 'fixed' },
      { field: 'spec.state', owner: 'decider' },
      { field: 'spec.callback', owner: 'fixed' },
    ]);
  });

  it('keeps a field the table does not name fixed on requests and the operator\'s on Approvals', () => {
    assert.equal(ruleFor(REQUEST_FIELDS, 'spec.somethingNew').owner, 'fixed');
    assert.equal(ruleFor(REQUEST_FIELDS, 'spec.requester.nickname').owner, 'fixed');
    assert.equal(ruleFor(APPROVAL_FIELDS, 'spec.requester').owner, 'operator');
    assert.equal(ruleFor(APPROVAL_FIELDS, 'spec.decisions').owner, 'decider');
  });

  it("sees added, changed and removed annotations under the operator's prefix, and no others", () => {
    const before = request(base, { 'approval.cp.ei.telekom.de/requested-by': 'carol', 'example.com/x': '1' });
    const after = request(base, { 'approval.cp.ei.telekom.de/baseline': 'Granted/3', 'example.com/x': '2' });
    assert.deepEqual(changedFields(REQUEST_FIELDS, before, after), [
      { field: 'metadata.annotations.approval.cp.ei.telekom.de/requested-by', owner: 'operator' },
      { field: 'metadata.annotations.approval.cp.ei.telekom.de/baseline', owner: 'operator' },
    ]);
  });

  it('treats an absent field and null alike, and reports nothing for an unchanged object', () => {
    assert.deepEqual(changedFields(REQUEST_FIELDS, request({ ...base, timeout: undefined }), request({ ...base, timeout: null })), []);
    assert.deepEqual(changedFields(REQUEST_FIELDS, request(base), request(structuredClone(base))), []);
  });

  it('throws for a table without a row or wildcard for the field (a table bug, not user input)', () => {
    assert.throws(() => ruleFor([{ field: 'spec.state', owner: 'decider' }], 'spec.other'), /no row for spec.other/);
  });
});

describe('docs/security.md', () => {
  const section = (text: string, heading: string) => {
    const start = text.indexOf(`#### ${heading}\n`);
    assert.ok(start >= 0, `no section ${heading}`);
    const end = text.indexOf('\n#', start + 1);
    return text.slice(start, end < 0 ? undefined : end);
  };
  const documentedRows = (text: string) => text.split('\n').filter((line) => line.startsWith('| `'));

  it('prints exactly the rows of the field-ownership tables, in order, and what each owner may do', async () => {
    const text = await readFile(new URL('../../../docs/security.md', import.meta.url), 'utf8');
    for (const [heading, table] of [['ApprovalRequest', REQUEST_FIELDS], ['Approval', APPROVAL_FIELDS]] as const) {
      assert.deepEqual(documentedRows(section(text, heading)), table.map((rule) => `| \`${rule.field}\` | ${rule.owner} |`));
    }
    for (const [owner, rule] of Object.entries(OWNER_RULES)) assert.ok(text.includes(`- **${owner}**: ${rule}\n`), `owner ${owner} is explained`);
  });
});

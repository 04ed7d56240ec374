// -o json|yaml|name of the plugin: as kubectl prints objects and lists.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { formatObject, formatObjects, sortKeys } from '../../../src/cli/output.ts';
import { approval, request } from './fixtures.ts';

describe('sortKeys', () => {
  it('orders the keys of every nested object, as Go\'s encoders do, and keeps arrays in order', () => {
    const sorted = sortKeys({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } });
    assert.equal(JSON.stringify(sorted), '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });
});

describe('formatObjects', () => {
  const items = [request('orders-read'), request('orders-write')];
  // Items of a list response come without apiVersion and kind.
  const bare = items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest as typeof items[number]);

  it('prints a v1 List in JSON, indented by four spaces, with apiVersion and kind on every item', () => {
    const text = formatObjects('ApprovalRequest', bare, 'json');
    assert.match(text, /^\{\n {4}"apiVersion": "v1",\n {4}"items": \[\n/);
    assert.ok(text.endsWith('    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n'));
    const list = JSON.parse(text) as { items: Array<{ apiVersion: string; kind: string; metadata: { name: string } }> };
    assert.deepEqual(list.items.map((i) => [i.apiVersion, i.kind, i.metadata.name]), [
      ['approval.cp.ei.telekom.de/v1', 'ApprovalRequest', 'orders-read'],
      ['approval.cp.ei.telekom.de/v1', 'ApprovalRequest', 'orders-write'],
    ]);
  });

  it('prints YAML with sorted keys and unindented sequences, like kubectl', () => {
    const text = formatObjects('ApprovalRequest', items, 'yaml');
    assert.match(text, /^apiVersion: v1\nitems:\n- apiVersion: approval\.cp\.ei\.telekom\.de\/v1\n {2}kind: ApprovalRequest\n/);
    assert.deepEqual((parseYaml(text) as { items: unknown[] }).items.length, 2);
    assert.equal(formatObjects('ApprovalRequest', [], 'yaml'), 'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n');
  });

  it('prints kind.group/name with -o name', () => {
    assert.equal(formatObjects('Approval', [approval('a'), approval('b')], 'name'),
      'approval.approval.cp.ei.telekom.de/a\napproval.approval.cp.ei.telekom.de/b\n');
    assert.equal(formatObjects('ApprovalRequest', [], 'name'), '');
  });
});

describe('formatObject', () => {
  it('leaves out managedFields, as kubectl does', () => {
    const subject = request('orders-read', { metadata: { managedFields: [{ manager: 'kubectl' }] } });
    const printed = JSON.parse(formatObject('ApprovalRequest', subject, 'json')) as typeof subject;
    assert.equal('managedFields' in printed.metadata, false);
    assert.equal(printed.metadata.name, 'orders-read');
  });

  it('prints one object as it is', () => {
    const subject = request('orders-read');
    assert.deepEqual(JSON.parse(formatObject('ApprovalRequest', subject, 'json')), subject);
    assert.deepEqual(parseYaml(formatObject('ApprovalRequest', subject, 'yaml')), subject);
    assert.equal(formatObject('ApprovalRequest', subject, 'name'), 'approvalrequest.approval.cp.ei.telekom.de/orders-read\n');
  });
});

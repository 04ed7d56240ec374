// Shell completion of the plugin (cobra's __complete protocol, which kubectl uses for plugins too):
// what is offered at each position of a command line. The cluster is a fake Lookup.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command, Kind } from '../../../src/cli/args.ts';
import { Directive, complete, formatCompletion, type Lookup, type Scope } from '../../../src/cli/completion.ts';

const calls: Array<{ scope: Scope; kind?: Kind; verb?: Command }> = [];
const lookup: Lookup = {
  names: async (scope, kind, verb) => {
    calls.push({ scope, kind, verb });
    return kind === 'Approval'
      ? [{ name: 'apisubscription--a--b', description: 'Granted Simple' }]
      : [{ name: 'orders-read', description: 'Pending Simple' }, { name: 'orders-write', description: 'Semigranted FourEyes' }];
  },
  namespaces: async () => ['default', 'shop', 'team-orders'],
  contexts: async () => ['dev', 'prod'],
};

const values = async (words: string[]) => (await complete(words, lookup)).candidates.map((c) => c.split('\t')[0]);

describe('complete', () => {
  it('offers the commands, with descriptions, for the first word', async () => {
    const result = await complete([''], lookup);
    assert.equal(result.directive, Directive.noFileComp);
    assert.deepEqual(result.candidates.map((c) => c.split('\t')[0]), ['help', 'list', 'describe', 'approve', 'reject', 'suspend', 'resume', 'preview', 'completion']);
    assert.ok(result.candidates.includes('approve\tVote to approve (Allow)'));
    assert.deepEqual(await values(['re']), ['reject', 'resume']);
    assert.deepEqual(await values(['-n', 'shop', 'ap']), ['approve']);
    assert.deepEqual(await values(['help', '']), ['list', 'describe', 'approve', 'reject', 'suspend', 'resume', 'preview', 'completion']);
  });

  it('offers the flags of the command', async () => {
    assert.deepEqual(await values(['list', '--']), ['--kubeconfig', '--context', '--namespace', '--as', '--as-group', '--help', '--approval', '--all-namespaces', '--pending', '--mine', '--output']);
    assert.deepEqual(await values(['approve', 'x', '--d']), ['--dry-run']);
    assert.deepEqual(await values(['preview', '--f']), ['--filename']);
  });

  it('offers flag values after the flag and after --flag=', async () => {
    assert.deepEqual(await values(['list', '-o', '']), ['json', 'yaml', 'wide', 'name']);
    assert.deepEqual(await values(['describe', 'x', '--output', '']), ['json', 'yaml']);
    assert.deepEqual(await values(['describe', 'x', '--output=y']), ['--output=yaml']);
    assert.deepEqual(await values(['approve', 'x', '--dry-run=']), ['--dry-run=server', '--dry-run=none']);
    assert.deepEqual(await values(['approve', 'x', '--dry-run', 's']), ['server']);
    assert.deepEqual(await values(['list', '-n', 's']), ['shop']);
    assert.deepEqual(await values(['--context', '']), ['dev', 'prod']);
    assert.deepEqual(await complete(['approve', 'x', '-m', ''], lookup), { candidates: [], directive: Directive.noFileComp });
  });

  it('lets the shell complete files for -f (YAML and JSON) and --kubeconfig', async () => {
    assert.deepEqual(await complete(['preview', '-f', ''], lookup), { candidates: ['yaml', 'yml', 'json'], directive: Directive.filterFileExt });
    assert.deepEqual(await complete(['list', '--kubeconfig', ''], lookup), { candidates: [], directive: Directive.default });
  });

  it('offers object names from the cluster the typed flags point at', async () => {
    calls.length = 0;
    assert.deepEqual(await values(['approve', '-n', 'shop', '--context=prod', '--as', 'alice', '--as-group', 'team:orders', 'orders-w']), ['orders-write']);
    assert.deepEqual(calls, [{ scope: { namespace: 'shop', context: 'prod', as: 'alice', asGroups: ['team:orders'] }, kind: 'ApprovalRequest', verb: 'approve' }]);
    assert.deepEqual(await values(['describe', 'apv/']), ['apv/apisubscription--a--b']);
    assert.deepEqual(await values(['describe', 'ar/orders-r']), ['ar/orders-read']);
    assert.deepEqual(await values(['describe', '--approval', '']), ['apisubscription--a--b']);
    assert.deepEqual(await values(['describe', 'pods/']), []);
    // A second NAME is never right.
    assert.deepEqual(await values(['describe', 'orders-read', '']), []);
  });

  it('offers Approvals as apv/NAME for suspend and resume', async () => {
    calls.length = 0;
    assert.deepEqual(await values(['suspend', '']), ['apv/apisubscription--a--b']);
    assert.deepEqual(calls.map((c) => [c.kind, c.verb]), [['Approval', 'suspend']]);
    assert.deepEqual(await values(['resume', 'ar/']), []);
  });

  it('offers the kinds for list and the shells for completion', async () => {
    assert.deepEqual(await values(['list', '']), ['ar', 'apv']);
    assert.deepEqual(await values(['completion', '']), ['bash', 'zsh']);
    assert.deepEqual(await values(['preview', '']), []);
  });
});

describe('formatCompletion', () => {
  it('prints one candidate per line and the directive last', () => {
    assert.equal(formatCompletion({ candidates: ['a\tfirst', 'b'], directive: 4 }), 'a\tfirst\nb\n:4\n');
    assert.equal(formatCompletion({ candidates: [], directive: 0 }), ':0\n');
  });
});

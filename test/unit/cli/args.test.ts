// Command-line parsing of kubectl-approval: commands, targets, kubectl's connection flags, mistakes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError, parseInvocation, parseTarget } from '../../../src/cli/args.ts';
import { usage } from '../../../src/cli/help.ts';

const usageError = (argv: string[], pattern: RegExp, topic?: string) =>
  assert.throws(() => parseInvocation(argv), (err: unknown) => {
    assert.ok(err instanceof UsageError, String(err));
    assert.match(err.message, pattern);
    assert.equal(err.topic, topic);
    return true;
  });

describe('parseInvocation', () => {
  it('shows the overview without arguments, with -h, and with help', () => {
    assert.deepEqual(parseInvocation([]), { command: 'help' });
    assert.deepEqual(parseInvocation(['--help']), { command: 'help' });
    assert.deepEqual(parseInvocation(['-h']), { command: 'help' });
    assert.deepEqual(parseInvocation(['help']), { command: 'help', topic: undefined });
  });

  it('shows a command\'s help with COMMAND --help and help COMMAND', () => {
    assert.deepEqual(parseInvocation(['approve', '--help']), { command: 'help', topic: 'approve' });
    assert.deepEqual(parseInvocation(['list', '-h', '-n', 'x']), { command: 'help', topic: 'list' });
    assert.deepEqual(parseInvocation(['help', 'describe']), { command: 'help', topic: 'describe' });
    usageError(['help', 'frobnicate'], /unknown command "frobnicate"/);
  });

  it('parses list with its filters', () => {
    assert.deepEqual(parseInvocation(['list']), {
      command: 'list', connection: { asGroups: [] }, kind: 'ApprovalRequest', allNamespaces: false, pending: false, mine: false,
    });
    assert.deepEqual(parseInvocation(['list', '--pending', '--mine', '-A']), {
      command: 'list', connection: { asGroups: [] }, kind: 'ApprovalRequest', allNamespaces: true, pending: true, mine: true,
    });
  });

  it('lists approvals with --approval or a kind argument', () => {
    for (const argv of [['list', '--approval'], ['list', 'apv'], ['list', 'approvals'], ['list', 'approvals.approval.cp.ei.telekom.de']]) {
      const invocation = parseInvocation(argv);
      assert.equal(invocation.command === 'list' && invocation.kind, 'Approval', argv.join(' '));
    }
    const requests = parseInvocation(['list', 'ar']);
    assert.equal(requests.command === 'list' && requests.kind, 'ApprovalRequest');
    usageError(['list', 'ar', '--approval'], /--approval conflicts with "ar"/, 'list');
    usageError(['list', 'pods'], /unknown resource type "pods"/, 'list');
    usageError(['list', 'ar', 'apv'], /at most one argument/, 'list');
  });

  it('parses the kubectl connection flags in any position', () => {
    const invocation = parseInvocation([
      '--kubeconfig', '/tmp/kc', 'approve', '--context=prod', 'orders-read', '-n', 'shop', '--as', 'alice', '--as-group', 'team:orders', '--as-group=devs', '-m', 'ok',
    ]);
    assert.deepEqual(invocation, {
      command: 'approve',
      connection: { kubeconfig: '/tmp/kc', context: 'prod', namespace: 'shop', as: 'alice', asGroups: ['team:orders', 'devs'] },
      target: { kind: 'ApprovalRequest', name: 'orders-read' },
      message: 'ok',
    });
    const short = parseInvocation(['reject', '-nshop', 'x', '--message=no']);
    assert.equal(short.command === 'reject' && short.connection.namespace, 'shop');
    assert.equal(short.command === 'reject' && short.message, 'no');
  });

  it('parses every vote verb, with and without a comment', () => {
    for (const verb of ['approve', 'reject', 'suspend', 'resume'] as const) {
      assert.deepEqual(parseInvocation([verb, 'apv/x']), { command: verb, connection: { asGroups: [] }, target: { kind: 'Approval', name: 'x' } });
    }
    assert.deepEqual(parseInvocation(['suspend', '--approval', 'x', '-m', '']), {
      command: 'suspend', connection: { asGroups: [] }, target: { kind: 'Approval', name: 'x' }, message: '',
    });
  });

  it('parses describe', () => {
    assert.deepEqual(parseInvocation(['describe', 'ar/orders-read']), {
      command: 'describe', connection: { asGroups: [] }, target: { kind: 'ApprovalRequest', name: 'orders-read' },
    });
  });

  it('refuses mistakes with a message naming the command', () => {
    usageError(['frobnicate'], /unknown command "frobnicate"/);
    usageError(['-n', 'x'], /a command is required/);
    usageError(['approve'], /"approve" needs the NAME/, 'approve');
    usageError(['approve', 'a', 'b'], /takes one NAME, got: a b/, 'approve');
    usageError(['approve', 'x', '--bogus'], /unknown flag: --bogus/, 'approve');
    usageError(['approve', 'x', '-m'], /flag needs an argument: -m, --message/, 'approve');
    usageError(['list', '-m', 'hi'], /flag --message is not valid for "list"/, 'list');
    usageError(['describe', 'x', '--pending'], /flag --pending is not valid for "describe"/, 'describe');
    usageError(['approve', 'x', '-A'], /flag --all-namespaces is not valid for "approve"/, 'approve');
    usageError(['list', '-A', '-n', 'x'], /cannot be used together/, 'list');
    usageError(['approve', 'x', '--as-group', 'team:orders'], /--as-group needs --as/, 'approve');
    usageError(['approve', 'Not_A_Name'], /not a valid object name/, 'approve');
  });
});

describe('parseInvocation: output, dry run, preview, completion', () => {
  it('takes -o where the command can print it', () => {
    const list = parseInvocation(['list', '-o', 'wide']);
    assert.equal(list.command === 'list' && list.output, 'wide');
    for (const format of ['json', 'yaml', 'name']) {
      const parsed = parseInvocation(['list', `--output=${format}`]);
      assert.equal(parsed.command === 'list' && parsed.output, format);
    }
    assert.deepEqual(parseInvocation(['describe', 'x', '-o', 'yaml']), {
      command: 'describe', connection: { asGroups: [] }, target: { kind: 'ApprovalRequest', name: 'x' }, output: 'yaml',
    });
    usageError(['describe', 'x', '-o', 'wide'], /unable to match a printer for --output="wide" \(allowed for "describe": json, yaml\)/, 'describe');
    usageError(['list', '-o', 'table'], /unable to match a printer/, 'list');
  });

  it('takes --dry-run=server on the votes; none is no dry run; client is refused with the reason', () => {
    assert.deepEqual(parseInvocation(['approve', 'x', '--dry-run=server', '-m', 'ok']), {
      command: 'approve', connection: { asGroups: [] }, target: { kind: 'ApprovalRequest', name: 'x' }, message: 'ok', dryRun: true,
    });
    const spaced = parseInvocation(['suspend', 'apv/x', '--dry-run', 'server', '-o', 'json']);
    assert.equal(spaced.command === 'suspend' && spaced.dryRun, true);
    assert.equal(spaced.command === 'suspend' && spaced.output, 'json');
    assert.equal('dryRun' in parseInvocation(['reject', 'x', '--dry-run=none']), false);
    usageError(['approve', 'x', '--dry-run=client'], /--dry-run=client is not supported: only the API server/, 'approve');
    usageError(['approve', 'x', '--dry-run=maybe'], /invalid --dry-run value "maybe"/, 'approve');
    usageError(['list', '--dry-run=server'], /flag --dry-run is not valid for "list"/, 'list');
  });

  it('parses preview -f FILE with its dry run, and refuses it without a file', () => {
    assert.deepEqual(parseInvocation(['preview', '-f', 'request.yaml', '-n', 'shop', '--dry-run=server']), {
      command: 'preview', connection: { namespace: 'shop', asGroups: [] }, file: 'request.yaml', dryRun: true,
    });
    assert.deepEqual(parseInvocation(['preview', '--filename=-']), { command: 'preview', connection: { asGroups: [] }, file: '-' });
    usageError(['preview'], /"preview" needs -f FILE/, 'preview');
    usageError(['preview', 'request.yaml'], /takes no arguments, got: request\.yaml \(name the file with -f\)/, 'preview');
    usageError(['preview', '-f', 'x', '--approval'], /flag --approval is not valid for "preview"/, 'preview');
    usageError(['approve', 'x', '-f', 'y'], /flag --filename is not valid for "approve"/, 'approve');
  });

  it('parses completion SHELL', () => {
    assert.deepEqual(parseInvocation(['completion', 'bash']), { command: 'completion', shell: 'bash' });
    assert.deepEqual(parseInvocation(['completion', 'zsh']), { command: 'completion', shell: 'zsh' });
    usageError(['completion'], /"completion" needs the shell: bash or zsh/, 'completion');
    usageError(['completion', 'fish'], /needs the shell/, 'completion');
    usageError(['completion', 'bash', '-n', 'x'], /flag --namespace is not valid for "completion"/, 'completion');
  });
});

describe('parseTarget', () => {
  it('defaults to a request, and to an Approval with --approval', () => {
    assert.deepEqual(parseTarget('orders-read'), { kind: 'ApprovalRequest', name: 'orders-read' });
    assert.deepEqual(parseTarget('orders-read', true), { kind: 'Approval', name: 'orders-read' });
  });

  it('reads the kubectl kind prefixes', () => {
    for (const prefix of ['ar', 'approvalrequest', 'approvalrequests', 'ApprovalRequest', 'approvalrequests.approval.cp.ei.telekom.de']) {
      assert.deepEqual(parseTarget(`${prefix}/x`), { kind: 'ApprovalRequest', name: 'x' }, prefix);
    }
    for (const prefix of ['apv', 'approval', 'approvals', 'approvals.approval.cp.ei.telekom.de']) {
      assert.deepEqual(parseTarget(`${prefix}/apisubscription--a--b`), { kind: 'Approval', name: 'apisubscription--a--b' }, prefix);
      assert.deepEqual(parseTarget(`${prefix}/x`, true), { kind: 'Approval', name: 'x' }, prefix);
    }
  });

  it('refuses an unknown prefix, a conflicting --approval and a bad name', () => {
    assert.throws(() => parseTarget('pod/x'), /unknown resource type "pod"/);
    assert.throws(() => parseTarget('ar/x', true), /--approval conflicts with "ar"/);
    assert.throws(() => parseTarget('ar/'), /not a valid object name/);
    assert.throws(() => parseTarget('toString/x'), /unknown resource type/);
  });
});

describe('usage', () => {
  it('lists every command and the connection flags', () => {
    const text = usage();
    for (const word of ['list', 'describe', 'approve', 'reject', 'suspend', 'resume', 'preview', 'completion', '--kubeconfig', '--context', '--namespace', '--as-group', 'Examples:']) {
      assert.ok(text.includes(word), word);
    }
  });

  it('has a usage line and examples for each command', () => {
    for (const command of ['list', 'describe', 'approve', 'reject', 'suspend', 'resume', 'preview'] as const) {
      const text = usage(command);
      assert.match(text, new RegExp(`Usage:\\n  kubectl approval ${command} `), command);
      assert.match(text, new RegExp(`Examples:\\n(.*\\n)*  kubectl approval ${command} `), command);
    }
  });
});

// The plugin's entry point without a cluster: help, usage mistakes, exit codes, error wording.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorText, run } from '../../../src/cli/main.ts';
import { UsageError } from '../../../src/cli/args.ts';
import { VoteRefused } from '../../../src/cli/vote.ts';
import { ApiError } from '../../../src/runtime/kube-client.ts';

async function capture(argv: string[]) {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (text) => (out += text), err: (text) => (err += text) });
  return { code, out, err };
}

describe('run', () => {
  it('prints the usage on stdout and exits 0', async () => {
    const result = await capture(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.out, /^kubectl approval - /);
    assert.equal(result.err, '');
    assert.match((await capture(['reject', '-h'])).out, /kubectl approval reject NAME \[-m COMMENT\]/);
  });

  it('exits 1 with a hint on a usage mistake', async () => {
    const result = await capture(['approve', 'x', '--bogus']);
    assert.equal(result.code, 1);
    assert.equal(result.out, '');
    assert.equal(result.err, "error: unknown flag: --bogus\nSee 'kubectl approval approve --help' for usage.\n");
  });

  it('exits 1 when the kubeconfig cannot be read', async () => {
    const result = await capture(['list', '--kubeconfig', '/nonexistent/kubeconfig']);
    assert.equal(result.code, 1);
    assert.match(result.err, /^error: cannot load kubeconfig \/nonexistent\/kubeconfig: .*ENOENT/);
  });
});

describe('run: completion', () => {
  it('prints the completion scripts', async () => {
    const bash = await capture(['completion', 'bash']);
    assert.equal(bash.code, 0);
    assert.match(bash.out, /^# bash completion for kubectl-approval/);
    assert.match(bash.out, /\ncomplete -F _kubectl_approval kubectl-approval\n$/);
    assert.match((await capture(['completion', 'zsh'])).out, /^#compdef kubectl-approval\n/);
  });

  it('answers __complete, and never fails: without a cluster it offers nothing', async () => {
    assert.deepEqual(await capture(['__complete', 'desc']), { code: 0, out: 'describe\tShow requester, reason, stages, votes and the transitions allowed next\n:4\n', err: '' });
    assert.deepEqual(await capture(['__complete', 'approve', '--kubeconfig', '/nonexistent', '']), { code: 0, out: ':4\n', err: '' });
  });
});

describe('errorText', () => {
  it('words server refusals like kubectl', () => {
    const err = new ApiError(403, 'PATCH', '/x', { reason: 'Forbidden', message: 'user "carol" created this request and cannot decide it' });
    assert.equal(errorText(err), 'Error from server (Forbidden): user "carol" created this request and cannot decide it');
  });

  it('words local refusals and usage errors', () => {
    assert.equal(errorText(new VoteRefused('cannot reject x')), 'error: cannot reject x');
    assert.equal(errorText(new UsageError('unknown command "x"')), "error: unknown command \"x\"\nSee 'kubectl approval --help' for usage.");
    assert.equal(errorText(new Error('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') })), 'error: fetch failed: connect ECONNREFUSED 127.0.0.1:1');
  });
});

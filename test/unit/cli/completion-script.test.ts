// The completion scripts, run by the real shells: each word position of a command line as bash
// (and zsh, when installed) would complete it. The plugin answers through bin/kubectl-approval
// (`__complete`); nothing here needs a cluster.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../../hack/control-plane.ts';
import { completionScript } from '../../../src/cli/completion-script.ts';

const env = { ...process.env, PATH: `${join(repoRoot, 'bin')}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`, KUBECONFIG: '/nonexistent' };
const hasShell = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

/** COMPREPLY of the bash function for the command line `line` (the cursor at its end). */
function bashComplete(line: string, cwd = repoRoot): string[] {
  const script = `${completionScript('bash')}
line=${JSON.stringify(line)}
COMP_LINE=$line
COMP_POINT=\${#line}
# bash splits the words at blanks and at the characters of COMP_WORDBREAKS, such as '='.
read -r -a COMP_WORDS <<< "$(sed -e 's/=/ = /g' <<< "$line")"
[[ $line =~ [[:space:]]$ ]] && COMP_WORDS+=("")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_kubectl_approval
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const result = spawnSync('bash', ['-c', script], { cwd, env, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.split('\n').filter((l) => l !== '');
}

describe('bash completion script', () => {
  it('completes commands, flags and flag values', () => {
    assert.deepEqual(bashComplete('kubectl-approval ap'), ['approve']);
    assert.deepEqual(bashComplete('kubectl-approval list -o '), ['json', 'yaml', 'wide', 'name']);
    assert.deepEqual(bashComplete('kubectl-approval approve x --dry'), ['--dry-run']);
    // bash replaces only the word after '=': the candidates must not repeat "--dry-run=".
    assert.deepEqual(bashComplete('kubectl-approval approve x --dry-run=se'), ['server']);
  });

  it('completes YAML and JSON files (and directories) after -f', () => {
    const dir = mkdtempSync(join(tmpdir(), 'completion-'));
    for (const file of ['request.yaml', 'policy.json', 'notes.txt']) writeFileSync(join(dir, file), '');
    mkdirSync(join(dir, 'samples'));
    assert.deepEqual(bashComplete('kubectl-approval preview -f ', dir).sort(), ['policy.json', 'request.yaml', 'samples']);
  });
});

describe('zsh completion script', { skip: !hasShell('zsh') && 'zsh is not installed' }, () => {
  /** What the zsh function hands to _describe / _files, with those stubbed. */
  function zshComplete(words: string[]): string[] {
    const script = `${completionScript('zsh').replace(/^if \[ "\$funcstack\[1\]".*$[\s\S]*$/m, '')}
_describe() { shift $(( $# - 1 )); print -l -- "\${(@P)1}" }
_files() { print -- "_files $*" }
words=(${words.map((w) => JSON.stringify(w)).join(' ')})
CURRENT=\${#words}
_kubectl_approval
`;
    const result = spawnSync('zsh', ['-f', '-c', script], { env, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.split('\n').filter((l) => l !== '');
  }

  it('hands the candidates with their descriptions to _describe, and file patterns to _files', () => {
    assert.deepEqual(zshComplete(['kubectl-approval', 're']), ['reject:Vote to reject (Deny)', 'resume:Resume a suspended Approval']);
    assert.deepEqual(zshComplete(['kubectl-approval', 'approve', 'x', '--dry-run=']), ['--dry-run=server', '--dry-run=none']);
    assert.deepEqual(zshComplete(['kubectl-approval', 'preview', '-f', '']), ['_files -g *.(yaml|yml|json)']);
  });
});

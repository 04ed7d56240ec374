// The plugin as a user gets it: `npm pack` (prepack builds dist/), `npm install --prefix` of the
// tarball into an empty directory (dependencies from the npm cache), and the installed
// `kubectl-approval` run as an executable — its `#!/usr/bin/env node` resolved once to the
// machine's Node 20 and once to Node 24 — against the test cluster: list, describe, approve.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../../hack/control-plane.ts';
import { approvalRequestResource } from '../../../src/api/resources.ts';
import type { ApprovalRequest } from '../../../src/api/types.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { objectPath } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, eventually, kubeconfigPath } from '../../support/cluster.ts';
import { installCrds, kubectlOk } from '../../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../../support/operator.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const started = performance.now();
  const child = spawn(command, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Math.round(performance.now() - started) }));
  });
}

const majorOf = (node: string) => Number(spawnSync(node, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout.trim() || 0);

/** A Node 20 on this machine (the distribution's), if there is one. */
function findNode20(): string | undefined {
  const candidates = ['/usr/bin/node', '/usr/local/bin/node', ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'node'))];
  return candidates.find((node) => existsSync(node) && majorOf(node) === 20);
}

const node20 = findNode20();
const node24 = process.execPath;

describe('the npm package of the plugin', { skip: spawnSync('npm', ['--version']).status !== 0 && 'npm is not installed' }, () => {
  let dir: string;
  let prefix: string;
  let packed: { filename: string; files: Array<{ path: string }> };
  let client: KubeClient;
  let operator: RunningOperator;
  let ns: string;

  /** The installed `kubectl-approval …` with `node` on PATH being `node`. */
  const plugin = (node: string, args: string[]) =>
    run(join(prefix, 'node_modules', '.bin', 'kubectl-approval'), [...args, '-n', ns, '--kubeconfig', kubeconfigPath(), '--as', 'alice', '--as-group', 'team:orders'], {
      cwd: dir,
      env: { ...process.env, PATH: `${dirname(node)}${delimiter}/usr/bin${delimiter}/bin` },
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'approval-package-'));
    prefix = join(dir, 'prefix');
    const pack = await run('npm', ['pack', '--json', '--pack-destination', dir]);
    assert.equal(pack.code, 0, pack.stderr);
    // prepack's build prints to stderr; stdout is the JSON report.
    packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as Array<typeof packed>)[0]!;
    const install = await run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', join(dir, packed.filename)], { cwd: dir });
    assert.equal(install.code, 0, install.stderr);

    client = adminClient();
    await installCrds();
    ns = await createNamespace(client, 'package');
    // The decider team may read and vote here; the admission webhook checks each vote.
    await client.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
      metadata: { name: 'deciders' },
      rules: [{ apiGroups: ['approval.cp.ei.telekom.de'], resources: ['approvalrequests', 'approvals'], verbs: ['get', 'list', 'watch', 'patch'] }],
    });
    await client.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
      metadata: { name: 'deciders' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deciders' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team:orders' }],
    });
    operator = await startOperator({ webhook: true });
    for (const name of ['from-node-20', 'from-node-24']) {
      await kubectlOk(['-n', ns, 'apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'approval.cp.ei.telekom.de/v1',
          kind: 'ApprovalRequest',
          metadata: { name },
          spec: {
            action: 'subscribe',
            strategy: 'Simple',
            requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'The package test.' },
            decider: { teamName: 'orders', teamEmail: 'orders@example.com' },
            target: { kind: 'ApiSubscription', name: `shop-frontend--${name}`, namespace: 'default' },
          },
        }),
      });
      await eventually(`${name} to be reconciled`, async () => (await client.get<ApprovalRequest>(objectPath(approvalRequestResource, ns, name))).status?.lastState === 'Pending');
    }
  });

  after(async () => {
    await operator?.stop();
    await client?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds the built plugin and its executables, not the sources', () => {
    const files = packed.files.map((f) => f.path);
    for (const file of ['dist/cli/kubectl-approval.js', 'dist/cli/kubectl_complete-approval.js', 'dist/cli/main.js', 'dist/main.js', 'README.md', 'docs/cli.md', 'package.json']) {
      assert.ok(files.includes(file), file);
    }
    assert.deepEqual(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('hack/') || f.endsWith('.map') || f.endsWith('.ts')), []);
  });

  for (const [label, node] of [['Node 20', node20], ['Node 24', node24]] as const) {
    it(`runs list, describe and approve on ${label}`, { skip: !node && 'no Node 20 on this machine' }, async (t) => {
      const version = spawnSync(node!, ['--version'], { encoding: 'utf8' }).stdout.trim();
      const name = `from-node-${majorOf(node!)}`;
      const list = await plugin(node!, ['list', '--pending']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, new RegExp(`^${name}\\s+Pending\\s+Simple\\s+shop\\s+orders\\s`, 'm'));
      const describe = await plugin(node!, ['describe', name]);
      assert.equal(describe.code, 0, describe.stderr);
      assert.match(describe.stdout, new RegExp(`^Name:\\s+${name}$`, 'm'));
      assert.match(describe.stdout, /^ {2}approve\s+→ Granted$/m);
      const approve = await plugin(node!, ['approve', name, '-m', `approved with ${version}`]);
      assert.equal(approve.code, 0, approve.stderr);
      assert.match(approve.stdout, new RegExp(`^approvalrequest/${name} approved by alice: Pending → Granted$`, 'm'));
      const stored = await client.get<ApprovalRequest>(objectPath(approvalRequestResource, ns, name));
      assert.deepEqual(stored.spec.decisions?.map((d) => [d.name, d.comment]), [['alice', `approved with ${version}`]]);
      t.diagnostic(`${version}: list ${list.ms} ms, describe ${describe.ms} ms, approve ${approve.ms} ms (includes waiting for the operator)`);
    });
  }

  it('on Node 20, says clearly that an exec credential plugin needs a newer Node', { skip: !node20 && 'no Node 20 on this machine' }, async () => {
    const kubeconfig = join(dir, 'exec-kubeconfig.yaml');
    writeFileSync(kubeconfig, [
      'apiVersion: v1',
      'kind: Config',
      'current-context: cloud',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: get-token}}}]',
      'contexts: [{name: cloud, context: {cluster: c, user: u}}]',
      '',
    ].join('\n'));
    const result = await run(join(prefix, 'node_modules', '.bin', 'kubectl-approval'), ['list', '--kubeconfig', kubeconfig], {
      cwd: dir,
      env: { ...process.env, PATH: `${dirname(node20!)}${delimiter}/usr/bin${delimiter}/bin` },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: the kubeconfig's exec needs @kubernetes\/client-node, which needs Node 22\.19 or newer \(this is Node 20\.\d+\.\d+\)/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('is found by kubectl as a plugin, and completes through kubectl', async () => {
    const env = { ...process.env, PATH: `${join(prefix, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}` };
    const kubectlBin = join(repoRoot, '.local', 'bin', 'kubectl');
    const list = await run(kubectlBin, ['approval', 'list', '-n', ns, '--kubeconfig', kubeconfigPath()], { env });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^from-node-24\s+Granted\s+Simple/m);
    const complete = await run(kubectlBin, ['__complete', 'approval', 'desc'], { env });
    assert.match(complete.stdout, /^describe\t/);
  });
});

// The kubectl plugin against the real API server, run as a person would run it: a subprocess of
// `node src/cli/kubectl-approval.ts` (and through the real kubectl's plugin lookup and plugin
// completion), impersonating a decider with --as/--as-group. The operator runs in-process with
// its admission webhooks and derives the state from the votes.
// Set APPROVAL_CLI_TRANSCRIPT=<file> to record every command and its output (docs/cli.md uses it).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../../../hack/control-plane.ts';
import { approvalPolicyResource, approvalRequestResource, approvalResource } from '../../../src/api/resources.ts';
import type { Approval, ApprovalRequest } from '../../../src/api/types.ts';
import { decisionPatch } from '../../../src/cli/vote.ts';
import { ApiError, PatchType, type KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath, objectPath } from '../../../src/runtime/resource.ts';
import { adminClient, createNamespace, eventually, kubeconfigPath } from '../../support/cluster.ts';
import { installCrds, kubectlOk } from '../../support/kubectl.ts';
import { startOperator, type RunningOperator } from '../../support/operator.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function spawnRun(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const REQUEST = 'orders-read';
const APPROVAL = 'apisubscription--shop-frontend--orders-read';

const fourEyesRequest = (name: string) => ({
  apiVersion: 'approval.cp.ei.telekom.de/v1',
  kind: 'ApprovalRequest',
  metadata: { name },
  spec: {
    action: 'subscribe',
    strategy: 'FourEyes',
    requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'Write access for returns.' },
    decider: { teamName: 'orders', teamEmail: 'orders@example.com' },
    target: { kind: 'ApiSubscription', name: `shop-frontend--${name}`, namespace: 'default' },
  },
});

describe('kubectl approval (plugin)', () => {
  let client: KubeClient;
  let operator: RunningOperator;
  let ns: string;

  /** `kubectl approval ARGS -n NS` as `user` (with the decider team's group unless told otherwise). */
  async function plugin(args: string[], user = 'alice', groups = ['team:orders']): Promise<Run> {
    const identity = [...(user ? ['--as', user] : []), ...groups.flatMap((g) => ['--as-group', g])];
    const result = await spawnRun(process.execPath, [join(repoRoot, 'src', 'cli', 'kubectl-approval.ts'), ...args, '-n', ns, '--kubeconfig', kubeconfigPath(), ...identity]);
    const transcript = process.env.APPROVAL_CLI_TRANSCRIPT;
    if (transcript) {
      const shown = ['kubectl', 'approval', ...args.map((a) => (/\s/.test(a) ? `"${a}"` : a)), '-n', ns, ...identity].join(' ');
      appendFileSync(transcript, `$ ${shown}\n${result.stdout}${result.stderr}[exit ${result.code}]\n\n`);
    }
    return result;
  }

  const getRequest = () => client.get<ApprovalRequest>(objectPath(approvalRequestResource, ns, REQUEST));
  const getApproval = () => client.get<Approval>(objectPath(approvalResource, ns, APPROVAL));

  before(async () => {
    client = adminClient();
    await installCrds();
    ns = await createNamespace(client, 'cli');
    // Deciders may read and patch requests and approvals here; the admission webhook decides who may vote.
    await client.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, {
      metadata: { name: 'deciders' },
      rules: [{ apiGroups: ['approval.cp.ei.telekom.de'], resources: ['approvalrequests', 'approvals'], verbs: ['get', 'list', 'watch', 'patch'] }],
    });
    await client.create(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
      metadata: { name: 'deciders' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deciders' },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'team:orders' },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' },
      ],
    });
    operator = await startOperator({ webhook: true });
    const request = {
      apiVersion: 'approval.cp.ei.telekom.de/v1',
      kind: 'ApprovalRequest',
      metadata: { name: REQUEST },
      spec: {
        action: 'subscribe',
        strategy: 'Simple',
        requester: {
          teamName: 'shop',
          teamEmail: 'shop@example.com',
          reason: 'The shop frontend needs to **read orders** (ticket SHOP-42).',
          applicationRef: { name: 'shop-frontend', namespace: 'default' },
        },
        decider: { teamName: 'orders', teamEmail: 'orders@example.com' },
        target: { apiVersion: 'api.cp.ei.telekom.de/v1', kind: 'ApiSubscription', name: 'shop-frontend--orders-read', namespace: 'default' },
        decisions: [],
      },
    };
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: JSON.stringify(request) });
    await eventually('the operator to publish the request status', async () => (await getRequest()).status?.lastState === 'Pending');
  });

  after(async () => {
    await operator?.stop();
    await client?.close();
  });

  it('lists the pending request', async () => {
    const result = await plugin(['list', '--pending']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+STATE\s+STRATEGY\s+REQUESTER\s+DECIDER\s+AGE$/);
    assert.match(lines[1]!, new RegExp(`^${REQUEST}\\s+Pending\\s+Simple\\s+shop\\s+orders\\s+\\d+s$`));
  });

  it('lists with --mine what the caller decides, and nothing for others', async () => {
    const mine = await plugin(['list', '--mine']);
    assert.equal(mine.code, 0, mine.stderr);
    assert.match(mine.stdout, new RegExp(`^${REQUEST}\\s+Pending`, 'm'));
    const other = await plugin(['list', '--mine'], 'bob', ['team:shop-admins']);
    assert.equal(other.code, 0, other.stderr);
    assert.equal(other.stdout, '');
    assert.equal(other.stderr, `No resources found in ${ns} namespace.\n`);
  });

  it('describes the request before the vote', async () => {
    const result = await plugin(['describe', REQUEST]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Name:\\s+${REQUEST}$`, 'm'));
    assert.match(result.stdout, /^State:\s+Pending$/m);
    assert.match(result.stdout, /^ {2}Team:\s+shop <shop@example\.com>$/m);
    assert.match(result.stdout, /^ {2}Reason:\s+The shop frontend needs to \*\*read orders\*\* \(ticket SHOP-42\)\.$/m);
    assert.match(result.stdout, /^Target:\s+ApiSubscription default\/shop-frontend--orders-read$/m);
    assert.match(result.stdout, /^ {2}approve\s+→ Granted$/m);
    assert.match(result.stdout, /^ {2}reject\s+→ Rejected$/m);
    assert.match(result.stdout, /^Votes:\s+<none>$/m);
  });

  it('approves: records alice\'s decision and reports Granted', async () => {
    const result = await plugin(['approve', REQUEST, '-m', 'ok']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^approvalrequest/${REQUEST} approved by alice: Pending → Granted$`, 'm'));
    const request = await eventually('the request to be Granted', async () => {
      const current = await getRequest();
      return current.spec.state === 'Granted' && current.status?.lastState === 'Granted' ? current : undefined;
    });
    assert.equal(request.spec.decisions?.length, 1);
    assert.deepEqual({ name: request.spec.decisions?.[0]?.name, comment: request.spec.decisions?.[0]?.comment }, { name: 'alice', comment: 'ok' });
  });

  it('refuses to reject the Granted request, with a clear message', async () => {
    const before = await getRequest();
    const result = await plugin(['reject', REQUEST, '-m', 'changed my mind']);
    assert.notEqual(result.code, 0);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`^error: cannot reject approvalrequest/${REQUEST}: it is Granted`));
    const after = await getRequest();
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'nothing was written');
  });

  it('describes the decided request with the vote and the linked Approval', async () => {
    await eventually('the Approval link', async () => (await getRequest()).status?.approval?.name === APPROVAL);
    const result = await plugin(['describe', `ar/${REQUEST}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^State:\s+Granted$/m);
    // Without the admission webhook nobody stamps the time: TIME shows <none> here.
    assert.match(result.stdout, /^ {2}alice\s+Granted\s+(\S+Z \(\d+s ago\)|<none>)\s+ok$/m);
    assert.match(result.stdout, /^Available transitions:\s+<none>$/m);
    assert.match(result.stdout, /^ {2}Approved\s+True\s+Granted\b/m);
    assert.match(result.stdout, new RegExp(`^Approval:\\s+approval/${APPROVAL}$`, 'm'));
    const pending = await plugin(['list', '--pending']);
    assert.equal(pending.code, 0, pending.stderr);
    assert.equal(pending.stdout, '');
  });

  it('suspends and resumes the Approval', async () => {
    await eventually('the Approval to be Granted', async () => (await getApproval()).status?.lastState === 'Granted');
    const list = await plugin(['list', '--approval']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^NAME\s+STATE\s+STRATEGY\s+REQUESTER\s+DECIDER\s+EXPIRES\s+AGE$/m);
    assert.match(list.stdout, new RegExp(`^${APPROVAL}\\s+Granted\\s+Simple\\s+shop\\s+orders\\s+<none>\\s+\\d+s$`, 'm'));

    const requestSuspend = await plugin(['suspend', REQUEST]);
    assert.equal(requestSuspend.code, 1);
    assert.match(requestSuspend.stderr, new RegExp(`try: kubectl approval suspend apv/${APPROVAL}`));

    const suspend = await plugin(['suspend', `apv/${APPROVAL}`, '-m', 'incident 4711']);
    assert.equal(suspend.code, 0, suspend.stderr);
    assert.match(suspend.stdout, new RegExp(`^approval/${APPROVAL} suspended by alice: Granted → Suspended$`, 'm'));
    const resume = await plugin(['resume', '--approval', APPROVAL]);
    assert.equal(resume.code, 0, resume.stderr);
    assert.match(resume.stdout, new RegExp(`^approval/${APPROVAL} resumed by alice: Suspended → Granted$`, 'm'));
    const approval = await getApproval();
    assert.deepEqual(approval.spec.decisions?.slice(-2).map((d) => [d.name, d.resultingState, d.comment]),
      [['alice', 'Suspended', 'incident 4711'], ['alice', 'Granted', undefined]]);
  });

  it('passes the server\'s refusals and errors on', async () => {
    const forbidden = await plugin(['approve', REQUEST], 'mallory', []);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /^Error from server \(Forbidden\): approvalrequests\.approval\.cp\.ei\.telekom\.de "orders-read" is forbidden: User "mallory" cannot get resource/);
    const missing = await plugin(['describe', 'nope']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error from server (NotFound): approvalrequests.approval.cp.ei.telekom.de "nope" not found\n');
  });

  it('the guarded patch fails with 422 on a stale resourceVersion, which the plugin treats as a possible race', async () => {
    const current = await getRequest();
    const stale = { ...current, metadata: { ...current.metadata, resourceVersion: String(Number(current.metadata.resourceVersion) - 1) } };
    const path = objectPath(approvalRequestResource, ns, REQUEST);
    const err = await client.patch(path, decisionPatch(stale, { name: 'alice', resultingState: 'Granted' }), PatchType.json).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.status, 422, JSON.stringify(err.body));
    assert.equal((await getRequest()).metadata.resourceVersion, current.metadata.resourceVersion, 'nothing was written');
  });

  it('two deciders voting at the same instant are both recorded (FourEyes)', async () => {
    const request = {
      apiVersion: 'approval.cp.ei.telekom.de/v1',
      kind: 'ApprovalRequest',
      metadata: { name: 'orders-write' },
      spec: {
        action: 'subscribe',
        strategy: 'FourEyes',
        requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: 'Write access for returns.' },
        decider: { teamName: 'orders', teamEmail: 'orders@example.com' },
        target: { kind: 'ApiSubscription', name: 'shop-frontend--orders-write', namespace: 'default' },
      },
    };
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: JSON.stringify(request) });
    const path = objectPath(approvalRequestResource, ns, 'orders-write');
    await eventually('the operator to see orders-write', async () => (await client.get<ApprovalRequest>(path)).status?.lastState === 'Pending');
    const [alice, bob] = await Promise.all([
      plugin(['approve', 'orders-write', '-m', 'alice ok']),
      plugin(['approve', 'orders-write', '-m', 'bob ok'], 'bob', ['team:orders']),
    ]);
    assert.equal(alice.code, 0, alice.stderr);
    assert.equal(bob.code, 0, bob.stderr);
    const granted = await eventually('orders-write to be Granted', async () => {
      const current = await client.get<ApprovalRequest>(path);
      return current.spec.state === 'Granted' && current.status?.lastState === 'Granted' ? current : undefined;
    });
    assert.deepEqual(granted.spec.decisions?.map((d) => d.name).sort(), ['alice', 'bob']);
  });

  it('prints lists and objects with -o json|yaml|name|wide, as kubectl does', async () => {
    const json = await plugin(['list', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const list = JSON.parse(json.stdout) as { apiVersion: string; kind: string; items: ApprovalRequest[] };
    assert.deepEqual([list.apiVersion, list.kind], ['v1', 'List']);
    assert.ok(list.items.some((item) => item.metadata.name === REQUEST && item.kind === 'ApprovalRequest'));
    const yaml = await plugin(['list', '--pending', '-o', 'yaml']);
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.match(yaml.stdout, /^apiVersion: v1\nitems:/);
    const names = await plugin(['list', '--approval', '-o', 'name']);
    assert.match(names.stdout, new RegExp(`^approval\\.approval\\.cp\\.ei\\.telekom\\.de/${APPROVAL}$`, 'm'));
    assert.ok(names.stdout.split('\n').filter(Boolean).every((line) => line.startsWith('approval.approval.cp.ei.telekom.de/')), names.stdout);
    const wide = await plugin(['list', '-o', 'wide']);
    assert.match(wide.stdout, /^NAME\s+STATE\s+STRATEGY\s+REQUESTER\s+DECIDER\s+AGE\s+ACTION\s+TARGET\s+POLICY\s+VOTES$/m);
    assert.match(wide.stdout, new RegExp(`^${REQUEST}\\s+Granted\\s+Simple\\s+shop\\s+orders\\s+\\S+\\s+subscribe\\s+ApiSubscription/shop-frontend--orders-read\\s+<none>\\s+1$`, 'm'));
    const object = await plugin(['describe', REQUEST, '-o', 'json']);
    assert.equal((JSON.parse(object.stdout) as ApprovalRequest).metadata.name, REQUEST);
  });

  it('--dry-run=server: the webhook evaluates the vote and reports the state; nothing is stored', async () => {
    await kubectlOk(['-n', ns, 'apply', '-f', '-'], { input: JSON.stringify(fourEyesRequest('orders-dry')) });
    const path = objectPath(approvalRequestResource, ns, 'orders-dry');
    const before = await eventually('orders-dry to be reconciled', async () => {
      const current = await client.get<ApprovalRequest>(path);
      return current.status?.lastState === 'Pending' ? current : undefined;
    });
    const dry = await plugin(['approve', 'orders-dry', '-m', 'looks right', '--dry-run=server']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout, 'approvalrequest/orders-dry would be approved by alice: Pending → Semigranted (server dry run: admission accepted the vote; nothing was stored)\n');
    const yaml = await plugin(['approve', 'orders-dry', '--dry-run=server', '-o', 'yaml']);
    assert.match(yaml.stdout, /^ {2}state: Semigranted$/m);
    // The webhook stamped the decision it would store: the voter's name and the writer.
    assert.match(yaml.stdout, /^ {2}- actor: alice\n {4}name: alice\n {4}resultingState: Semigranted\n {4}timestamp: /m);
    const after = await client.get<ApprovalRequest>(path);
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'nothing was stored');
    assert.deepEqual(after.spec.decisions ?? [], []);
    // bob may patch (RBAC) but is not a decider: the webhook refuses, in the dry run too.
    const refused = await plugin(['approve', 'orders-dry', '--dry-run=server'], 'bob', ['team:shop-admins']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^Error from server \(Forbidden\): admission webhook "decisions\.approval\.cp\.ei\.telekom\.de" denied the request: user "bob" may not decide/);
  });

  it('preview: the policy, stages and deciders a request would get, without creating it', async () => {
    const policyName = `${ns}-preview`;
    const policyPath = objectPath(approvalPolicyResource, undefined, policyName);
    // Cluster-wide, so it matches this namespace and an action nothing else uses only.
    await client.create(collectionPath(approvalPolicyResource), {
      apiVersion: 'approval.cp.ei.telekom.de/v1',
      kind: 'ApprovalPolicy',
      metadata: { name: policyName },
      spec: {
        order: 5,
        description: 'Role assignments in the plugin test.',
        match: { namespaces: [ns], actions: ['assign'] },
        strategy: 'MultiStage',
        timeout: '72h',
        stages: [
          { name: 'line-managers', evaluation: 'AllMustApprove', approvers: { users: ['lechuck'] } },
          { name: 'security', evaluation: 'FirstDecides', approvers: { groups: ['security-approvers'] } },
        ],
      },
    });
    try {
      const file = join(mkdtempSync(join(tmpdir(), 'preview-')), 'request.yaml');
      writeFileSync(file, JSON.stringify({ ...fourEyesRequest('bob-test-role'), spec: { ...fourEyesRequest('bob-test-role').spec, action: 'assign' } }));
      const admin = await plugin(['preview', '-f', file, '--dry-run=server'], '', []);
      assert.equal(admin.code, 0, admin.stderr);
      assert.match(admin.stdout, new RegExp(`^Request:\\s+${ns}/bob-test-role \\(not created\\)$`, 'm'));
      assert.match(admin.stdout, new RegExp(`^Policy:\\s+${policyName} \\(order 5\\): Role assignments in the plugin test\\.$`, 'm'));
      assert.match(admin.stdout, /^Strategy:\s+MultiStage \(from policy \S+; the request asks for FourEyes\)$/m);
      assert.match(admin.stdout, /^Timeout:\s+72h \(from the policy\)$/m);
      assert.match(admin.stdout, /^ {2}1\s+line-managers\s+AllMustApprove\s+1\s+Reject\s+lechuck$/m);
      assert.match(admin.stdout, /^ {2}2\s+security\s+FirstDecides\s+1\s+Reject\s+group security-approvers$/m);
      assert.match(admin.stdout, /^ {2}- members of group "team:orders" \(the decider team\)$/m);
      assert.match(admin.stdout, /^Server dry run:\s+accepted by the API server and its admission webhooks \(nothing was created\): state Pending, requested-by admin$/m);
      await assert.rejects(client.get(objectPath(approvalRequestResource, ns, 'bob-test-role')), (err: unknown) => err instanceof ApiError && err.status === 404);

      // alice may not list policies: the preview says so instead of guessing.
      const alice = await plugin(['preview', '-f', file]);
      assert.equal(alice.code, 0, alice.stderr);
      assert.match(alice.stdout, /^Policy:\s+unknown \(see the note below\)$/m);
      assert.match(alice.stdout, /^Note:\s+you may not list approvalpolicies \(Forbidden\)/m);

      // bob may not create requests here: the server's dry run refuses, and the command exits 1.
      const bob = await plugin(['preview', '-f', file, '--dry-run=server'], 'bob', ['team:shop']);
      assert.equal(bob.code, 1);
      assert.match(bob.stdout, /^Server dry run:\s+refused \(nothing was created\)\n {2}Error from server \(Forbidden\): approvalrequests\.approval\.cp\.ei\.telekom\.de is forbidden: User "bob" cannot create/m);
    } finally {
      await client.delete(policyPath);
    }
  });

  it('completes through kubectl\'s plugin completion (kubectl_complete-approval on PATH)', async () => {
    const kubectlBin = join(repoRoot, '.local', 'bin', 'kubectl');
    const env = { ...process.env, PATH: `${join(repoRoot, 'bin')}:${process.env.PATH ?? ''}` };
    const commands = await spawnRun(kubectlBin, ['__complete', 'approval', 'ap'], env);
    assert.equal(commands.code, 0, commands.stderr);
    assert.match(commands.stdout, /^approve\tVote to approve \(Allow\)\n:4\n/);
    const names = await spawnRun(kubectlBin, ['__complete', 'approval', 'describe', '-n', ns, '--kubeconfig', kubeconfigPath(), 'orders-'], env);
    assert.equal(names.code, 0, names.stderr);
    assert.match(names.stdout, new RegExp(`^${REQUEST}\\tGranted Simple$`, 'm'));
    assert.match(names.stdout, /^orders-dry\tPending FourEyes$/m);
    // approve offers only what alice could approve now: not the Granted request.
    const open = await spawnRun(kubectlBin, ['__complete', 'approval', 'approve', '-n', ns, '--kubeconfig', kubeconfigPath(), ''], env);
    assert.match(open.stdout, /^orders-dry\t/m);
    assert.doesNotMatch(open.stdout, new RegExp(`^${REQUEST}\\t`, 'm'));
  });

  it('is found by the real kubectl as a plugin on PATH', async () => {
    const kubectlBin = join(repoRoot, '.local', 'bin', 'kubectl');
    const env = { ...process.env, PATH: `${join(repoRoot, 'bin')}:${process.env.PATH ?? ''}` };
    const help = await spawnRun(kubectlBin, ['approval', '--help'], env);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage:\n {2}kubectl approval COMMAND \[NAME\] \[flags\]$/m);
    assert.match(help.stdout, /^ {2}approve {5}Vote to approve \(Allow\)$/m);
    const plugins = await spawnRun(kubectlBin, ['plugin', 'list'], env);
    assert.match(plugins.stdout, /bin\/kubectl-approval$/m);
    // And it works through kubectl, too.
    const list = await spawnRun(kubectlBin, ['approval', 'list', '-n', ns, '--kubeconfig', kubeconfigPath()], env);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^${REQUEST}\\s+Granted\\s+Simple`, 'm'));
  });
});

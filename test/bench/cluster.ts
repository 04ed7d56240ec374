// The bench's own control plane: a fresh etcd + kube-apiserver in .local/bench-cluster/run-*
// (never the one of `make run` or of the tests), the CRDs, the namespaces, the RBAC of the people
// the bench plays, and the admission webhooks pointed at the operator's webhook port.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, isAlive, localBin, repoRoot, startControlPlane, stopControlPlane, type ControlPlane } from '../../hack/control-plane.ts';
import { registerLocalWebhooks } from '../../hack/webhook-local.ts';
import { KubeClient, isAlreadyExists } from '../../src/runtime/kube-client.ts';
import { collectionPath, core } from '../../src/runtime/resource.ts';

export const benchClustersDir = join(repoRoot, '.local', 'bench-cluster');

/** The namespace the operator watches (all operator scenarios) and the one the floor writes to. */
export const OPERATOR_NS = 'bench';
export const FLOOR_NS = 'bench-floor';
/** The soak's namespace, watched by an operator of its own. */
export const SOAK_NS = 'bench-soak';

/** The people the bench plays (impersonated, so RBAC and the webhooks see real identities). */
export const REQUESTER = { user: 'bench-requester', groups: ['team:shop'] };
export const DECIDERS = [
  { user: 'bench-decider-a', groups: ['team:orders'] },
  { user: 'bench-decider-b', groups: ['team:orders'] },
];

export interface BenchCluster {
  plane: ControlPlane;
  dir: string;
  webhookPort: number;
  webhookCertDir: string;
  admin: KubeClient;
  /** PIDs of etcd and kube-apiserver (for CPU accounting). */
  pids: { etcd: number; apiserver: number };
  stop(): Promise<void>;
}

/** Stops bench control planes left behind by a bench that was killed before its cleanup. */
async function stopOrphans(): Promise<void> {
  if (!existsSync(benchClustersDir)) return;
  for (const entry of readdirSync(benchClustersDir)) {
    const dir = join(benchClustersDir, entry);
    const ownerFile = join(dir, 'owner');
    const owner = Number(existsSync(ownerFile) ? readFileSync(ownerFile, 'utf8') : 0);
    if (owner && isAlive(owner)) continue;
    await stopControlPlane(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

function kubectl(kubeconfig: string, args: string[], input?: string): void {
  execFileSync(join(localBin, 'kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], {
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'inherit'],
  });
}

async function createIgnoringExisting(client: KubeClient, path: string, body: unknown): Promise<void> {
  try {
    await client.create(path, body);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

function role(namespace: string, name: string, rules: unknown[], subjects: Array<{ kind: 'User' | 'Group'; name: string }>) {
  return [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace }, rules },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: subjects.map((s) => ({ apiGroup: 'rbac.authorization.k8s.io', ...s })),
    },
  ];
}

async function applyRbac(admin: KubeClient): Promise<void> {
  const group = 'approval.cp.ei.telekom.de';
  for (const namespace of [OPERATOR_NS, FLOOR_NS, SOAK_NS]) {
    const objects = [
      // The requester files Auto requests: create plus the custom verb autoapprove.
      ...role(namespace, 'bench-requester', [{ apiGroups: [group], resources: ['approvalrequests'], verbs: ['create', 'get', 'list', 'watch', 'delete', 'autoapprove'] }], [
        { kind: 'User', name: REQUESTER.user },
      ]),
      // Deciders patch; *who may decide* is the webhook's call (they are in group team:orders).
      ...role(namespace, 'bench-decider', [{ apiGroups: [group], resources: ['approvalrequests', 'approvals'], verbs: ['get', 'list', 'watch', 'patch', 'update'] }], [
        { kind: 'Group', name: 'team:orders' },
      ]),
    ];
    for (const object of objects) {
      const plural = object.kind === 'Role' ? 'roles' : 'rolebindings';
      await createIgnoringExisting(admin, `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/${plural}`, object);
    }
  }
}

/** Starts the bench's control plane and prepares it; `stop` removes everything again. */
export async function startBenchCluster(): Promise<BenchCluster> {
  await stopOrphans();
  mkdirSync(benchClustersDir, { recursive: true });
  const dir = mkdtempSync(join(benchClustersDir, 'run-'));
  writeFileSync(join(dir, 'owner'), String(process.pid));
  let plane: ControlPlane | undefined;
  const stop = async () => {
    await stopControlPlane(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    plane = await startControlPlane(dir);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { etcdPid: number; apiserverPid: number };
    const crds = join(repoRoot, 'config', 'crd');
    kubectl(plane.kubeconfig, ['apply', '--server-side', '--force-conflicts', '-f', crds]);
    kubectl(plane.kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', '-f', crds]);
    const admin = KubeClient.fromKubeconfig(plane.kubeconfig);
    for (const name of [OPERATOR_NS, FLOOR_NS, SOAK_NS]) await createIgnoringExisting(admin, collectionPath(core.namespace), { metadata: { name } });
    await applyRbac(admin);
    const webhookPort = await freePort();
    const webhookCertDir = join(dir, 'webhook');
    mkdirSync(webhookCertDir, { recursive: true });
    registerLocalWebhooks(plane.kubeconfig, webhookPort, webhookCertDir);
    return {
      plane,
      dir,
      webhookPort,
      webhookCertDir,
      admin,
      pids: { etcd: state.etcdPid, apiserver: state.apiserverPid },
      stop: async () => {
        await admin.close().catch(() => undefined);
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

// One cluster with a real node per e2e run (node --test --test-global-setup), in .local/e2e-node:
// the local control plane plus containerd, the kubelet, kube-proxy, kube-controller-manager and
// kube-scheduler (hack/node-cluster.ts), with the images hack/e2e.sh built imported into containerd.
// The teardown stops all of it and restores the host, whatever the tests did.
import { join } from 'node:path';
import { repoRoot } from '../../hack/control-plane.ts';
import { importImage, NODE_NAME, nodeLogs, startNodeCluster, stopNodeCluster } from '../../hack/node-cluster.ts';

export const e2eDir = join(repoRoot, '.local', 'e2e-node');

export async function globalSetup(): Promise<void> {
  try {
    const cluster = await startNodeCluster(e2eDir);
    for (const archive of (process.env.APPROVAL_E2E_IMAGES ?? '').split(',').filter(Boolean)) importImage(e2eDir, archive);
    process.env.KUBECONFIG = cluster.kubeconfig;
    process.env.APPROVAL_E2E_DIR = e2eDir;
    console.log(`# e2e tests run against kube-apiserver ${cluster.serverVersion} at ${cluster.server} with node ${NODE_NAME} (containerd, runc, kubelet)`);
  } catch (err) {
    console.error(nodeLogs(e2eDir));
    await stopNodeCluster(e2eDir);
    throw err;
  }
}

export async function globalTeardown(): Promise<void> {
  if (process.env.APPROVAL_E2E_KEEP === '1') {
    console.log(`# APPROVAL_E2E_KEEP=1: the node cluster keeps running; stop it with: node hack/node-cluster.ts down ${e2eDir}`);
    return;
  }
  await stopNodeCluster(e2eDir);
}

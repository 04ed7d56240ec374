// `make cluster-up` / `make cluster-down`: the long-lived local control plane in .local/cluster.
import { join } from 'node:path';
import { repoRoot, startControlPlane, stopControlPlane } from './control-plane.ts';

const dir = join(repoRoot, '.local', 'cluster');
const kubeconfig = join(repoRoot, '.local', 'kubeconfig');

switch (process.argv[2]) {
  case 'up': {
    const plane = await startControlPlane(dir, kubeconfig);
    console.log(`control plane ${plane.serverVersion} ready at ${plane.server}`);
    console.log(`export KUBECONFIG=${kubeconfig}`);
    break;
  }
  case 'down':
    await stopControlPlane(dir);
    console.log('control plane stopped');
    break;
  default:
    console.error('usage: node hack/cluster.ts up|down');
    process.exit(2);
}

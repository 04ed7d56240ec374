// `make cluster-up` / `make cluster-down`: the long-lived local control plane in .local/cluster.
import { join } from 'node:path';
import { repoRoot, startControlPlane, stopControlPlane } from './control-plane.ts';

const dir = join(repoRoot, '.local', 'cluster');
const kubeconfig = join(repoRoot, '.local', 'kubeconfig');

switch (process.argv[2]) {
  case 'up': {
    // `up --authentication-config FILE`: trust an OIDC issuer too (make run's console).
    const flag = process.argv.indexOf('--authentication-config');
    const authenticationConfig = flag > 0 ? process.argv[flag + 1] : undefined;
    const plane = await startControlPlane(dir, kubeconfig, { authenticationConfig });
    console.log(`control plane ${plane.serverVersion} ready at ${plane.server}`);
    console.log(`export KUBECONFIG=${kubeconfig}`);
    break;
  }
  case 'down':
    await stopControlPlane(dir);
    console.log('control plane stopped');
    break;
  default:
    console.error('usage: node hack/cluster.ts up [--authentication-config FILE] | down');
    process.exit(2);
}

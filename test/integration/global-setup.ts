// One real control plane per integration-test run (node --test --test-global-setup). Test files
// run in child processes; they find it through KUBECONFIG, which the children inherit.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, repoRoot, startControlPlane, stopControlPlane, type ControlPlane } from '../../hack/control-plane.ts';

const runsDir = join(repoRoot, '.local', 'test-clusters');
let plane: ControlPlane | undefined;

/** Stops control planes left by earlier runs whose test process was killed before its teardown. */
async function stopOrphans(): Promise<void> {
  if (!existsSync(runsDir)) return;
  for (const entry of readdirSync(runsDir)) {
    const dir = join(runsDir, entry);
    const owner = Number(existsSync(join(dir, 'owner')) ? readFileSync(join(dir, 'owner'), 'utf8') : 0);
    if (owner && isAlive(owner)) continue;
    await stopControlPlane(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function globalSetup(): Promise<void> {
  await stopOrphans();
  mkdirSync(runsDir, { recursive: true });
  const dir = mkdtempSync(join(runsDir, 'run-'));
  writeFileSync(join(dir, 'owner'), String(process.pid));
  plane = await startControlPlane(dir);
  process.env.KUBECONFIG = plane.kubeconfig;
  process.env.APPROVAL_TEST_CLUSTER_DIR = dir;
  console.log(`# integration tests run against kube-apiserver ${plane.serverVersion} at ${plane.server}`);
}

export async function globalTeardown(): Promise<void> {
  if (!plane) return;
  await stopControlPlane(plane.dir);
  rmSync(plane.dir, { recursive: true, force: true });
}

// Runs the real kubectl against the test cluster, as a person (or an impersonated user) would.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../hack/control-plane.ts';
import { kubeconfigPath } from './cluster.ts';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  input?: string;
  as?: string;
  asGroups?: string[];
}

export function kubectl(args: string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  const identity = [...(options.as ? [`--as=${options.as}`] : []), ...(options.asGroups ?? []).map((g) => `--as-group=${g}`)];
  const child = spawn(join(repoRoot, '.local', 'bin', 'kubectl'), [`--kubeconfig=${kubeconfigPath()}`, ...identity, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** kubectl that must succeed; returns stdout. */
export async function kubectlOk(args: string[], options: KubectlOptions = {}): Promise<string> {
  const result = await kubectl(args, options);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

export const samplePath = (file: string) => join(repoRoot, 'config', 'samples', file);

/** Installs the CRDs (idempotent) and waits until the API server serves them. */
export async function installCrds(): Promise<void> {
  const crds = join(repoRoot, 'config', 'crd');
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', crds]);
  await kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', '-f', crds]);
}

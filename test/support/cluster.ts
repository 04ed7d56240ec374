// What integration tests share: the run's control plane (started by global-setup.ts), an admin
// client, throw-away namespaces and polling.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import { kubeconfigCredentials, mergeKubeconfigs } from '../../src/runtime/credentials.ts';
import { core, collectionPath, objectPath } from '../../src/runtime/resource.ts';

export function kubeconfigPath(): string {
  const path = process.env.KUBECONFIG;
  if (!path) throw new Error('KUBECONFIG is not set: run integration tests with `make test-integration`');
  return path;
}

export function clusterDir(): string {
  const dir = process.env.APPROVAL_TEST_CLUSTER_DIR;
  if (!dir) throw new Error('APPROVAL_TEST_CLUSTER_DIR is not set: run integration tests with `make test-integration`');
  return dir;
}

/** An admin client, optionally talking to `server` (e.g. a proxy) instead of the API server. */
export function adminClient(server?: string): KubeClient {
  const path = kubeconfigPath();
  const config = mergeKubeconfigs([{ path, text: readFileSync(path, 'utf8') }]);
  if (server) config.clusters![0]!.cluster!.server = server;
  return new KubeClient(kubeconfigCredentials(config, [path]));
}

export function apiServerUrl(): URL {
  const raw = JSON.parse(readFileSync(kubeconfigPath(), 'utf8')) as { clusters: Array<{ cluster: { server: string } }> };
  return new URL(raw.clusters[0]!.cluster.server);
}

export const testLogger = () => pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function createNamespace(client: KubeClient, prefix: string): Promise<string> {
  const ns = await client.create<{ metadata: { name: string } }>(collectionPath(core.namespace), {
    metadata: { generateName: `${prefix}-` },
  });
  return ns.metadata.name;
}

/** Namespaces are never removed here (no controller-manager to finalize them); deletion only marks them. */
export async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  await client.delete(objectPath(core.namespace, undefined, name)).catch(() => undefined);
}

/** Polls `check` until it returns a truthy value, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

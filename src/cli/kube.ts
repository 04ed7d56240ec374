// The connection as kubectl would make it: kubeconfig file, context, namespace and impersonation.
// The kubeconfig is read by runtime/credentials.ts and requests go through node:https
// (http-client.ts): loading @kubernetes/client-node takes 1–2 s, longer than a whole
// `kubectl get`, and neither it nor undici 8 loads on Node 20. Only a kubeconfig entry
// credentials.ts does not understand (exec plugins, auth providers, proxies) takes the operator's
// client with its client-node fallback, imported then.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SERVICE_ACCOUNT_DIR,
  inClusterEndpoint,
  kubeconfigCredentials,
  kubeconfigEndpoint,
  kubeconfigFiles,
  mergeKubeconfigs,
  type Kubeconfig,
} from '../runtime/credentials.ts';
import type { ConnectionOptions } from './args.ts';
import { HttpClient, type ApiClient } from './http-client.ts';

export interface Connection {
  client: ApiClient;
  /** The namespace of the command: --namespace, else the context's, else `default`. */
  namespace: string;
}

export async function connect(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const { client, namespace } = await open(options, env);
  // Not "kubectl…": GitOps tools (Flux) take over fields written by managers named like kubectl.
  client.fieldManager = 'approval-plugin';
  if (options.as) client.impersonation = { user: options.as, groups: options.asGroups };
  return { client, namespace: options.namespace ?? namespace };
}

/** The client and default namespace: kubeconfig files (merged like kubectl), else in-cluster. */
async function open(options: ConnectionOptions, env: NodeJS.ProcessEnv): Promise<{ client: ApiClient; namespace: string }> {
  const files = kubeconfigFiles(options.kubeconfig, env);
  if (files.length === 0) {
    if (env.KUBERNETES_SERVICE_HOST && !options.context) return { client: new HttpClient(inClusterEndpoint(env)), namespace: serviceAccountNamespace() };
    throw new Error(`no kubeconfig found (--kubeconfig, $KUBECONFIG, ${join('~', '.kube', 'config')})`);
  }
  const loaded = loadKubeconfig(files, options.kubeconfig);
  const contextName = options.context ?? loaded['current-context'];
  if (options.context && !loaded.contexts?.some((c) => c.name === options.context)) {
    throw new Error(`context "${options.context}" does not exist in the kubeconfig`);
  }
  const config = { ...loaded, 'current-context': contextName };
  const namespace = config.contexts?.find((c) => c.name === contextName)?.context?.namespace || 'default';
  const endpoint = kubeconfigEndpoint(config);
  if (endpoint.kind === 'own') return { client: new HttpClient(endpoint), namespace };
  return { client: await libraryClient(config, files, endpoint.unknownFields), namespace };
}

function serviceAccountNamespace(): string {
  const file = join(SERVICE_ACCOUNT_DIR, 'namespace');
  return (existsSync(file) ? readFileSync(file, 'utf8').trim() : '') || 'default';
}

/** Exec plugins, auth providers, proxies: the operator's client, which hands them to client-node. */
async function libraryClient(config: Kubeconfig, files: string[], fields: string[]): Promise<ApiClient> {
  // Checked before importing: on Node 20 a failing import of undici also ends the process.
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 19)) {
    throw new Error(
      `the kubeconfig's ${fields.join(', ')} needs @kubernetes/client-node, which needs Node 22.19 or newer (this is ` +
        `Node ${process.versions.node}); use a kubeconfig with a client certificate or a token, or a newer Node`,
    );
  }
  const { KubeClient } = await import('../runtime/kube-client.ts');
  return new KubeClient(kubeconfigCredentials(config, files));
}

export function loadKubeconfig(files: string[], given?: string): Kubeconfig {
  try {
    return mergeKubeconfigs(files.map((path) => ({ path, text: readFileSync(path, 'utf8') })));
  } catch (err) {
    const which = given ?? files.join(', ');
    throw new Error(`cannot load kubeconfig ${which}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** The context names of the kubeconfig kubectl would use (shell completion of --context). */
export function contextNames(options: Pick<ConnectionOptions, 'kubeconfig'>, env: NodeJS.ProcessEnv = process.env): string[] {
  const files = kubeconfigFiles(options.kubeconfig, env);
  return files.length === 0 ? [] : (loadKubeconfig(files, options.kubeconfig).contexts ?? []).map((c) => c.name);
}

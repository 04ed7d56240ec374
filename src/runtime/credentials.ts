// Where the API server is and how to authenticate to it, found the way client-go finds it: the
// given kubeconfig, else $KUBECONFIG (a list of files, merged first-wins), else ~/.kube/config,
// else the pod's service account (in-cluster).
//
// The common cases are read here: client certificates, bearer tokens (also from a file, re-read at
// every refresh, as projected service-account tokens rotate), basic auth, CA or skipped
// verification. Everything else (exec plugins, auth providers, proxies) is delegated to
// @kubernetes/client-node, imported only then: loading that library costs the operator about
// 80 MB of resident memory (`make bench`, S3), for its generated API models we never use.
//
// undici is imported only when a dispatcher is built: the kubectl plugin reads kubeconfigs with
// `kubeconfigEndpoint` and talks node:https, because undici 8 does not load on Node 20.
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import type { Dispatcher } from 'undici';
import { parse as parseYaml } from 'yaml';

/** What one request needs to authenticate: headers, and a dispatcher carrying the TLS settings. */
export interface ClusterAuth {
  headers: Record<string, string>;
  dispatcher: Dispatcher | undefined;
}

export interface Credentials {
  server: string;
  /** Fresh authentication (a new connection pool); called again when credentials may have rotated. */
  authenticate(): Promise<ClusterAuth>;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

// What this file understands; a kubeconfig entry with any other field (exec, auth-provider, as,
// proxy-url, …) is handed to client-node rather than half-understood.
const OWN_USER_FIELDS = new Set(['client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'token', 'tokenFile', 'username', 'password']);
const OWN_CLUSTER_FIELDS = new Set(['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name', 'extensions']);

interface NamedEntry<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  [other: string]: unknown;
}

interface KubeconfigUser {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  [other: string]: unknown;
}

interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** A kubeconfig after merging, with the directory of the file each entry came from (relative paths). */
export interface Kubeconfig {
  'current-context'?: string;
  clusters?: Array<NamedEntry<KubeconfigCluster> & { from?: string }>;
  users?: Array<NamedEntry<KubeconfigUser> & { from?: string }>;
  contexts?: Array<NamedEntry<KubeconfigContext>>;
}

/** The kubeconfig files to read, in order: `path`, else $KUBECONFIG, else ~/.kube/config if it exists. */
export function kubeconfigFiles(path: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  if (path) return [path];
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  if (listed.length > 0) return listed.filter((p) => existsSync(p));
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  return existsSync(home) ? [home] : [];
}

/** Merges kubeconfig files like kubectl: the first file to set a value or define a name wins. */
export function mergeKubeconfigs(files: Array<{ path: string; text: string }>): Kubeconfig {
  const merged: Required<Pick<Kubeconfig, 'clusters' | 'users' | 'contexts'>> & Kubeconfig = { clusters: [], users: [], contexts: [] };
  for (const { path, text } of files) {
    const config = (parseYaml(text) ?? {}) as Kubeconfig;
    merged['current-context'] ??= config['current-context'] || undefined;
    for (const list of ['clusters', 'users', 'contexts'] as const) {
      for (const entry of config[list] ?? []) {
        if ((merged[list] as NamedEntry<unknown>[]).some((known) => known.name === entry.name)) continue;
        (merged[list] as NamedEntry<unknown>[]).push({ ...entry, from: dirname(path) });
      }
    }
  }
  return merged;
}

/** The credentials a process should use; see the file comment for the order. */
export function loadCredentials(path?: string, env: NodeJS.ProcessEnv = process.env): Credentials {
  const files = kubeconfigFiles(path, env);
  if (files.length === 0) {
    if (env.KUBERNETES_SERVICE_HOST) return inClusterCredentials(env);
    throw new Error('no kubeconfig found (--kubeconfig, $KUBECONFIG, ~/.kube/config) and not running in a cluster');
  }
  const config = mergeKubeconfigs(files.map((file) => ({ path: file, text: readFileSync(file, 'utf8') })));
  return kubeconfigCredentials(config, files);
}

/** Credentials of the current context of a merged kubeconfig (`files`: where it came from, for the library fallback). */
export function kubeconfigCredentials(config: Kubeconfig, files: string[] = []): Credentials {
  const endpoint = kubeconfigEndpoint(config);
  if (endpoint.kind === 'library') return libraryCredentials(endpoint.server, files, endpoint.contextName);
  return {
    server: endpoint.server,
    authenticate: async () => ({ headers: endpoint.headers(), dispatcher: await tlsDispatcher(endpoint.server, endpoint.tls) }),
  };
}

/**
 * Where the current context's API server is and how to authenticate, free of any HTTP library:
 * `own` when this file understands every field of the user and cluster, else `library` (with the
 * fields it did not understand, for an error message).
 */
export type Endpoint =
  | { kind: 'own'; server: string; contextName: string; tls: TlsSettings; headers(): Record<string, string> }
  | { kind: 'library'; server: string; contextName: string; unknownFields: string[] };

export function kubeconfigEndpoint(config: Kubeconfig): Endpoint {
  const contextName = config['current-context'];
  if (!contextName) throw new Error('kubeconfig has no current-context');
  const context = config.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`kubeconfig: context "${contextName}" not found`);
  const clusterEntry = config.clusters?.find((c) => c.name === context.cluster);
  const cluster = clusterEntry?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig: cluster "${context.cluster}" of context "${contextName}" has no server`);
  const userEntry = config.users?.find((u) => u.name === context.user);
  const user = userEntry?.user ?? {};
  const server = cluster.server.replace(/\/$/, '');
  const unknownFields = [
    ...Object.keys(user).filter((field) => !OWN_USER_FIELDS.has(field)),
    ...Object.keys(cluster).filter((field) => !OWN_CLUSTER_FIELDS.has(field)),
  ];
  if (unknownFields.length > 0) return { kind: 'library', server, contextName, unknownFields };

  const read = (file: string | undefined, from: string | undefined) => (file ? readFileSync(isAbsolute(file) || !from ? file : join(from, file)) : undefined);
  const decoded = (data: string | undefined) => (data ? Buffer.from(data, 'base64') : undefined);
  const ca = decoded(cluster['certificate-authority-data']) ?? read(cluster['certificate-authority'], clusterEntry?.from);
  const cert = decoded(user['client-certificate-data']) ?? read(user['client-certificate'], userEntry?.from);
  const key = decoded(user['client-key-data']) ?? read(user['client-key'], userEntry?.from);
  const tls = { ca, cert, key, rejectUnauthorized: !cluster['insecure-skip-tls-verify'], servername: cluster['tls-server-name'] };
  const tokenFile = user.tokenFile && !isAbsolute(user.tokenFile) && userEntry?.from ? join(userEntry.from, user.tokenFile) : user.tokenFile;
  return { kind: 'own', server, contextName, tls, headers: () => authorizationHeader(user, tokenFile) };
}

/** The pod's service account: token (re-read at every refresh), CA and namespace from the mounted secret. */
export function inClusterCredentials(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): Credentials {
  const endpoint = inClusterEndpoint(env, dir);
  return {
    server: endpoint.server,
    authenticate: async () => ({ headers: endpoint.headers(), dispatcher: await tlsDispatcher(endpoint.server, endpoint.tls) }),
  };
}

/** The in-cluster service account as an Endpoint (see kubeconfigEndpoint). */
export function inClusterEndpoint(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): Extract<Endpoint, { kind: 'own' }> {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const ca = readFileSync(join(dir, 'ca.crt'));
  const headers = () => ({ authorization: `Bearer ${readFileSync(join(dir, 'token'), 'utf8').trim()}` });
  return { kind: 'own', server, contextName: '', tls: { ca, rejectUnauthorized: true }, headers };
}

function authorizationHeader(user: KubeconfigUser, tokenFile: string | undefined): Record<string, string> {
  const token = user.token ?? (tokenFile ? readFileSync(tokenFile, 'utf8').trim() : undefined);
  if (token) return { authorization: `Bearer ${token}` };
  if (user.username) return { authorization: `Basic ${Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64')}` };
  return {};
}

export interface TlsSettings {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
}

async function tlsDispatcher(server: string, tls: TlsSettings): Promise<Dispatcher | undefined> {
  if (!server.startsWith('https:')) return undefined;
  const { Agent } = await import('undici');
  return new Agent({ connect: { ...tls, servername: tls.servername || undefined } });
}

/** Exec plugins, auth providers, impersonation, proxies…: what client-node does, loaded only for them. */
function libraryCredentials(server: string, files: string[], contextName: string): Credentials {
  return {
    server,
    authenticate: async () => {
      const { clientNodeAuth } = await import('./client-node-credentials.ts');
      return clientNodeAuth(files, contextName, server);
    },
  };
}

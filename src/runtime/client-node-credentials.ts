// Credentials through @kubernetes/client-node's KubeConfig: exec plugins, auth providers,
// impersonation and proxies in a kubeconfig, and the kubectl plugin (contexts, like kubectl).
// The operator imports this file only when its kubeconfig needs it (see credentials.ts).
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import type { Dispatcher } from 'undici';
import type { ClusterAuth, Credentials } from './credentials.ts';

/** Credentials of `config`'s current context. */
export function clientNodeCredentials(config: KubeConfig): Credentials {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const server = cluster.server.replace(/\/$/, '');
  return { server, authenticate: () => authenticate(config, server) };
}

/** The authentication of context `contextName` of the kubeconfig `files` (merged by client-node). */
export function clientNodeAuth(files: string[], contextName: string, server: string): Promise<ClusterAuth> {
  const config = new KubeConfig();
  for (const [i, file] of files.entries()) {
    if (i === 0) {
      config.loadFromFile(file);
      continue;
    }
    const more = new KubeConfig();
    more.loadFromFile(file);
    config.mergeConfig(more, true);
  }
  config.setCurrentContext(contextName);
  return authenticate(config, server);
}

async function authenticate(config: KubeConfig, server: string): Promise<ClusterAuth> {
  const context = new RequestContext(server, HttpMethod.GET);
  await config.applySecurityAuthentication(context);
  return { headers: { ...context.getHeaders() }, dispatcher: context.getDispatcher() as Dispatcher | undefined };
}

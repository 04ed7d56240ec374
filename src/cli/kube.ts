// The connection as kubectl would make it: kubeconfig file, context, namespace and impersonation.
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../runtime/kube-client.ts';
import { clientNodeCredentials } from '../runtime/client-node-credentials.ts';
import type { ConnectionOptions } from './args.ts';

export interface Connection {
  client: KubeClient;
  /** The namespace of the command: --namespace, else the context's, else `default`. */
  namespace: string;
}

export function connect(options: ConnectionOptions): Connection {
  const config = new KubeConfig();
  if (options.kubeconfig) {
    try {
      config.loadFromFile(options.kubeconfig);
    } catch (err) {
      throw new Error(`cannot load kubeconfig ${options.kubeconfig}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  } else {
    config.loadFromDefault();
  }
  if (options.context) {
    if (!config.getContextObject(options.context)) throw new Error(`context "${options.context}" does not exist in the kubeconfig`);
    config.setCurrentContext(options.context);
  }
  const context = config.getContextObject(config.getCurrentContext());
  const namespace = options.namespace ?? (context?.namespace || 'default');
  const client = new KubeClient(clientNodeCredentials(config));
  // Not "kubectl…": GitOps tools (Flux) take over fields written by managers named like kubectl.
  client.fieldManager = 'approval-plugin';
  if (options.as) client.impersonation = { user: options.as, groups: options.asGroups };
  return { client, namespace };
}

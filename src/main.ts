// The operator process: `node dist/main.js` (or `node src/main.ts` in development).
import { existsSync, readFileSync } from 'node:fs';
import { parseConfig, usage, type OperatorConfig } from './config.ts';
import { createOperator } from './operator.ts';
import { KubeClient } from './runtime/kube-client.ts';
import { createLogger } from './runtime/logger.ts';

const serviceAccountNamespace = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** Which flag sets each listening port, for a message that says what to change. */
function portInUse(err: unknown, config: OperatorConfig | undefined): string | undefined {
  const { code, port } = err as { code?: string; port?: number };
  if (code !== 'EADDRINUSE' || !config) return undefined;
  const flags: Array<[number, string]> = [
    [config.metricsPort, '--metrics-port (APPROVAL_METRICS_PORT)'],
    [config.healthPort, '--health-port (APPROVAL_HEALTH_PORT)'],
    [config.webhookPort, '--webhook-port (APPROVAL_WEBHOOK_PORT)'],
  ];
  const flag = flags.find(([candidate]) => candidate === port)?.[1] ?? 'the port flags';
  return `port ${port} is already in use: choose another with ${flag}`;
}

let config: OperatorConfig | undefined;

async function main(): Promise<void> {
  const podNamespace = existsSync(serviceAccountNamespace) ? readFileSync(serviceAccountNamespace, 'utf8').trim() : undefined;
  const parsed = parseConfig(process.argv.slice(2), process.env, podNamespace);
  if (parsed === 'help') {
    console.error(usage);
    return;
  }
  config = parsed;
  const log = createLogger(config.logLevel);
  const client = KubeClient.fromKubeconfig(config.kubeconfig);
  client.fieldManager = 'approval-operator';
  log.info({ server: client.server, namespace: config.namespace ?? '(all)', leaderElect: config.leaderElect }, 'starting approval-operator');
  const operator = createOperator({
    client,
    log,
    namespace: config.namespace,
    healthPort: config.healthPort,
    metricsPort: config.metricsPort,
    workers: config.workers,
    leaderElection: config.leaderElect ? { namespace: config.leaderElectionNamespace } : undefined,
    delivery:
      config.notifications === 'deliver'
        ? {
            smtpUrl: config.smtpUrl,
            mailFrom: config.mailFrom,
            allowedRecipientDomains: config.allowedRecipientDomains,
            operatorNamespace: config.leaderElectionNamespace,
            outbound: { allow: config.allowOutbound, deny: config.denyOutbound, allowInsecureHttp: config.allowInsecureHttp },
            consoleUrl: config.consoleUrl,
          }
        : undefined,
    webhook: config.webhookPort !== 0 && config.webhookCertDir ? { port: config.webhookPort, certDir: config.webhookCertDir } : undefined,
    teamGroupPrefix: config.teamGroupPrefix,
    retention: {
      notificationRetentionMs: config.notificationRetentionMs,
      intervalMs: config.retentionIntervalMs,
      deletesPerSecond: config.retentionDeleteRate,
    },
    // The chart passes the Pod's identity (downward API): memory pressure is reported on it.
    pod: process.env.POD_NAME && process.env.POD_NAMESPACE ? { name: process.env.POD_NAME, namespace: process.env.POD_NAMESPACE, uid: process.env.POD_UID } : undefined,
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    operator.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  await operator.start();
  await operator.finished;
  if (!stopping) {
    // Leadership lost: exit so a fresh process campaigns again with clean caches.
    log.error('leadership lost; exiting');
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(portInUse(err, config) ?? (err instanceof Error ? err.message : String(err)));
  process.exit(1);
});

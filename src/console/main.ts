#!/usr/bin/env node
// The approval console process: `approval-console` (npm bin), `node dist/console/main.js` in the
// image, `node src/console/main.ts` in development. It faces people; the operator does not.
import { createLogger } from '../runtime/logger.ts';
import { parseConsoleConfig, usage } from './config.ts';
import { apiServerConnection } from './kube.ts';
import { createConsoleServer } from './server.ts';

async function main(): Promise<void> {
  const config = parseConsoleConfig(process.argv.slice(2), process.env);
  if (config === 'help') {
    console.error(usage);
    return;
  }
  const log = createLogger(config.logLevel, 'approval-console');
  if (!config.sessionSecret) log.warn('no --session-secret: sessions end when this process does, and replicas do not share them');
  const connection = apiServerConnection(config.kubeServer, config.kubeCa);
  const app = await createConsoleServer({ config, connection, log });
  await app.listen({ host: config.address, port: config.port });
  log.info({ url: config.publicUrl, issuer: config.oidcIssuer, server: connection.server }, 'approval-console listening');
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    app.close().then(
      () => connection.close().then(() => process.exit(0)),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});

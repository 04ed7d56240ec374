// Everything the console tests run against, all real: the local OpenID provider over HTTPS, a
// control plane of their own whose kube-apiserver trusts it (--authentication-config; the shared
// control plane of the other tests stays as it is), the CRDs, RBAC and demo people, the operator
// with its webhooks (and e-mail to a test SMTP server), and the console. The test process's
// KUBECONFIG points at this control plane from then on, so the other helpers work against it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot, startControlPlane, stopControlPlane, type ControlPlane } from '../../hack/control-plane.ts';
import { authenticationConfig, DEFAULT_CLIENT_ID, startIdp, type RunningIdp } from '../../hack/oidc-idp.ts';
import type { ConsoleConfig } from '../../src/console/config.ts';
import { apiServerConnection, type ApiServerConnection } from '../../src/console/kube.ts';
import { createConsoleServer } from '../../src/console/server.ts';
import { testLogger } from './cluster.ts';
import { installCrds, kubectlOk } from './kubectl.ts';
import { startOperator, type RunningOperator } from './operator.ts';
import { TestSmtpServer } from './smtp.ts';

export const CLIENT_SECRET = 'console-test-secret';

export interface ConsoleEnvironment {
  consoleUrl: string;
  idp: RunningIdp;
  plane: ControlPlane;
  smtp: TestSmtpServer;
  connection: ApiServerConnection;
  operator: RunningOperator;
  stop(): Promise<void>;
}

export async function startConsoleEnvironment(): Promise<ConsoleEnvironment> {
  // Under .local/test-clusters with an owner file: global-setup stops it if this process dies.
  const runs = join(repoRoot, '.local', 'test-clusters');
  mkdirSync(runs, { recursive: true });
  const dir = mkdtempSync(join(runs, 'console-'));
  writeFileSync(join(dir, 'owner'), String(process.pid));
  const consolePort = await freePort();
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  const idp = await startIdp({
    dir: join(dir, 'idp'),
    clients: [{ clientId: DEFAULT_CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`${consoleUrl}/auth/callback`], postLogoutRedirectUris: [`${consoleUrl}/signed-out`] }],
  });
  const authnFile = join(dir, 'authentication-config.json');
  writeFileSync(authnFile, authenticationConfig(idp.issuer, idp.caPem));
  // The control plane's files go into `dir` itself, so global-setup's orphan clean-up finds its state.
  const plane = await startControlPlane(dir, join(dir, 'kubeconfig'), { authenticationConfig: authnFile });
  process.env.KUBECONFIG = plane.kubeconfig;
  process.env.APPROVAL_TEST_CLUSTER_DIR = dir;

  await installCrds();
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'config', 'rbac')]);
  for (const file of ['demo-rbac.yaml', 'console-demo-rbac.yaml']) {
    await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(repoRoot, 'config', 'samples', file)]);
  }

  const smtp = new TestSmtpServer();
  await smtp.start();
  const operator = await startOperator({ webhook: true, delivery: { smtpUrl: smtp.url, mailFrom: 'approvals@example.com', consoleUrl, baseDelayMs: 200, maxDelayMs: 1000 } });

  const config: ConsoleConfig = {
    address: '127.0.0.1',
    port: consolePort,
    publicUrl: consoleUrl,
    oidcIssuer: idp.issuer,
    oidcClientId: DEFAULT_CLIENT_ID,
    oidcClientSecret: CLIENT_SECRET,
    oidcCa: idp.caPem,
    oidcScopes: 'openid profile email groups',
    kubeServer: plane.server,
    kubeCa: readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8'),
    sessionSecret: 'a-test-session-secret-of-at-least-32-characters',
    teamGroupPrefix: 'team:',
    namespaces: [],
    logLevel: 'silent',
  };
  const connection = apiServerConnection(config.kubeServer, config.kubeCa);
  const app = await createConsoleServer({ config, connection, log: testLogger() });
  await app.listen({ host: config.address, port: config.port });

  return {
    consoleUrl,
    idp,
    plane,
    smtp,
    connection,
    operator,
    stop: async () => {
      await app.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await operator.stop().catch(() => undefined);
      await smtp.stop().catch(() => undefined);
      // kube-apiserver before etcd (stopControlPlane's order), then the issuer it asks.
      await stopControlPlane(dir);
      await idp.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

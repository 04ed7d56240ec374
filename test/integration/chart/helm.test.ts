// The chart against the real API server: a server-side dry run of everything it renders, then
// install → upgrade (the webhook certificate is kept) → uninstall (the CRDs stay). No Pods run
// here, so the webhook configurations the install registers would point at a Service without
// endpoints and fail closed: the test never writes approval objects while they exist, and its
// `after` hook removes them (and everything else the release made) even when a step fails.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminClient, createNamespace, deleteNamespace, kubeconfigPath } from '../../support/cluster.ts';
import { kubectl, kubectlOk } from '../../support/kubectl.ts';
import { chartDir, helm, renderText, setValues, type Run } from '../../unit/chart/helm.ts';

const RELEASE = 'chart-it';
const FULLNAME = `${RELEASE}-approval-operator`;
const USER_ROLES = ['approval-viewer', 'approval-requester', 'approval-decider', 'approval-admin'];
const CRDS = ['approvalrequests', 'approvals', 'approvalpolicies'].map((plural) => `${plural}.approval.cp.ei.telekom.de`);

interface Secret {
  data: Record<string, string>;
}

interface WebhookConfiguration {
  metadata: { labels?: Record<string, string> };
  webhooks: Array<{ clientConfig: { caBundle?: string; service?: { name: string; namespace: string; path: string; port: number } } }>;
}

function helmOk(args: string[]): string {
  const result: Run = helm([...args, '--kubeconfig', kubeconfigPath()]);
  if (result.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${result.code}):\n${result.stderr}`);
  return result.stdout;
}

async function getJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await kubectlOk(['get', ...args, '-o', 'json'])) as T;
}

async function exists(args: string[]): Promise<boolean> {
  const result = await kubectl(['get', ...args, '--ignore-not-found', '-o', 'name']);
  return result.code === 0 && result.stdout.trim() !== '';
}

describe('helm chart on the real API server', { concurrency: false }, () => {
  const client = adminClient();
  let ns: string;
  let callbackNs: string;
  let values: string[];
  let userRoles = true;

  before(async () => {
    ns = await createNamespace(client, 'chart');
    callbackNs = await createNamespace(client, 'chart-callbacks');
    // The user roles have fixed names; if something else in this cluster already made them, Helm
    // would refuse to adopt them, so leave them out rather than take them over.
    for (const role of USER_ROLES) if (await exists(['clusterrole', role])) userRoles = false;
    values = [...setValues({ callbackSecretNamespaces: [callbackNs], 'rbac.userRoles': userRoles }), '--set', 'image.repository=registry.example.com/approval-operator'];
  });

  after(async () => {
    helm(['uninstall', RELEASE, '--namespace', ns, '--ignore-not-found', '--kubeconfig', kubeconfigPath()]);
    // Whatever a failed step left: the webhook configurations first (they fail closed).
    const selector = `app.kubernetes.io/instance=${RELEASE}`;
    await kubectl(['delete', '--ignore-not-found', 'mutatingwebhookconfiguration,validatingwebhookconfiguration', '-l', selector]);
    await kubectl(['delete', '--ignore-not-found', 'clusterrole,clusterrolebinding', '-l', selector]);
    await kubectl(['delete', '--ignore-not-found', 'role,rolebinding', '-n', callbackNs, '-l', selector]);
    await deleteNamespace(client, ns);
    await deleteNamespace(client, callbackNs);
  });

  it('renders manifests the API server accepts (helm template | kubectl apply --dry-run=server)', async () => {
    const manifests = renderText([...values, '--set', 'networkPolicy.enabled=true', '--set', 'smtp.url=smtp://mail.example.com:25'], {
      release: RELEASE,
      namespace: ns,
      includeCrds: true,
    });
    const result = await kubectl(['apply', '--dry-run=server', '--server-side', '--force-conflicts', '-f', '-'], { input: manifests });
    assert.equal(result.code, 0, result.stderr);
    for (const kind of ['deployment.apps', 'service', 'secret', 'clusterrole.rbac.authorization.k8s.io', 'mutatingwebhookconfiguration.admissionregistration.k8s.io']) {
      assert.match(result.stdout, new RegExp(`^${kind.replace(/\./g, '\\.')}/\\S+ serverside-applied \\(server dry run\\)$`, 'm'), kind);
    }
    assert.equal(await exists(['deployment', FULLNAME, '-n', ns]), false, 'nothing was created');
  });

  let installedCert: string;
  let installedCaBundle: string;

  it('installs into a new namespace: operator, RBAC, webhooks with the generated CA, CRDs', async () => {
    helmOk(['install', RELEASE, chartDir, '--namespace', ns, ...values]);

    const deployment = await getJson<{ spec: { replicas: number; template: { spec: { containers: Array<{ image: string; args: string[] }> } } } }>([
      'deployment', FULLNAME, '-n', ns,
    ]);
    assert.equal(deployment.spec.replicas, 2);
    const [container] = deployment.spec.template.spec.containers;
    assert.equal(container?.image, 'registry.example.com/approval-operator:0.1.0');
    assert.ok(container?.args.includes(`--leader-election-namespace=${ns}`));
    for (const name of [`${FULLNAME}-webhook`, `${FULLNAME}-metrics`]) assert.ok(await exists(['service', name, '-n', ns]), name);
    for (const crd of CRDS) assert.ok(await exists(['crd', crd]), crd);
    for (const role of USER_ROLES) assert.equal(await exists(['clusterrole', role]), userRoles, role);

    const secret = await getJson<Secret>(['secret', `${FULLNAME}-webhook-cert`, '-n', ns]);
    installedCert = secret.data['tls.crt']!;
    installedCaBundle = secret.data['ca.crt']!;
    assert.ok(installedCert && installedCaBundle);
    for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
      const config = await getJson<WebhookConfiguration>([kind, FULLNAME]);
      for (const webhook of config.webhooks) {
        assert.equal(webhook.clientConfig.caBundle, installedCaBundle, `${kind} trusts the CA in the Secret`);
        assert.deepEqual(webhook.clientConfig.service && { ...webhook.clientConfig.service }, { name: `${FULLNAME}-webhook`, namespace: ns, path: webhook.clientConfig.service?.path, port: 443 });
      }
    }
  });

  it("gives the operator's ServiceAccount what it needs and no more (checked by the API server)", async () => {
    const sa = `system:serviceaccount:${ns}:${FULLNAME}`;
    const can = async (args: string[]) => (await kubectl(['auth', 'can-i', ...args, `--as=${sa}`])).stdout.trim() === 'yes';
    assert.ok(await can(['watch', 'approvalrequests.approval.cp.ei.telekom.de', '--all-namespaces']));
    assert.ok(await can(['patch', 'approvalrequests.approval.cp.ei.telekom.de', '--subresource=status', '-n', 'default']));
    assert.ok(await can(['create', 'approvals.approval.cp.ei.telekom.de', '-n', 'default']));
    assert.ok(await can(['create', 'subjectaccessreviews.authorization.k8s.io']));
    assert.ok(await can(['update', 'leases.coordination.k8s.io', '-n', ns]));
    assert.equal(await can(['update', 'leases.coordination.k8s.io', '-n', 'default']), false, 'leases only in its own namespace');
    assert.ok(await can(['get', 'secrets', '-n', callbackNs]), 'callback Secrets in callbackSecretNamespaces');
    assert.equal(await can(['list', 'secrets', '-n', callbackNs]), false, 'get only');
    assert.equal(await can(['get', 'secrets', '-n', 'default']), false, 'no Secret elsewhere');
    assert.equal(await can(['get', 'secrets', '--all-namespaces']), false, 'no cluster-wide Secret read');
    // Retention deletes delivered Notifications and settled requests whose policy opts in; never Approvals.
    assert.ok(await can(['delete', 'approvalrequests.approval.cp.ei.telekom.de', '-n', 'default']), 'retention of settled requests');
    assert.ok(await can(['delete', 'notifications.notification.cp.ei.telekom.de', '-n', 'default']), 'retention of delivered Notifications');
    assert.equal(await can(['delete', 'approvals.approval.cp.ei.telekom.de', '-n', 'default']), false, 'Approvals are never deleted');
    assert.equal(await can(['deletecollection', 'notifications.notification.cp.ei.telekom.de', '-n', 'default']), false, 'one object at a time, with preconditions');
    assert.equal(await can(['update', 'approvalrequests.approval.cp.ei.telekom.de', '-n', 'default']), false);
  });

  it('upgrades without changing the webhook certificate or the caBundle', async () => {
    helmOk(['upgrade', RELEASE, chartDir, '--namespace', ns, ...values, '--set', 'logLevel=debug', '--set', 'replicaCount=3']);
    const deployment = await getJson<{ spec: { replicas: number; template: { spec: { containers: Array<{ args: string[] }> } } } }>(['deployment', FULLNAME, '-n', ns]);
    assert.equal(deployment.spec.replicas, 3);
    assert.ok(deployment.spec.template.spec.containers[0]?.args.includes('--log-level=debug'), 'the upgrade was applied');

    const secret = await getJson<Secret>(['secret', `${FULLNAME}-webhook-cert`, '-n', ns]);
    assert.equal(secret.data['tls.crt'], installedCert, 'tls.crt kept');
    assert.equal(secret.data['ca.crt'], installedCaBundle, 'ca.crt kept');
    for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
      const config = await getJson<WebhookConfiguration>([kind, FULLNAME]);
      for (const webhook of config.webhooks) assert.equal(webhook.clientConfig.caBundle, installedCaBundle, `${kind} caBundle kept`);
    }
  });

  it('uninstalls everything of the release but the CRDs', async () => {
    helmOk(['uninstall', RELEASE, '--namespace', ns]);
    const gone: Array<[string, string[]]> = [
      ['deployment', [FULLNAME, '-n', ns]],
      ['service', [`${FULLNAME}-webhook`, '-n', ns]],
      ['service', [`${FULLNAME}-metrics`, '-n', ns]],
      ['secret', [`${FULLNAME}-webhook-cert`, '-n', ns]],
      ['serviceaccount', [FULLNAME, '-n', ns]],
      ['role', [`${FULLNAME}-leader-election`, '-n', ns]],
      ['role', [`${FULLNAME}-callback-secrets`, '-n', callbackNs]],
      ['rolebinding', [`${FULLNAME}-callback-secrets`, '-n', callbackNs]],
      ['clusterrole', [FULLNAME]],
      ['clusterrolebinding', [FULLNAME]],
      ['mutatingwebhookconfiguration', [FULLNAME]],
      ['validatingwebhookconfiguration', [FULLNAME]],
      ['poddisruptionbudget', [FULLNAME, '-n', ns]],
      ...(userRoles ? USER_ROLES.map((role): [string, string[]] => ['clusterrole', [role]]) : []),
    ];
    for (const [kind, args] of gone) assert.equal(await exists([kind, ...args]), false, `${kind} ${args[0]} removed`);
    const left = await kubectlOk(['get', 'mutatingwebhookconfiguration,validatingwebhookconfiguration', '-l', `app.kubernetes.io/instance=${RELEASE}`, '-o', 'name']);
    assert.equal(left.trim(), '', 'no webhook configuration of the release is registered');
    for (const crd of CRDS) assert.ok(await exists(['crd', crd]), `${crd} stays`);
  });
});

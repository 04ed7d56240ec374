// charts/approval-operator rendered by the real helm: lint, the values schema, the Deployment
// (flags the operator accepts, security context), the webhook certificate and the optional parts.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../../../hack/control-plane.ts';
import { parseConfig } from '../../../src/config.ts';
import { chartDir, find, helm, ofKind, render, setValues, type Manifest } from './helm.ts';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}

interface Container {
  name: string;
  image: string;
  args: string[];
  env?: EnvVar[];
  ports: Array<{ name: string; containerPort: number }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: unknown;
  securityContext: Record<string, unknown>;
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

interface Deployment extends Manifest {
  spec: {
    replicas: number;
    template: {
      metadata: { annotations?: Record<string, string> };
      spec: {
        securityContext: Record<string, unknown>;
        containers: Container[];
        volumes: Array<{ name: string; emptyDir?: unknown; secret?: { secretName: string } }>;
        nodeSelector?: Record<string, string>;
        tolerations?: unknown[];
        affinity?: unknown;
      };
    };
  };
}

interface WebhookConfiguration extends Manifest {
  webhooks: Array<{ name: string; clientConfig: { caBundle?: string; service: { name: string; namespace: string; port: number } } }>;
}

const deploymentOf = (manifests: Manifest[]) => find<Deployment>(manifests, 'Deployment');
const containerOf = (manifests: Manifest[]) => {
  const [container, ...more] = deploymentOf(manifests).spec.template.spec.containers;
  assert.ok(container && more.length === 0, 'one container');
  return container;
};
const b64 = (value: string) => Buffer.from(value, 'base64').toString('utf8');

const POD_ENV: EnvVar[] = [
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
  { name: 'POD_UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
];

describe('charts/approval-operator', () => {
  it('passes helm lint --strict, with the defaults and with every optional part on', () => {
    for (const args of [
      [],
      [
        '--set', 'certManager.enabled=true', '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'networkPolicy.enabled=true',
        '--set', 'smtp.url=smtp://mail:25', '--set', 'smtp.from=approvals@example.com', '--set', 'notifications.mode=create-only',
        '--set', 'watchNamespace=team-a', ...setValues({ callbackSecretNamespaces: ['team-a'], outbound: { allow: ['10.20.0.0/16', '*.hooks.example.com'], deny: ['10.96.0.0/12'], allowInsecureHttp: true } }),
      ],
      ['--set', 'webhook.enabled=false', '--set', 'podDisruptionBudget.enabled=false', '--set', 'smtp.existingSecret=mail'],
    ]) {
      const result = helm(['lint', '--strict', chartDir, ...args]);
      assert.equal(result.code, 0, `helm lint --strict ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
    }
  });

  it('has Chart apiVersion v2 and appVersion = package.json version', () => {
    const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { apiVersion: string; appVersion: string };
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.appVersion, pkg.version);
  });

  it('rejects values of the wrong type or unknown keys (values.schema.json)', () => {
    for (const args of [
      ['--set', 'replicaCount=two'],
      ['--set-json', 'webhook.enabled="yes"'],
      ['--set', 'logLevel=verbose'],
      ['--set', 'replicas=3'],
      ['--set', 'image.pullPolicy=Sometimes'],
      ['--set', 'smtp.url=mail.example.com:25'],
      ['--set-json', 'callbackSecretNamespaces="team-a"'],
      ['--set', 'workers=0'],
      ['--set', 'notifications.mode=loud'],
      ['--set', 'notifications.allowedRecipientDomains={Example.COM}'],
      ['--set-json', 'outbound.allow=["10.0.0.0/8,127.0.0.1"]'],
      ['--set-json', 'outbound.deny=["kubernetes.default"]'],
      ['--set-json', 'outbound.allowInsecureHttp="true"'],
      ['--set-json', 'outbound.everything=true'],
    ]) {
      const result = helm(['lint', '--strict', chartDir, ...args]);
      assert.notEqual(result.code, 0, `helm lint accepted ${args.join(' ')}`);
      assert.match(result.stdout + result.stderr, /schema|values don't meet the specifications/i, args.join(' '));
    }
  });

  it('renders a hardened Deployment with 2 replicas, probes, resources and an emptyDir /tmp', () => {
    const manifests = render();
    const deployment = deploymentOf(manifests);
    assert.equal(deployment.spec.replicas, 2);
    const pod = deployment.spec.template.spec;
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    const container = containerOf(manifests);
    assert.equal(container.image, 'approval-operator:0.1.0');
    assert.deepEqual(container.securityContext, {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.deepEqual(container.livenessProbe.httpGet, { path: '/healthz', port: 'health' });
    assert.deepEqual(container.readinessProbe.httpGet, { path: '/readyz', port: 'health' });
    assert.deepEqual(
      Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort])),
      { webhook: 9443, metrics: 8080, health: 8081 },
    );
    assert.deepEqual(container.resources, { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    assert.deepEqual(container.volumeMounts, [
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'webhook-cert', mountPath: '/tmp/k8s-webhook-server/serving-certs', readOnly: true },
    ]);
    assert.ok(pod.volumes.find((v) => v.name === 'tmp')?.emptyDir);
    assert.equal(pod.volumes.find((v) => v.name === 'webhook-cert')?.secret?.secretName, 'approval-operator-webhook-cert');
    assert.deepEqual(container.env, [...POD_ENV, { name: 'NODE_OPTIONS', value: '--max-semi-space-size=4 --max-old-space-size-percentage=60 --v8-pool-size=1' }], 'the Pod identity and the V8 flags by default');
    assert.deepEqual(containerOf(render(['--set', 'nodeOptions='])).env, POD_ENV, 'only the Pod identity without nodeOptions');
  });

  it('passes flags the operator accepts (src/config.ts parses them)', () => {
    const container = containerOf(render([], { namespace: 'ops' }));
    assert.deepEqual(container.args, [
      '--leader-elect=true',
      '--leader-election-namespace=ops',
      '--webhook-port=9443',
      '--webhook-cert-dir=/tmp/k8s-webhook-server/serving-certs',
      '--metrics-port=8080',
      '--health-port=8081',
      '--log-level=info',
      '--team-group-prefix=team:',
      '--workers=4',
      '--notifications=deliver',
      '--notification-retention=168h',
      '--retention-interval=10m',
      '--retention-delete-rate=20',
    ]);
    const config = parseConfig(container.args, {});
    assert.ok(config !== 'help');
    assert.deepEqual(
      {
        namespace: config.namespace,
        metricsPort: config.metricsPort,
        healthPort: config.healthPort,
        webhookPort: config.webhookPort,
        webhookCertDir: config.webhookCertDir,
        leaderElect: config.leaderElect,
        leaderElectionNamespace: config.leaderElectionNamespace,
        logLevel: config.logLevel,
        smtpUrl: config.smtpUrl,
        workers: config.workers,
        teamGroupPrefix: config.teamGroupPrefix,
        notifications: config.notifications,
        retention: [config.notificationRetentionMs, config.retentionIntervalMs, config.retentionDeleteRate],
      },
      {
        namespace: undefined,
        metricsPort: 8080,
        healthPort: 8081,
        webhookPort: 9443,
        webhookCertDir: '/tmp/k8s-webhook-server/serving-certs',
        leaderElect: true,
        leaderElectionNamespace: 'ops',
        logLevel: 'info',
        smtpUrl: undefined,
        workers: 4,
        teamGroupPrefix: 'team:',
        notifications: 'deliver',
        retention: [168 * 3_600_000, 600_000, 20],
      },
    );
  });

  it('maps the retention values to --notification-retention, --retention-interval and --retention-delete-rate', () => {
    const config = parseConfig(containerOf(render(['--set', 'retention.notifications=720h', '--set', 'retention.interval=1h', '--set', 'retention.deleteRate=5'])).args, {});
    assert.ok(config !== 'help');
    assert.deepEqual([config.notificationRetentionMs, config.retentionIntervalMs, config.retentionDeleteRate], [720 * 3_600_000, 3_600_000, 5]);
    const forever = parseConfig(containerOf(render(['--set', 'retention.notifications=0'])).args, {});
    assert.ok(forever !== 'help');
    assert.equal(forever.notificationRetentionMs, 0, '0 keeps Notifications forever');
    // `helm upgrade --reuse-values` from a release whose chart had no retention values: no flags, the operator's defaults.
    const reused = containerOf(render(['--set', 'retention=null'])).args;
    assert.ok(!reused.some((arg) => arg.includes('retention')), reused.join(' '));
    const defaults = parseConfig(reused, {});
    assert.ok(defaults !== 'help');
    assert.deepEqual([defaults.notificationRetentionMs, defaults.retentionIntervalMs, defaults.retentionDeleteRate], [168 * 3_600_000, 600_000, 20], 'the same as the values');
    for (const bad of ['retention.notifications=7d', 'retention.interval=0', 'retention.deleteRate=0']) {
      assert.notEqual(helm(['lint', '--strict', chartDir, '--set', bad]).code, 0, `helm lint accepted ${bad}`);
    }
  });

  it('maps values to flags and APPROVAL_* variables the operator reads', () => {
    const manifests = render([
      '--set', 'logLevel=debug', '--set', 'teamGroupPrefix=group:team-', '--set', 'watchNamespace=team-a', '--set', 'workers=8',
      '--set', 'smtp.url=smtps://user:pw@mail.example.com:465', '--set', 'smtp.from=Approvals <approvals@example.com>',
      '--set', 'notifications.mode=create-only', '--set', 'replicaCount=3',
      ...setValues({ extraEnv: [{ name: 'TZ', value: 'UTC' }], 'notifications.allowedRecipientDomains': ['example.com', 'corp.example'] }),
    ]);
    assert.equal(deploymentOf(manifests).spec.replicas, 3);
    const container = containerOf(manifests);
    // The SMTP URL may hold credentials: it is in a Secret the chart creates, never in the Deployment.
    const smtpSecret = find<{ stringData: { url: string } }>(manifests, 'Secret', 'approval-operator-smtp');
    assert.equal(smtpSecret.stringData.url, 'smtps://user:pw@mail.example.com:465');
    assert.ok(!JSON.stringify(deploymentOf(manifests)).includes('pw@'), 'no credentials in the Deployment');
    assert.deepEqual(container.env, [
      ...POD_ENV,
      { name: 'NODE_OPTIONS', value: '--max-semi-space-size=4 --max-old-space-size-percentage=60 --v8-pool-size=1' },
      { name: 'APPROVAL_SMTP_URL', valueFrom: { secretKeyRef: { name: 'approval-operator-smtp', key: 'url' } } },
      { name: 'APPROVAL_MAIL_FROM', value: 'Approvals <approvals@example.com>' },
      { name: 'TZ', value: 'UTC' },
    ]);
    // Resolve the env as the kubelet would, then let the operator parse it all.
    const env = Object.fromEntries(
      (container.env ?? []).map((e) => [e.name, e.value ?? (e.valueFrom?.secretKeyRef?.name === 'approval-operator-smtp' ? smtpSecret.stringData.url : '')]),
    );
    const config = parseConfig(container.args, env);
    assert.ok(config !== 'help');
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.teamGroupPrefix, 'group:team-');
    assert.equal(config.namespace, 'team-a');
    assert.equal(config.workers, 8);
    assert.equal(config.smtpUrl, 'smtps://user:pw@mail.example.com:465');
    assert.equal(config.mailFrom, 'Approvals <approvals@example.com>');
    assert.equal(config.notifications, 'create-only');
    assert.deepEqual(config.allowedRecipientDomains, ['example.com', 'corp.example']);
    // A changed URL rolls the pods.
    assert.ok(deploymentOf(manifests).spec.template.metadata.annotations?.['checksum/smtp']);
  });

  it('maps the outbound values to --allow-outbound, --deny-outbound and --allow-insecure-http', () => {
    const outboundArgs = (args: string[]) => args.filter((arg) => /^--(allow|deny)-(outbound|insecure-http)/.test(arg));
    assert.deepEqual(outboundArgs(containerOf(render()).args), [], 'defaults: https to global addresses only, no flag needed');
    const container = containerOf(render(setValues({ outbound: { allow: ['127.0.0.1', '10.20.0.0/16', '*.hooks.example.com'], deny: ['10.96.0.0/12', 'fd00:10:96::/112'], allowInsecureHttp: true } })));
    assert.deepEqual(outboundArgs(container.args), ['--allow-outbound=127.0.0.1,10.20.0.0/16,*.hooks.example.com', '--deny-outbound=10.96.0.0/12,fd00:10:96::/112', '--allow-insecure-http=true']);
    const config = parseConfig(container.args, {});
    assert.ok(config !== 'help');
    assert.deepEqual([config.allowOutbound, config.denyOutbound, config.allowInsecureHttp], [['127.0.0.1', '10.20.0.0/16', '*.hooks.example.com'], ['10.96.0.0/12', 'fd00:10:96::/112'], true]);
  });

  it('reads the SMTP URL from smtp.existingSecret, and refuses both url and existingSecret', () => {
    const manifests = render(['--set', 'smtp.existingSecret=mail-credentials', '--set', 'smtp.existingSecretKey=smtp-url']);
    assert.equal(ofKind(manifests, 'Secret').some((s) => s.metadata.name.endsWith('-smtp')), false);
    assert.deepEqual(containerOf(manifests).env?.find((e) => e.name === 'APPROVAL_SMTP_URL'), {
      name: 'APPROVAL_SMTP_URL',
      valueFrom: { secretKeyRef: { name: 'mail-credentials', key: 'smtp-url' } },
    });
    const both = helm(['template', 'x', chartDir, '--set', 'smtp.existingSecret=a', '--set', 'smtp.url=smtp://mail:25']);
    assert.notEqual(both.code, 0);
    assert.match(both.stderr, /smtp\.url or smtp\.existingSecret, not both/);
  });

  it('rolls out without fewer ready replicas, and a stopping pod keeps serving for shutdownDelaySeconds', () => {
    type Rollout = Deployment & { spec: { strategy: unknown; template: { spec: { containers: Array<Container & { lifecycle?: unknown }> } } } };
    const deployment = deploymentOf(render()) as Rollout;
    assert.deepEqual(deployment.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
    const lifecycle = (args: string[]) => (deploymentOf(render(args)) as Rollout).spec.template.spec.containers[0]?.lifecycle;
    assert.deepEqual(lifecycle(['--kube-version', '1.35.0']), { preStop: { sleep: { seconds: 5 } } });
    assert.deepEqual(lifecycle(['--kube-version', '1.29.0', '--set', 'shutdownDelaySeconds=8']), { preStop: { exec: { command: ['sleep', '8'] } } });
    assert.equal(lifecycle(['--set', 'shutdownDelaySeconds=0']), undefined);
  });

  it('refuses several replicas without leader election', () => {
    const result = helm(['template', 'x', chartDir, '--set', 'leaderElection.enabled=false']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /leaderElection/);
    const single = containerOf(render(['--set', 'leaderElection.enabled=false', '--set', 'replicaCount=1']));
    assert.ok(single.args.includes('--leader-elect=false'));
  });

  it('generates a CA and a serving certificate for the webhook Service, and uses that CA as caBundle', () => {
    const manifests = render([], { release: 'approval-operator', namespace: 'ops' });
    const secret = find<{ type: string; data: Record<string, string> }>(manifests, 'Secret', 'approval-operator-webhook-cert');
    assert.equal(secret.type, 'kubernetes.io/tls');
    const ca = new X509Certificate(b64(secret.data['ca.crt']!));
    const serving = new X509Certificate(b64(secret.data['tls.crt']!));
    assert.ok(ca.ca, 'ca.crt is a CA');
    assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey), 'tls.crt is signed by ca.crt');
    assert.equal(serving.checkHost('approval-operator-webhook.ops.svc'), 'approval-operator-webhook.ops.svc');
    assert.ok(serving.subjectAltName?.includes('DNS:approval-operator-webhook.ops.svc.cluster.local'));
    assert.ok(new Date(serving.validTo).getTime() > Date.now() + 9 * 365 * 86_400_000, 'valid ~10 years');
    assert.match(b64(secret.data['tls.key']!), /PRIVATE KEY/);

    const service = find<{ spec: { ports: Array<{ port: number; targetPort: string }> } }>(manifests, 'Service', 'approval-operator-webhook');
    assert.deepEqual(service.spec.ports.map((p) => [p.port, p.targetPort]), [[443, 'webhook']]);
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const config = find<WebhookConfiguration>(manifests, kind, 'approval-operator');
      for (const webhook of config.webhooks) {
        assert.equal(webhook.clientConfig.caBundle, secret.data['ca.crt'], `${kind} ${webhook.name} trusts the generated CA`);
        assert.deepEqual({ ...webhook.clientConfig.service, path: undefined }, { name: 'approval-operator-webhook', namespace: 'ops', port: 443, path: undefined });
      }
    }
  });

  it('uses cert-manager when certManager.enabled: Certificate, Issuer, inject-ca-from, no generated Secret', () => {
    const manifests = render(['--set', 'certManager.enabled=true'], { namespace: 'ops' });
    assert.equal(ofKind(manifests, 'Secret').length, 0);
    const issuer = find<{ spec: unknown }>(manifests, 'Issuer', 'approval-operator-selfsigned');
    assert.deepEqual(issuer.spec, { selfSigned: {} });
    const certificate = find<{ spec: { secretName: string; dnsNames: string[]; issuerRef: unknown } }>(manifests, 'Certificate', 'approval-operator-webhook');
    assert.equal(certificate.spec.secretName, 'approval-operator-webhook-cert');
    assert.ok(certificate.spec.dnsNames.includes('approval-operator-webhook.ops.svc'));
    assert.deepEqual(certificate.spec.issuerRef, { kind: 'Issuer', name: 'approval-operator-selfsigned' });
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
      const config = find<WebhookConfiguration>(manifests, kind);
      assert.equal(config.metadata.annotations?.['cert-manager.io/inject-ca-from'], 'ops/approval-operator-webhook');
      assert.ok(config.webhooks.every((w) => w.clientConfig.caBundle === undefined), 'cainjector fills caBundle');
    }
    const withIssuer = render(['--set', 'certManager.enabled=true', '--set', 'certManager.issuerRef.kind=ClusterIssuer', '--set', 'certManager.issuerRef.name=corp-ca']);
    assert.equal(ofKind(withIssuer, 'Issuer').length, 0);
    assert.deepEqual(find<{ spec: { issuerRef: unknown } }>(withIssuer, 'Certificate').spec.issuerRef, { kind: 'ClusterIssuer', name: 'corp-ca' });
  });

  it('renders no webhook objects and --webhook-port=0 with webhook.enabled=false', () => {
    const manifests = render(['--set', 'webhook.enabled=false']);
    for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'Secret']) assert.equal(ofKind(manifests, kind).length, 0, kind);
    assert.deepEqual(ofKind(manifests, 'Service').map((s) => s.metadata.name), ['approval-operator-metrics']);
    const container = containerOf(manifests);
    assert.ok(container.args.includes('--webhook-port=0'));
    assert.ok(!container.args.some((a) => a.startsWith('--webhook-cert-dir')));
    assert.deepEqual(container.volumeMounts.map((m) => m.mountPath), ['/tmp']);
    const config = parseConfig(container.args, {});
    assert.ok(config !== 'help' && config.webhookPort === 0);
  });

  it('renders the metrics Service, and the ServiceMonitor, PodDisruptionBudget and NetworkPolicy on demand', () => {
    const defaults = render();
    const metrics = find<{ spec: { ports: Array<{ port: number; targetPort: string }> } }>(defaults, 'Service', 'approval-operator-metrics');
    assert.deepEqual(metrics.spec.ports.map((p) => [p.port, p.targetPort]), [[8080, 'metrics']]);
    assert.equal(ofKind(defaults, 'ServiceMonitor').length, 0);
    assert.equal(ofKind(defaults, 'NetworkPolicy').length, 0);
    assert.deepEqual(find<{ spec: unknown }>(defaults, 'PodDisruptionBudget').spec, {
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'approval-operator', 'app.kubernetes.io/instance': 'approval-operator' } },
    });

    const all = render([
      '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'networkPolicy.enabled=true', '--set', 'podDisruptionBudget.enabled=false',
      ...setValues({ 'networkPolicy.metricsFrom': [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }] }),
    ]);
    assert.equal(ofKind(all, 'PodDisruptionBudget').length, 0);
    const monitor = find<{ spec: { endpoints: Array<{ port: string; path: string }> } }>(all, 'ServiceMonitor');
    assert.deepEqual(monitor.spec.endpoints.map((e) => [e.port, e.path]), [['metrics', '/metrics']]);
    const policy = find<{ spec: { policyTypes: string[]; ingress: Array<{ from?: unknown[]; ports: Array<{ port: string }> }> } }>(all, 'NetworkPolicy');
    assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
    assert.deepEqual(policy.spec.ingress.map((rule) => [rule.ports.map((p) => p.port), rule.from?.length ?? 0]), [[['webhook'], 0], [['metrics'], 1]]);
  });

  it('passes scheduling values through', () => {
    const deployment = deploymentOf(
      render(
        setValues({
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'platform', effect: 'NoSchedule' }],
          affinity: { nodeAffinity: {} },
        }),
      ),
    );
    assert.deepEqual(deployment.spec.template.spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
    assert.equal(deployment.spec.template.spec.tolerations?.length, 1);
    assert.deepEqual(deployment.spec.template.spec.affinity, { nodeAffinity: {} });
    const image = containerOf(render(['--set', 'image.repository=registry.example.com/ao', '--set', `image.digest=sha256:${'a'.repeat(64)}`])).image;
    assert.equal(image, `registry.example.com/ao@sha256:${'a'.repeat(64)}`);
  });

  it('tells in NOTES.txt how to file and approve a first request', () => {
    const result = helm(['install', 'approval-operator', chartDir, '--dry-run=client', '--namespace', 'approval-system']);
    assert.equal(result.code, 0, result.stderr);
    const notes = result.stdout.slice(result.stdout.indexOf('NOTES:'));
    assert.match(notes, /kind: ApprovalRequest/);
    assert.match(notes, /kubectl -n \$NS apply -f request\.yaml/);
    assert.match(notes, /kubectl approval approve orders-read/);
    assert.match(notes, /--clusterrole=approval-decider --group=team:orders/);
  });
});

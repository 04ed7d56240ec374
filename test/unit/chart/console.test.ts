// The chart's optional approvals console: its own Deployment, Service and Ingress, flags the
// console accepts, no service-account token, pods the operator's Services do not select, and the
// operator's --console-url.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConsoleConfig } from '../../../src/console/config.ts';
import { find, helm, chartDir, ofKind, render, setValues, type Manifest } from './helm.ts';

interface Container {
  name: string;
  command?: string[];
  args: string[];
  env?: Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
}

interface Deployment extends Manifest {
  spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { automountServiceAccountToken?: boolean; containers: Container[] } } };
}

const enabled = setValues({ 'console.enabled': true, 'console.url': 'https://approvals.example.com', 'console.oidc.issuer': 'https://login.example.com' });

describe('chart: the approvals console', () => {
  it('renders nothing of the console by default', () => {
    const manifests = render();
    assert.equal(manifests.filter((m) => m.metadata.name.endsWith('-console')).length, 0);
  });

  it('renders a Deployment whose flags the console accepts, without a service-account token', () => {
    const manifests = render([...enabled, ...setValues({ 'console.oidc.caBundle': 'PEM', 'console.namespaces': ['shop', 'orders'] })]);
    const deployment = find<Deployment>(manifests, 'Deployment', 'approval-operator-console');
    const pod = deployment.spec.template.spec;
    assert.equal(pod.automountServiceAccountToken, false);
    const container = pod.containers[0]!;
    assert.deepEqual(container.command, ['node', 'dist/console/main.js']);
    // The file flags point into mounted volumes; here they point at a temporary file.
    const file = join(mkdtempSync(join(tmpdir(), 'console-chart-')), 'ca.crt');
    writeFileSync(file, 'PEM');
    const args = container.args.map((a) => a.replace(/^(--(?:kube|oidc)-ca-file=).*/, `$1${file}`));
    const config = parseConsoleConfig(args, {});
    assert.ok(config !== 'help');
    assert.equal(config.publicUrl, 'https://approvals.example.com');
    assert.equal(config.oidcIssuer, 'https://login.example.com');
    assert.deepEqual(config.namespaces, ['shop', 'orders']);
    assert.deepEqual(container.env?.map((e) => [e.name, e.valueFrom?.secretKeyRef?.key]), [
      ['APPROVAL_CONSOLE_SESSION_SECRET', 'session-secret'],
      ['APPROVAL_CONSOLE_OIDC_CLIENT_SECRET', 'client-secret'],
    ]);
    assert.ok(find(manifests, 'Secret', 'approval-operator-console'));
    assert.ok(find(manifests, 'Service', 'approval-operator-console'));
  });

  it('keeps the console pods out of the operator’s selectors', () => {
    const manifests = render(enabled);
    const consolePods = find<Deployment>(manifests, 'Deployment', 'approval-operator-console').spec.template.metadata.labels;
    const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => consolePods[k] === v);
    assert.equal(selects(find<Deployment>(manifests, 'Deployment', 'approval-operator').spec.selector.matchLabels), false);
    for (const service of ofKind(manifests, 'Service') as Array<Manifest & { spec: { selector: Record<string, string> } }>) {
      if (service.metadata.name !== 'approval-operator-console') assert.equal(selects(service.spec.selector), false, service.metadata.name);
    }
  });

  it('passes console.url to the operator as --console-url, and renders the Ingress on demand', () => {
    const manifests = render([...enabled, ...setValues({ 'console.ingress.enabled': true })]);
    const operator = find<Deployment>(manifests, 'Deployment', 'approval-operator').spec.template.spec.containers[0]!;
    assert.ok(operator.args.includes('--console-url=https://approvals.example.com'));
    const ingress = find<Manifest & { spec: { rules: Array<{ host: string }> } }>(manifests, 'Ingress', 'approval-operator-console');
    assert.equal(ingress.spec.rules[0]!.host, 'approvals.example.com');
  });

  it('refuses a console without its URL or issuer, and lints with it on', () => {
    const missing = helm(['template', 'x', chartDir, ...setValues({ 'console.enabled': true })]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /console\.url is required/);
    const lint = helm(['lint', '--strict', chartDir, ...enabled]);
    assert.equal(lint.code, 0, lint.stderr + lint.stdout);
  });
});

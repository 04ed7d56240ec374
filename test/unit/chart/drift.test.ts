// The chart must ship exactly what the repository defines: the CRDs of config/crd, the RBAC
// rules of config/rbac and the webhooks of config/webhook. Copies are checked byte for byte
// (fix a failure with the `cp` command in its message), and the rendered objects are compared
// with the originals, so neither a stale copy nor a template bug can widen or narrow them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../../hack/control-plane.ts';
import { chartDir, find, ofKind, render, repoManifests, type Manifest, type PolicyRule } from './helm.ts';

const yamlFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

function assertSameBytes(original: string, copy: string): void {
  assert.ok(
    readFileSync(join(repoRoot, original)).equals(readFileSync(join(chartDir, copy))),
    `charts/approval-operator/${copy} differs from ${original}; run: cp ${original} charts/approval-operator/${copy}`,
  );
}

const rulesOf = (m: Manifest) => (m as unknown as { rules: PolicyRule[] }).rules;

describe('chart ↔ repository drift', () => {
  it('crds/ holds byte-for-byte copies of every config/crd file, and nothing else', () => {
    const crds = yamlFiles(join(repoRoot, 'config', 'crd'));
    assert.ok(crds.length >= 3);
    assert.deepEqual(yamlFiles(join(chartDir, 'crds')), crds, 'run: rm charts/approval-operator/crds/*.yaml && cp config/crd/*.yaml charts/approval-operator/crds/');
    for (const file of crds) assertSameBytes(`config/crd/${file}`, `crds/${file}`);
  });

  it('files/ holds byte-for-byte copies of config/rbac and config/webhook', () => {
    assertSameBytes('config/rbac/operator-role.yaml', 'files/rbac/operator-role.yaml');
    assertSameBytes('config/rbac/user-roles.yaml', 'files/rbac/user-roles.yaml');
    assertSameBytes('config/webhook/webhooks.yaml', 'files/webhook/webhooks.yaml');
  });

  it('renders --include-crds with the CRDs of config/crd', () => {
    const rendered = ofKind(render([], { includeCrds: true }), 'CustomResourceDefinition');
    const originals = yamlFiles(join(repoRoot, 'config', 'crd')).flatMap((f) => repoManifests('config', 'crd', f));
    assert.deepEqual(rendered.map((c) => c.metadata.name).sort(), originals.map((c) => c.metadata.name).sort());
    for (const crd of originals) assert.deepEqual(find(rendered, 'CustomResourceDefinition', crd.metadata.name), crd);
  });

  it("renders the operator's ClusterRole and leader-election Role with the rules of config/rbac/operator-role.yaml", () => {
    const original = repoManifests('config', 'rbac', 'operator-role.yaml');
    const manifests = render();
    assert.deepEqual(rulesOf(find(manifests, 'ClusterRole', 'approval-operator')), rulesOf(find(original, 'ClusterRole', 'approval-operator')));
    assert.deepEqual(
      rulesOf(find(manifests, 'Role', 'approval-operator-leader-election')),
      rulesOf(find(original, 'Role', 'approval-operator-leader-election')),
    );
    const binding = find<{ roleRef: { name: string }; subjects: unknown[] }>(manifests, 'ClusterRoleBinding', 'approval-operator');
    assert.equal(binding.roleRef.name, 'approval-operator');
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'approval-operator', namespace: 'approval-system' }]);
  });

  it('renders the user roles of config/rbac/user-roles.yaml with their rules and aggregation labels', () => {
    const original = ofKind(repoManifests('config', 'rbac', 'user-roles.yaml'), 'ClusterRole');
    assert.deepEqual(original.map((r) => r.metadata.name), ['approval-viewer', 'approval-requester', 'approval-decider', 'approval-admin', 'approval-platform-controller', 'approval-delegate']);
    const manifests = render();
    for (const role of original) {
      const rendered = find(manifests, 'ClusterRole', role.metadata.name);
      assert.deepEqual(rulesOf(rendered), rulesOf(role), role.metadata.name);
      const aggregation = (labels: Record<string, string> = {}) => Object.fromEntries(Object.entries(labels).filter(([key]) => key.startsWith('rbac.authorization.k8s.io/')));
      assert.deepEqual(aggregation(rendered.metadata.labels), aggregation(role.metadata.labels), role.metadata.name);
    }
    // rbac.userRoles=false leaves them out (for clusters that manage these roles elsewhere).
    const without = render(['--set', 'rbac.userRoles=false']);
    for (const role of original) assert.equal(ofKind(without, 'ClusterRole').some((r) => r.metadata.name === role.metadata.name), false);
  });

  it('renders the webhooks of config/webhook/webhooks.yaml, pointed at the chart Service', () => {
    const original = repoManifests('config', 'webhook', 'webhooks.yaml');
    const manifests = render([], { release: 'ops', namespace: 'platform' });
    for (const config of original) {
      const rendered = find<{ webhooks: Array<Record<string, unknown> & { clientConfig: { service: Record<string, unknown>; caBundle?: string } }> }>(
        manifests,
        config.kind,
        'ops-approval-operator',
      );
      const webhooks = (config as unknown as { webhooks: Array<{ clientConfig: { service: { path: string } } }> }).webhooks;
      assert.equal(rendered.webhooks.length, webhooks.length);
      webhooks.forEach((webhook, i) => {
        const { clientConfig, ...rest } = rendered.webhooks[i]!;
        const { clientConfig: originalClientConfig, ...originalRest } = webhook;
        assert.deepEqual(rest, originalRest, `${config.kind}: everything but clientConfig as in config/webhook`);
        assert.deepEqual(clientConfig.service, { name: 'ops-approval-operator-webhook', namespace: 'platform', path: originalClientConfig.service.path, port: 443 });
        assert.ok(clientConfig.caBundle, 'caBundle set');
      });
    }
  });
});

// Least privilege, on the rendered chart and on config/rbac itself: no wildcards anywhere, no
// Secret read through any ClusterRole, Secret `get` only in the namespaces listed in
// callbackSecretNamespaces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { find, ofKind, render, repoManifests, setValues, type Manifest, type PolicyRule } from './helm.ts';

const rulesOf = (m: Manifest) => (m as unknown as { rules?: PolicyRule[] }).rules ?? [];
const everything = () => render([...setValues({ callbackSecretNamespaces: ['team-a', 'team-b'] }), '--set', 'metrics.serviceMonitor.enabled=true', '--set', 'networkPolicy.enabled=true']);
const roles = (manifests: Manifest[]) => manifests.filter((m) => m.kind === 'ClusterRole' || m.kind === 'Role');
const sources = (): Array<[string, Manifest[]]> => [
  ['rendered chart', everything()],
  ['config/rbac', [...repoManifests('config', 'rbac', 'operator-role.yaml'), ...repoManifests('config', 'rbac', 'user-roles.yaml')]],
];

describe('chart RBAC (least privilege)', () => {
  it('has no wildcard apiGroups, resources or verbs in any Role or ClusterRole', () => {
    for (const [source, manifests] of sources()) {
      assert.ok(roles(manifests).length > 0);
      for (const role of roles(manifests)) {
        for (const rule of rulesOf(role)) {
          for (const value of [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs]) {
            assert.ok(!value.includes('*'), `${source}: ${role.kind}/${role.metadata.name} has a wildcard: ${JSON.stringify(rule)}`);
          }
          assert.equal((rule as { nonResourceURLs?: string[] }).nonResourceURLs, undefined, `${source}: ${role.metadata.name} grants nonResourceURLs`);
        }
      }
    }
  });

  it('grants Secrets through no ClusterRole', () => {
    for (const [source, manifests] of sources()) {
      for (const role of ofKind(manifests, 'ClusterRole')) {
        for (const rule of rulesOf(role)) {
          const core = (rule.apiGroups ?? []).includes('');
          assert.ok(!(core && (rule.resources ?? []).some((r) => r === 'secrets' || r.startsWith('secrets/'))), `${source}: ClusterRole ${role.metadata.name} grants secrets`);
        }
      }
    }
  });

  it('grants `get` on Secrets only in callbackSecretNamespaces, through Roles bound to the operator', () => {
    assert.equal(ofKind(render(), 'Role').filter((r) => r.metadata.name.endsWith('callback-secrets')).length, 0, 'none by default');
    const manifests = everything();
    const secretRoles = ofKind(manifests, 'Role').filter((role) => rulesOf(role).some((rule) => rule.resources?.includes('secrets')));
    assert.deepEqual(secretRoles.map((r) => r.metadata.namespace).sort(), ['team-a', 'team-b']);
    for (const role of secretRoles) {
      assert.deepEqual(rulesOf(role), [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]);
      const binding = manifests.find((m) => m.kind === 'RoleBinding' && m.metadata.namespace === role.metadata.namespace) as unknown as {
        roleRef: { kind: string; name: string };
        subjects: unknown[];
      };
      assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'approval-operator', namespace: 'approval-system' }]);
    }
  });

  it('keeps the leader-election Role in the release namespace, for Leases only', () => {
    const role = find(render([], { namespace: 'ops' }), 'Role', 'approval-operator-leader-election');
    assert.equal(role.metadata.namespace, 'ops');
    assert.deepEqual(rulesOf(role).flatMap((r) => r.resources), ['leases']);
  });

  it('binds the ClusterRole to the chart ServiceAccount, or to serviceAccount.name when not created', () => {
    const own = render();
    find(own, 'ServiceAccount', 'approval-operator');
    const external = render(['--set', 'serviceAccount.create=false', '--set', 'serviceAccount.name=platform-operator']);
    assert.equal(ofKind(external, 'ServiceAccount').length, 0);
    const binding = find<{ subjects: Array<{ name: string }> }>(external, 'ClusterRoleBinding');
    assert.equal(binding.subjects[0]?.name, 'platform-operator');
    const deployment = find<{ spec: { template: { spec: { serviceAccountName: string } } } }>(external, 'Deployment');
    assert.equal(deployment.spec.template.spec.serviceAccountName, 'platform-operator');
  });

  it('renders no RBAC objects with rbac.create=false and rbac.userRoles=false', () => {
    const manifests = render(['--set', 'rbac.create=false', '--set', 'rbac.userRoles=false', ...setValues({ callbackSecretNamespaces: ['team-a'] })]);
    assert.deepEqual(manifests.filter((m) => m.apiVersion.startsWith('rbac.authorization.k8s.io/')), []);
  });
});

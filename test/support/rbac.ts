// RBAC for the impersonated people of the tests: everyone authenticated may read, create and
// patch approval objects; *who may decide* is the admission webhook's call, not RBAC's.
import { kubectlOk } from './kubectl.ts';

export async function allowAuthenticatedUsersToEditApprovals(): Promise<void> {
  const manifest = [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'approval-test-editor' },
      rules: [{ apiGroups: ['approval.cp.ei.telekom.de'], resources: ['approvalrequests', 'approvals'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'approval-test-editor' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'approval-test-editor' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }],
    },
  ];
  for (const object of manifest) await kubectlOk(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(object) });
}

/** Grants `verb` on approvalrequests in `namespace` to `user` (custom verbs such as autoapprove, decide). */
export async function grantApprovalVerb(namespace: string, user: string, verb: string): Promise<void> {
  const name = `approval-${verb}-${user}`;
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name, namespace },
    rules: [{ apiGroups: ['approval.cp.ei.telekom.de'], resources: ['approvalrequests', 'approvals'], verbs: [verb] }],
  };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  };
  for (const object of [role, binding]) await kubectlOk(['apply', '--server-side', '-f', '-'], { input: JSON.stringify(object) });
}

export async function removeAuthenticatedEditors(): Promise<void> {
  await kubectlOk(['delete', '--ignore-not-found', 'clusterrolebinding/approval-test-editor', 'clusterrole/approval-test-editor']);
}

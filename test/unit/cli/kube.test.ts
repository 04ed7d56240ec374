// How the plugin connects: kubeconfig merging and contexts as kubectl does them, the namespace,
// and which client it builds (node:https for what credentials.ts understands).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HttpClient } from '../../../src/cli/http-client.ts';
import { connect, contextNames } from '../../../src/cli/kube.ts';
import { KubeClient } from '../../../src/runtime/kube-client.ts';

function kubeconfigFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'plugin-kube-')), 'config');
  writeFileSync(file, [
    'apiVersion: v1',
    'kind: Config',
    'current-context: dev',
    'clusters:',
    '- {name: local, cluster: {server: "http://127.0.0.1:8080/"}}',
    'users:',
    '- {name: me, user: {token: abc}}',
    '- {name: sso, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: get-token}}}',
    'contexts:',
    '- {name: dev, context: {cluster: local, user: me, namespace: shop}}',
    '- {name: plain, context: {cluster: local, user: me}}',
    '- {name: cloud, context: {cluster: local, user: sso}}',
    '',
  ].join('\n'));
  return file;
}

describe('connect', () => {
  const file = kubeconfigFile();

  it('uses the current context and its namespace, with the node:https client', async () => {
    const { client, namespace } = await connect({ kubeconfig: file, asGroups: [] });
    assert.ok(client instanceof HttpClient);
    assert.equal(namespace, 'shop');
    assert.equal(client.fieldManager, 'approval-plugin');
    assert.equal(client.impersonation, undefined);
  });

  it('takes --context, --namespace and the impersonation', async () => {
    const plain = await connect({ kubeconfig: file, context: 'plain', asGroups: [] });
    assert.equal(plain.namespace, 'default');
    const flagged = await connect({ kubeconfig: file, context: 'plain', namespace: 'x', as: 'alice', asGroups: ['team:orders'] });
    assert.equal(flagged.namespace, 'x');
    assert.deepEqual(flagged.client.impersonation, { user: 'alice', groups: ['team:orders'] });
    await assert.rejects(connect({ kubeconfig: file, context: 'nope', asGroups: [] }), /context "nope" does not exist in the kubeconfig/);
  });

  it('finds the kubeconfig in $KUBECONFIG, and says so when there is none', async () => {
    const { namespace } = await connect({ asGroups: [] }, { KUBECONFIG: file });
    assert.equal(namespace, 'shop');
    const home = mkdtempSync(join(tmpdir(), 'plugin-home-'));
    await assert.rejects(connect({ asGroups: [] }, { HOME: home }), /no kubeconfig found/);
  });

  it('hands an exec plugin to the operator\'s client (client-node), loaded only then', async () => {
    const { client } = await connect({ kubeconfig: file, context: 'cloud', asGroups: [] });
    assert.ok(client instanceof KubeClient);
    await client.close();
  });

  it('lists the context names for completion', () => {
    assert.deepEqual(contextNames({ kubeconfig: file }), ['dev', 'plain', 'cloud']);
  });
});

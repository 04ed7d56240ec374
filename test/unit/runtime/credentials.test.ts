// Finding the API server and its credentials without client-node (src/runtime/credentials.ts).
// The TLS paths run for real in every integration test (client certificates of the local control plane).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inClusterCredentials, kubeconfigCredentials, kubeconfigFiles, loadCredentials, mergeKubeconfigs } from '../../../src/runtime/credentials.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'credentials-'));

const kubeconfig = (user: Record<string, unknown>, server = 'http://127.0.0.1:8080') => ({
  'current-context': 'dev',
  clusters: [{ name: 'local', cluster: { server } }],
  users: [{ name: 'me', user }],
  contexts: [{ name: 'dev', context: { cluster: 'local', user: 'me' } }],
});

describe('kubeconfigFiles', () => {
  it('takes the given path, else the existing files of $KUBECONFIG, else ~/.kube/config if present', () => {
    const home = dir();
    const a = join(home, 'a');
    writeFileSync(a, '{}');
    assert.deepEqual(kubeconfigFiles('/x/given', { KUBECONFIG: a }), ['/x/given']);
    assert.deepEqual(kubeconfigFiles(undefined, { KUBECONFIG: `${join(home, 'missing')}:${a}`, HOME: home }), [a]);
    assert.deepEqual(kubeconfigFiles(undefined, { HOME: home }), []);
  });
});

describe('mergeKubeconfigs', () => {
  it('merges like kubectl: the first file to define a name or the current context wins', () => {
    const first = { 'current-context': 'one', clusters: [{ name: 'c', cluster: { server: 'https://first' } }] };
    const second = { 'current-context': 'two', clusters: [{ name: 'c', cluster: { server: 'https://second' } }, { name: 'd', cluster: { server: 'https://d' } }] };
    const merged = mergeKubeconfigs([
      { path: '/etc/one/config', text: JSON.stringify(first) },
      { path: '/etc/two/config', text: JSON.stringify(second) },
    ]);
    assert.equal(merged['current-context'], 'one');
    assert.deepEqual(merged.clusters?.map((c) => [c.name, c.cluster?.server, c.from]), [
      ['c', 'https://first', '/etc/one'],
      ['d', 'https://d', '/etc/two'],
    ]);
  });
});

describe('kubeconfigCredentials', () => {
  it('sends a bearer token; a plain-http server needs no TLS dispatcher', async () => {
    const credentials = kubeconfigCredentials(kubeconfig({ token: 'abc' }, 'http://127.0.0.1:8080/'));
    assert.equal(credentials.server, 'http://127.0.0.1:8080');
    const auth = await credentials.authenticate();
    assert.deepEqual(auth.headers, { authorization: 'Bearer abc' });
    assert.equal(auth.dispatcher, undefined);
  });

  it('reads tokenFile relative to its kubeconfig, again at every authentication (rotation)', async () => {
    const home = dir();
    writeFileSync(join(home, 'token'), 'first\n');
    const config = mergeKubeconfigs([{ path: join(home, 'config'), text: JSON.stringify(kubeconfig({ tokenFile: 'token' })) }]);
    const credentials = kubeconfigCredentials(config);
    assert.equal((await credentials.authenticate()).headers.authorization, 'Bearer first');
    writeFileSync(join(home, 'token'), 'second\n');
    assert.equal((await credentials.authenticate()).headers.authorization, 'Bearer second');
  });

  it('sends basic auth, and an https server gets a TLS dispatcher', async () => {
    const auth = await kubeconfigCredentials(kubeconfig({ username: 'u', password: 'p' }, 'https://127.0.0.1:6443')).authenticate();
    assert.equal(auth.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.ok(auth.dispatcher);
    await auth.dispatcher.close();
  });

  it('names what is missing', () => {
    assert.throws(() => kubeconfigCredentials({ ...kubeconfig({}), 'current-context': 'prod' }), /context "prod" not found/);
    assert.throws(() => kubeconfigCredentials({ ...kubeconfig({}), 'current-context': undefined }), /no current-context/);
    assert.throws(() => kubeconfigCredentials({ ...kubeconfig({}), clusters: [] }), /cluster "local" of context "dev" has no server/);
    assert.throws(() => kubeconfigCredentials(kubeconfig({ 'client-certificate': 'missing.crt' }, 'https://x')), /ENOENT/);
  });

  it('leaves exec plugins to client-node, loaded only when authenticating', async () => {
    const file = join(dir(), 'config');
    writeFileSync(file, JSON.stringify(kubeconfig({ exec: { command: 'approval-test-no-such-plugin', apiVersion: 'client.authentication.k8s.io/v1' } }, 'https://127.0.0.1:6443')));
    const credentials = loadCredentials(file);
    assert.equal(credentials.server, 'https://127.0.0.1:6443');
    await assert.rejects(credentials.authenticate(), /approval-test-no-such-plugin/, 'client-node ran the exec plugin');
  });
});

describe('kubeconfig fields this code does not read', () => {
  it('go to client-node as a whole (impersonation from the kubeconfig keeps working)', async () => {
    const file = join(dir(), 'config');
    writeFileSync(file, JSON.stringify(kubeconfig({ token: 't', as: 'someone-else' }, 'https://127.0.0.1:6443')));
    const auth = await loadCredentials(file).authenticate();
    assert.equal(auth.headers['Impersonate-User'], 'someone-else');
    assert.equal(auth.headers.Authorization ?? auth.headers.authorization, 'Bearer t');
    await auth.dispatcher?.close();
  });
});

describe('inClusterCredentials', () => {
  it('uses the service account token (re-read), its CA and the service address (IPv6 bracketed)', async () => {
    const sa = dir();
    writeFileSync(join(sa, 'ca.crt'), '');
    writeFileSync(join(sa, 'token'), 'pod-token\n');
    const credentials = inClusterCredentials({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, sa);
    assert.equal(credentials.server, 'https://[fd00::1]:443');
    const auth = await credentials.authenticate();
    assert.deepEqual(auth.headers, { authorization: 'Bearer pod-token' });
    await auth.dispatcher?.close();
    writeFileSync(join(sa, 'token'), 'rotated');
    assert.equal((await credentials.authenticate()).headers.authorization, 'Bearer rotated');
  });
});

describe('loadCredentials', () => {
  it('without a kubeconfig outside a cluster, says where it looked', () => {
    assert.throws(() => loadCredentials(undefined, { HOME: dir() }), /no kubeconfig found \(--kubeconfig, \$KUBECONFIG, ~\/\.kube\/config\) and not running in a cluster/);
  });

  it('reads the given file', () => {
    const home = dir();
    writeFileSync(join(home, 'config'), JSON.stringify(kubeconfig({ token: 't' }, 'http://10.0.0.1:8080')));
    assert.equal(loadCredentials(join(home, 'config')).server, 'http://10.0.0.1:8080');
  });
});

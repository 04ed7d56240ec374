// The informer against the real kube-apiserver: list + watch, an API server restart, a 410 Gone
// on resume (history compacted while the client was cut off) and a stalled connection.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it, type TestContext } from 'node:test';
import { compactEtcd, restartApiServer } from '../../../hack/control-plane.ts';
import { Informer, type InformerEvent, type InformerOptions } from '../../../src/runtime/informer.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { collectionPath, core, objectPath, splitKey, type KubeObject } from '../../../src/runtime/resource.ts';
import { adminClient, apiServerUrl, clusterDir, createNamespace, eventually, testLogger } from '../../support/cluster.ts';
import { TcpProxy } from '../../support/tcp-proxy.ts';

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

const names = (informer: Informer<ConfigMap>) => informer.cache.list().map((o) => o.metadata.name).sort();

/** Starts an informer that is stopped when the test ends, whatever its outcome. */
async function startInformer(t: TestContext, client: KubeClient, options: Omit<InformerOptions<ConfigMap>, 'log'>, onEvent?: Array<InformerEvent<ConfigMap>>) {
  const informer = new Informer<ConfigMap>(client, core.configMap, { ...options, log: testLogger() });
  if (onEvent) informer.addHandler((event) => onEvent.push(event));
  t.after(() => informer.stop());
  informer.start();
  await informer.waitForSync();
  return informer;
}

/** A client that reaches the API server through a TCP proxy the test can cut or freeze. */
async function proxiedClient(t: TestContext): Promise<{ proxy: TcpProxy; client: KubeClient }> {
  const proxy = new TcpProxy(Number(apiServerUrl().port));
  await proxy.start();
  const client = adminClient(`https://127.0.0.1:${proxy.port}`);
  t.after(async () => {
    await client.close();
    await proxy.stop();
  });
  return { proxy, client };
}

describe('informer against the real API server', () => {
  let client: KubeClient;
  let namespace: string;
  const createCm = (name: string, data: Record<string, string> = {}) =>
    client.create(collectionPath(core.configMap, namespace), { metadata: { name }, data });
  const deleteCm = (name: string) => client.delete(objectPath(core.configMap, namespace, name));

  before(() => {
    client = adminClient();
  });
  // Each test gets its own namespace, so a failure cannot leave objects behind for the next.
  beforeEach(async () => {
    namespace = await createNamespace(client, 'informer');
  });
  after(() => client.close());

  it('lists existing objects, then reports adds, updates and deletes from the watch', async (t) => {
    await createCm('before-start');
    const events: Array<InformerEvent<ConfigMap>> = [];
    const informer = await startInformer(t, client, { namespace }, events);
    assert.deepEqual(names(informer), ['before-start']);
    await createCm('added');
    await client.patch(objectPath(core.configMap, namespace, 'added'), { data: { k: 'v' } }, 'application/merge-patch+json');
    await deleteCm('before-start');
    await eventually('the delete event', () => events.some((e) => e.type === 'DELETED' && e.object.metadata.name === 'before-start'));
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED before-start', 'ADDED added', 'MODIFIED added', 'DELETED before-start'],
    );
    assert.equal(informer.cache.get(`${namespace}/added`)?.data?.k, 'v');
    assert.equal(informer.cache.get(`${namespace}/added`)?.metadata.managedFields, undefined, 'managedFields are not cached');
  });

  it('keep: holds only qualifying objects; one that stops qualifying leaves as DELETED, one that qualifies again comes back', async (t) => {
    await createCm('done-before-start', { done: 'yes' });
    await createCm('open');
    const events: Array<InformerEvent<ConfigMap>> = [];
    const informer = await startInformer(t, client, { namespace, keep: (cm) => cm.data?.done !== 'yes' }, events);
    assert.deepEqual(names(informer), ['open'], 'the list leaves out what does not qualify');
    const markDone = (done: string) => client.patch(objectPath(core.configMap, namespace, 'open'), { data: { done } }, 'application/merge-patch+json');
    await markDone('yes');
    await eventually('open to leave the cache', () => names(informer).length === 0);
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED open', 'DELETED open']);
    await client.get(objectPath(core.configMap, namespace, 'open')); // still on the server
    await markDone('no');
    await eventually('open to come back', () => names(informer).includes('open'));
    assert.deepEqual(names(informer), ['open']);
    assert.equal(events.at(-1)?.type, 'ADDED');
  });

  it('keeps watching across a kube-apiserver restart', async (t) => {
    const informer = await startInformer(t, client, { namespace });
    await createCm('before-restart');
    await eventually('before-restart in the cache', () => informer.cache.get(`${namespace}/before-restart`));
    const watchesBefore = informer.stats.watches;

    await restartApiServer(clusterDir(), 500);

    await createCm('after-restart');
    await deleteCm('before-restart');
    await eventually('the informer to see the writes made after the restart', () =>
      names(informer).join() === 'after-restart' ? true : undefined,
    );
    assert.ok(informer.stats.watches > watchesBefore, 'the watch was re-established');
  });

  it('relists after 410 Gone on resume and loses no add, update or delete, also of an object held as a summary', async (t) => {
    const proxied = await proxiedClient(t);
    await createCm('kept', { v: '1' });
    await createCm('deleted-while-away');
    const events: Array<InformerEvent<ConfigMap>> = [];
    // The object to be deleted is held as a summary: its DELETED event carries what the summary knows.
    const compaction = {
      compact: (cm: ConfigMap) => (cm.metadata.name === 'deleted-while-away' ? { summary: { resourceVersion: cm.metadata.resourceVersion } } : undefined),
      expand: (key: string, summary: { resourceVersion: string | undefined }) => ({ metadata: { ...splitKey(key), resourceVersion: summary.resourceVersion }, data: { from: 'summary' } }),
    };
    const informer = await startInformer(t, proxied.client, { namespace, compaction }, events);
    const proxy = proxied.proxy;
    assert.deepEqual(names(informer), ['kept']);
    assert.ok(informer.cache.isCompact(`${namespace}/deleted-while-away`));

    // Cut the informer off, change things behind its back, and make its resourceVersion too old:
    // a fresh API server watch cache plus compacted etcd history can only answer 410 Gone.
    await proxy.cut();
    await createCm('created-while-away');
    await client.patch(objectPath(core.configMap, namespace, 'kept'), { data: { v: '2' } }, 'application/merge-patch+json');
    await deleteCm('deleted-while-away');
    await restartApiServer(clusterDir());
    await compactEtcd(clusterDir());
    await proxy.restore();

    await eventually('the relist after 410', () => informer.stats.relistsAfterGone > 0, 60_000);
    await eventually('the cache to match the server', () => names(informer).join() === 'created-while-away,kept');
    assert.equal(informer.cache.get(`${namespace}/kept`)?.data?.v, '2');
    const seen = events.map((e) => `${e.type} ${e.object.metadata.name}`);
    assert.ok(seen.includes('ADDED created-while-away'), `events: ${seen.join(', ')}`);
    assert.ok(seen.includes('MODIFIED kept'), `events: ${seen.join(', ')}`);
    assert.ok(seen.includes('DELETED deleted-while-away'), `the delete made while away is reported: ${seen.join(', ')}`);
    const deleted = events.find((e) => e.type === 'DELETED' && e.object.metadata.name === 'deleted-while-away');
    assert.deepEqual(deleted?.object.data, { from: 'summary' }, 'reported with what its summary knows');
    assert.equal(informer.cache.has(`${namespace}/deleted-while-away`), false);
  });

  it('restarts a watch that went silent (stall detection)', async (t) => {
    const { proxy, client: proxied } = await proxiedClient(t);
    const informer = await startInformer(t, proxied, { namespace, stallTimeoutMs: 1500 });
    await eventually('the watch to be open', () => informer.stats.watches > 0);
    proxy.freeze();
    await createCm('during-stall');
    await eventually('the stall to be detected', () => informer.stats.stalls > 0, 10_000);
    await eventually('the object written during the stall', () => informer.cache.get(`${namespace}/during-stall`), 10_000);
  });
});

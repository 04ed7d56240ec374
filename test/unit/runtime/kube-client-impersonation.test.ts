// KubeClient's impersonation (tests, the chart's ServiceAccount check): the user and one group
// as headers the API server reads; more than one group is refused before anything is sent, since
// fetch would join them into one line that the API server reads as a single group "a, b".
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../../../src/runtime/kube-client.ts';

describe('KubeClient impersonation', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ user: string[] | undefined; groups: string[] | undefined }> = [];

  before(async () => {
    server = createServer((req, res) => {
      seen.push({ user: req.headersDistinct['impersonate-user'], groups: req.headersDistinct['impersonate-group'] });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const client = (impersonation: KubeClient['impersonation']) => {
    const kube = new KubeClient({ server: base, authenticate: async () => ({ headers: {}, dispatcher: undefined }) });
    kube.impersonation = impersonation;
    return kube;
  };

  it('sends the user and its one group, each as one header line', async () => {
    seen.length = 0;
    await client({ user: 'alice', groups: ['team:orders'] }).get('/api/v1/namespaces');
    await client({ user: 'system:serviceaccount:approval-system:approval-operator' }).get('/api/v1/namespaces');
    assert.deepEqual(seen, [
      { user: ['alice'], groups: ['team:orders'] },
      { user: ['system:serviceaccount:approval-system:approval-operator'], groups: undefined },
    ]);
  });

  it('refuses two groups before sending anything', async () => {
    seen.length = 0;
    await assert.rejects(client({ user: 'alice', groups: ['team:orders', 'devs'] }).get('/api/v1/namespaces'), /at most one group, not 2 \(team:orders, devs\)/);
    assert.equal(seen.length, 0);
  });
});

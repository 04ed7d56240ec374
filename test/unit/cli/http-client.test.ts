// The plugin's node:https client against a local HTTP server: what it sends (headers,
// impersonation, field manager, dry run) and how it reports the server's refusals.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpClient } from '../../../src/cli/http-client.ts';
import { ApiError, PatchType } from '../../../src/runtime/api-protocol.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** Each impersonate-group line as sent: the API server reads one group per line. */
  groupLines: string[] | undefined;
  body: string;
}

describe('HttpClient', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, groupLines: req.headersDistinct['impersonate-group'], body });
        if (req.url?.includes('/forbidden')) {
          res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', reason: 'Forbidden', message: 'user "mallory" cannot get' }));
        } else if (req.url?.includes('/plain')) {
          res.writeHead(500).end('upstream broke');
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, method: req.method }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('sends the credentials, the impersonation and (on writes) the field manager', async () => {
    seen.length = 0;
    const client = new HttpClient({ server: base, tls: { rejectUnauthorized: true }, headers: () => ({ authorization: 'Bearer t0k3n' }) });
    client.fieldManager = 'approval-plugin';
    client.impersonation = { user: 'alice', groups: ['team:orders', 'devs'] };
    assert.deepEqual(await client.get('/apis/x/v1/things', { limit: 5 }), { ok: true, method: 'GET' });
    await client.patch('/apis/x/v1/things/a', [{ op: 'test' }], PatchType.json, { dryRun: 'All' });
    await client.create('/apis/x/v1/things', { metadata: { name: 'b' } });
    await client.close();
    assert.deepEqual(seen.map((s) => [s.method, s.url]), [
      ['GET', '/apis/x/v1/things?limit=5'],
      ['PATCH', '/apis/x/v1/things/a?fieldManager=approval-plugin&dryRun=All'],
      ['POST', '/apis/x/v1/things?fieldManager=approval-plugin'],
    ]);
    for (const request of seen) {
      assert.equal(request.headers.authorization, 'Bearer t0k3n');
      assert.equal(request.headers['impersonate-user'], 'alice');
      assert.deepEqual(request.groupLines, ['team:orders', 'devs']);
      assert.equal(request.headers.accept, 'application/json');
    }
    assert.equal(seen[1]!.headers['content-type'], 'application/json-patch+json');
    assert.equal(seen[1]!.body, '[{"op":"test"}]');
    assert.equal(seen[2]!.headers['content-type'], 'application/json');
  });

  it('turns an error status into an ApiError with the server\'s Status', async () => {
    const client = new HttpClient({ server: base, tls: { rejectUnauthorized: true }, headers: () => ({}) });
    await assert.rejects(client.get('/forbidden'), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.deepEqual([err.status, err.reason, err.body?.message], [403, 'Forbidden', 'user "mallory" cannot get']);
      return true;
    });
    await assert.rejects(client.get('/plain'), (err: unknown) => err instanceof ApiError && err.status === 500 && err.body?.message === 'upstream broke');
    await client.close();
  });

  it('names the server when it cannot be reached', async () => {
    const client = new HttpClient({ server: 'http://127.0.0.1:1', tls: { rejectUnauthorized: true }, headers: () => ({}) });
    await assert.rejects(client.get('/x'), (err: unknown) => err instanceof Error && err.message === 'request to http://127.0.0.1:1 failed' && /ECONNREFUSED/.test(String((err.cause as Error).message)));
    await client.close();
  });
});

// The webhook server serves a renewed certificate without a restart (cert-manager rotation), and
// answers oversized or malformed reviews without reading or crashing.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { ensureCa, ensureCertificate } from '../../../hack/pki.ts';
import { MAX_REVIEW_BYTES, serveWebhooks } from '../../../src/admission/webhook-server.ts';
import { portOf } from '../../../src/runtime/http-endpoints.ts';

function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('webhook server certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'webhook-cert-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('picks up a renewed tls.crt/tls.key', async () => {
    const issue = (name: string) => {
      const ca = ensureCa(join(dir, name), `${name}-ca`);
      return ensureCertificate(join(dir, name), ca, { name: 'serving', commonName: '127.0.0.1', altNames: ['IP:127.0.0.1'], usage: 'server' });
    };
    const first = issue('first');
    const second = issue('second');
    const install = (files: { cert: string; key: string }) => {
      copyFileSync(files.cert, join(dir, 'tls.crt'));
      copyFileSync(files.key, join(dir, 'tls.key'));
    };
    install(first);
    const context = { operatorUsername: 'op', policies: () => [], now: () => new Date(), access: async () => false, teamGroupPrefix: 'team:' };
    const server = await serveWebhooks({ port: 0, certDir: dir, log: pino({ level: 'silent' }), context, certReloadIntervalMs: 50 });
    try {
      const before = await servedFingerprint(portOf(server));
      install(second);
      let now = before;
      for (let i = 0; i < 100 && now === before; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        now = await servedFingerprint(portOf(server));
      }
      assert.notEqual(now, before, 'the renewed certificate is served');
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});

describe('webhook server input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'webhook-input-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** POSTs `body` over TLS (the test CA is not trusted: only the server's answer matters here). */
  function post(port: number, body: Buffer | string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/validate', method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
      req.end(body);
    });
  }

  it('refuses an oversized review unread, and malformed reviews with 400, never a crash', async () => {
    const ca = ensureCa(join(dir, 'ca'), 'input-ca');
    const files = ensureCertificate(join(dir, 'ca'), ca, { name: 'serving', commonName: '127.0.0.1', altNames: ['IP:127.0.0.1'], usage: 'server' });
    copyFileSync(files.cert, join(dir, 'tls.crt'));
    copyFileSync(files.key, join(dir, 'tls.key'));
    const context = { operatorUsername: 'op', policies: () => [], now: () => new Date(), access: async () => false, teamGroupPrefix: 'team:' };
    const server = await serveWebhooks({ port: 0, certDir: dir, log: pino({ level: 'silent' }), context });
    try {
      const port = portOf(server);
      assert.equal((await post(port, Buffer.alloc(MAX_REVIEW_BYTES + 1024, 0x20))).status, 413);
      assert.equal((await post(port, '{not json')).status, 400);
      assert.equal((await post(port, '{"request":{"uid":"u"}}')).status, 400);
      assert.equal((await post(port, 'null')).status, 400);
      const ok = await post(port, JSON.stringify({ request: { uid: 'u', operation: 'CREATE', kind: { kind: 'ApprovalRequest' }, userInfo: { username: 'carol' }, object: 42 } }));
      assert.equal(ok.status, 200, 'a well-formed review with a nonsense object is answered');
      assert.match(ok.text, /"allowed":false/);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});

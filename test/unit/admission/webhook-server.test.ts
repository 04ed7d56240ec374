// The webhook server serves a renewed certificate without a restart (cert-manager rotation).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { ensureCa, ensureCertificate } from '../../../hack/pki.ts';
import { serveWebhooks } from '../../../src/admission/webhook-server.ts';
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

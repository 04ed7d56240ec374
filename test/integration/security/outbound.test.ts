// Outbound requests (threat model: docs/security.md, "Outbound requests and Secrets"). A requester
// writes spec.callback.url; the operator must not become her tool to reach what she cannot:
// loopback (in any spelling), link-local (cloud metadata), private ranges, the API server. And
// what the Notification's status says must not turn it into a port scanner. The operator runs
// with the real delivery controller against the real API server; the receiver listens on
// 127.0.0.1, which only the second operator allows, explicitly.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { adminClient, apiServerUrl, createNamespace } from '../../support/cluster.ts';
import { HttpReceiver } from '../../support/http-receiver.ts';
import { installCrds } from '../../support/kubectl.ts';
import { notificationHelpers, simpleRequest } from '../../support/notifications.ts';
import { startOperator, type RunningOperator } from '../../support/operator.ts';
import { TestSmtpServer } from '../../support/smtp.ts';

const listen = async (server: Server): Promise<number> => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
};

describe('outbound requests: the callback is no SSRF tool', () => {
  let client: KubeClient;
  let ns: string;
  let operator: RunningOperator | undefined;
  const smtp = new TestSmtpServer();
  const receiver = new HttpReceiver();
  const helpers = notificationHelpers(adminClient(), () => ns);

  before(async () => {
    client = adminClient();
    await installCrds();
    await smtp.start();
    await receiver.start();
  });
  after(async () => {
    await operator?.stop();
    await smtp.stop();
    await receiver.stop();
    await client.close();
  });

  const callbackTo = (name: string, url: string) => simpleRequest(name, { callback: { url } });

  describe('with the defaults: https only, global addresses only', () => {
    before(async () => {
      ns = await createNamespace(client, 'outbound-default');
      operator = await startOperator({ namespace: ns, delivery: { smtpUrl: smtp.url, baseDelayMs: 100, maxDelayMs: 400, httpTimeoutMs: 2000, outbound: {} } });
    });
    after(async () => {
      await operator?.stop();
      operator = undefined;
    });

    it('refuses plain http before connecting', async () => {
      await helpers.fileAndGrant(callbackTo('cb-http', receiver.url('/plain-http')));
      const state = await helpers.stateAfter('cb-http', 'callback', 2);
      assert.equal(state.sent, false);
      assert.match(state.errorMessage ?? '', /^POST to http:\/\/127\.0\.0\.1:\d+ refused by the outbound policy: plain http is not allowed, only https/);
      assert.equal(receiver.received('/plain-http').length, 0);
    });

    it('refuses https to loopback', async () => {
      await helpers.fileAndGrant(callbackTo('cb-https-loopback', `https://127.0.0.1:${receiver.port}/tls`));
      const state = await helpers.stateAfter('cb-https-loopback', 'callback', 2);
      assert.equal(state.sent, false);
      assert.match(state.errorMessage ?? '', /^POST to https:\/\/127\.0\.0\.1:\d+ refused by the outbound policy: 127\.0\.0\.1 is loopback/);
    });
  });

  describe('without an allowance (plain http allowed, so the address rules are what refuses)', () => {
    before(async () => {
      ns = await createNamespace(client, 'outbound-strict');
      operator = await startOperator({
        namespace: ns,
        delivery: { smtpUrl: smtp.url, baseDelayMs: 100, maxDelayMs: 400, httpTimeoutMs: 2000, outbound: { allowInsecureHttp: true } },
      });
    });
    after(async () => {
      await operator?.stop();
      operator = undefined;
    });

    const cases: Array<[name: string, what: string, url: () => string, refusal: RegExp]> = [
      ['cb-loopback', '127.0.0.1', () => receiver.url('/loopback'), /^POST to http:\/\/127\.0\.0\.1:\d+ refused by the outbound policy: 127\.0\.0\.1 is loopback/],
      ['cb-decimal', 'decimal 2130706433', () => `http://2130706433:${receiver.port}/decimal`, /refused by the outbound policy: 127\.0\.0\.1 is loopback/],
      ['cb-octal', 'octal 0177.0.0.1', () => `http://0177.0.0.1:${receiver.port}/octal`, /refused by the outbound policy: 127\.0\.0\.1 is loopback/],
      ['cb-mapped', 'IPv4-mapped [::ffff:127.0.0.1]', () => `http://[::ffff:127.0.0.1]:${receiver.port}/mapped`, /refused by the outbound policy: 127\.0\.0\.1 is loopback/],
      ['cb-name', 'the name localhost', () => `http://localhost:${receiver.port}/name`, /refused by the outbound policy: localhost does not resolve to an address the outbound policy allows/],
      ['cb-metadata', 'cloud metadata 169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/', /refused by the outbound policy: 169\.254\.169\.254 is link-local/],
      ['cb-private', 'private 10.0.0.1', () => 'http://10.0.0.1:8080/', /refused by the outbound policy: 10\.0\.0\.1 is private/],
    ];

    for (const [name, what, url, refusal] of cases) {
      it(`refuses ${what} and tells why, without connecting`, async () => {
        await helpers.fileAndGrant(callbackTo(name, url()));
        const state = await helpers.stateAfter(name, 'callback', 2);
        assert.equal(state.sent, false, 'not sent');
        assert.match(state.errorMessage ?? '', refusal);
        assert.doesNotMatch(state.errorMessage ?? '', /ECONN|EHOST|ENET|timed out|HTTP \d/, 'no network detail');
        assert.equal(receiver.received(new URL(url()).pathname).length, 0, 'nothing reached the receiver on 127.0.0.1');
      });
    }
  });

  describe('with 127.0.0.1 allowed explicitly (--allow-outbound=127.0.0.1, as make run and the tests do)', () => {
    before(async () => {
      ns = await createNamespace(client, 'outbound-allowed');
      operator = await startOperator({
        namespace: ns,
        delivery: { smtpUrl: smtp.url, baseDelayMs: 100, maxDelayMs: 400, httpTimeoutMs: 1000, outbound: { allow: ['127.0.0.1'], allowInsecureHttp: true } },
      });
    });
    after(async () => {
      await operator?.stop();
      operator = undefined;
    });

    it('delivers to the allowed address', async () => {
      await helpers.fileAndGrant(callbackTo('cb-allowed', receiver.url('/allowed')));
      const state = await helpers.stateAfter('cb-allowed', 'callback');
      assert.equal(state.sent, true, state.errorMessage ?? '');
      assert.equal(receiver.received('/allowed', true).length, 1);
    });

    it('never POSTs to the Kubernetes API server, although its address is allowed', async () => {
      const api = apiServerUrl();
      await helpers.fileAndGrant(callbackTo('cb-apiserver', `${api.origin}/api/v1/namespaces`));
      const state = await helpers.stateAfter('cb-apiserver', 'callback', 2);
      assert.equal(state.sent, false);
      assert.match(state.errorMessage ?? '', new RegExp(`refused by the outbound policy: 127\\.0\\.0\\.1:${api.port} is the Kubernetes API server`));
    });

    it('does not tell a closed port from a silent one (no port scanner)', async () => {
      const closed = createServer();
      const closedPort = await listen(closed);
      closed.close();
      const silent = createServer(() => undefined);
      const silentPort = await listen(silent);
      try {
        await helpers.fileAndGrant(callbackTo('cb-closed', `http://127.0.0.1:${closedPort}/x`));
        await helpers.fileAndGrant(callbackTo('cb-silent', `http://127.0.0.1:${silentPort}/x`));
        const [refused, hanging] = [await helpers.stateAfter('cb-closed', 'callback', 2), await helpers.stateAfter('cb-silent', 'callback', 2)];
        const shown = (message = '') => message.replace(/:\d+/g, ':PORT');
        assert.equal(shown(refused.errorMessage), shown(hanging.errorMessage), 'the same words for both');
        assert.doesNotMatch(refused.errorMessage ?? '', /ECONNREFUSED|timed out/);
        assert.match(refused.errorMessage ?? '', /^POST to http:\/\/127\.0\.0\.1:\d+ failed: /);
      } finally {
        silent.close();
      }
    });
  });
});

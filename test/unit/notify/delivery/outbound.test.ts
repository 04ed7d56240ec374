// The outbound policy of chat, webhook and callback POSTs: which addresses are refused, in every
// spelling; that the address checked is the address connected to (no DNS rebinding); the https
// default; redirects; bounded answers; what a failure says. Real servers on 127.0.0.1.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { ensureCa, ensureCertificate } from '../../../../hack/pki.ts';
import { parseConfig } from '../../../../src/config.ts';
import { sendCallback } from '../../../../src/notify/delivery/callback-sender.ts';
import { DeliveryError, NO_ANSWER, OutboundHttp, postJson, type ResolvedAddress } from '../../../../src/notify/delivery/http.ts';
import { normalizeAddress, OutboundPolicy, outboundEntryProblem, specialRangeOf } from '../../../../src/notify/delivery/outbound-policy.ts';
import { HttpReceiver, LOCAL_RECEIVER_OUTBOUND } from '../../../support/http-receiver.ts';

const portOf = (server: { address(): unknown }) => (server.address() as { port: number }).port;
const listen = async <T extends { listen(port: number, host: string): unknown }>(server: T): Promise<T> => {
  server.listen(0, '127.0.0.1');
  await once(server as unknown as Server, 'listening');
  return server;
};
const refusedWith = (pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof DeliveryError, String(err));
  assert.match(err.message, pattern);
  return true;
};

describe('address classes', () => {
  it('names every non-global range, in IPv4, IPv6 and IPv4-mapped IPv6', () => {
    const expected: Array<[string, string | undefined]> = [
      ['127.0.0.1', 'loopback'],
      ['127.255.1.2', 'loopback'],
      ['::1', 'loopback'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['0:0:0:0:0:ffff:7f00:0001', 'loopback'],
      ['[::ffff:7f00:1]', 'loopback'],
      ['169.254.169.254', 'link-local'],
      ['fe80::1', 'link-local'],
      ['::ffff:169.254.169.254', 'link-local'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['fd00::1', 'private'],
      ['FD12:3456::1', 'private'],
      ['100.64.0.1', 'shared address space (carrier-grade NAT)'],
      ['0.0.0.0', 'unspecified'],
      ['::', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['ff02::1', 'multicast'],
      ['255.255.255.255', 'reserved'],
      ['192.0.2.1', 'reserved'],
      ['2001:db8::1', 'reserved'],
      ['::127.0.0.1', 'reserved'],
      ['64:ff9b::7f00:1', 'an IPv6 transition address (NAT64, 6to4)'],
      ['2002:7f00:1::', 'an IPv6 transition address (NAT64, 6to4)'],
      ['8.8.8.8', undefined],
      ['172.32.0.1', undefined],
      ['100.128.0.1', undefined],
      ['2606:4700::1111', undefined],
      ['::ffff:8.8.8.8', undefined],
    ];
    for (const [address, range] of expected) assert.equal(specialRangeOf(address), range, address);
  });

  it('normalises IPv4-mapped IPv6 to IPv4 and IPv6 to its short form', () => {
    assert.equal(normalizeAddress('::FFFF:7F00:1'), '127.0.0.1');
    assert.equal(normalizeAddress('[0:0:0:0:0:0:0:1]'), '::1');
    assert.equal(normalizeAddress('2001:0DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.equal(normalizeAddress(' 10.0.0.1 '), '10.0.0.1');
  });

  it('the URL parser has already turned decimal, octal and hex IPv4 into dotted form', () => {
    for (const url of ['http://2130706433/', 'http://0177.0.0.1/', 'http://0x7f.1/', 'http://127.1/']) assert.equal(new URL(url).hostname, '127.0.0.1', url);
    assert.equal(new URL('http://[::ffff:127.0.0.1]/').hostname, '[::ffff:7f00:1]');
  });
});

describe('OutboundPolicy', () => {
  it('allows https only, unless plain http is allowed', () => {
    const strict = new OutboundPolicy();
    assert.equal(strict.checkUrl(new URL('https://hooks.example.com/x')), undefined);
    assert.match(strict.checkUrl(new URL('http://hooks.example.com/x')) ?? '', /plain http is not allowed, only https/);
    assert.match(strict.checkUrl(new URL('ftp://hooks.example.com/x')) ?? '', /scheme ftp: is not allowed/);
    assert.equal(new OutboundPolicy({ allowInsecureHttp: true }).checkUrl(new URL('http://hooks.example.com/x')), undefined);
  });

  it('refuses non-global addresses, except what the allow-list names; the deny-list and protected endpoints win', () => {
    const policy = new OutboundPolicy({
      allow: ['127.0.0.1', '10.20.0.0/16', 'hooks.internal', '*.corp.example', 'fd00::/8'],
      deny: ['10.20.30.0/24', '203.0.114.0/24'],
      protectedEndpoints: [{ host: '10.20.0.1', port: 443, label: 'the Kubernetes API server' }],
    });
    const verdict = (host: string, address: string, port = 443) => {
      const v = policy.checkAddress(host, address, port);
      return v.allowed ? 'allowed' : v.reason;
    };
    assert.equal(verdict('127.0.0.1', '127.0.0.1'), 'allowed');
    assert.equal(verdict('x', '::ffff:127.0.0.1'), 'allowed', 'the IPv4 entry covers its mapped form');
    assert.equal(verdict('x', '127.0.0.2'), '127.0.0.2 is loopback (--allow-outbound allows it)');
    assert.equal(verdict('x', '10.20.1.1'), 'allowed');
    assert.equal(verdict('x', '10.21.1.1'), '10.21.1.1 is private (--allow-outbound allows it)');
    assert.equal(verdict('x', '10.20.30.5'), '10.20.30.5 is in a denied range (--deny-outbound)');
    assert.equal(verdict('x', '203.0.114.9'), '203.0.114.9 is in a denied range (--deny-outbound)', 'a global range can be denied');
    assert.equal(verdict('x', '10.20.0.1'), '10.20.0.1:443 is the Kubernetes API server');
    assert.equal(verdict('x', '10.20.0.1', 8443), 'allowed', 'only the endpoint, not the address');
    assert.equal(verdict('hooks.internal', '192.168.7.7'), 'allowed', 'an allowed host name may resolve to an internal address');
    assert.equal(verdict('HOOKS.INTERNAL.', '192.168.7.7'), 'allowed');
    assert.equal(verdict('a.b.corp.example', '192.168.7.7'), 'allowed');
    assert.equal(verdict('corp.example', '192.168.7.7'), '192.168.7.7 is private (--allow-outbound allows it)', '*.domain means subdomains');
    assert.equal(verdict('hooks.internal', '10.20.30.1'), '10.20.30.1 is in a denied range (--deny-outbound)', 'deny wins over a host name');
    assert.equal(verdict('x', 'fd12::1'), 'allowed');
    assert.equal(verdict('x', '93.184.215.14'), 'allowed');
  });

  it('refuses invalid list entries', () => {
    assert.throws(() => new OutboundPolicy({ allow: ['10.0.0.0/33'] }), /allow-list entry "10\.0\.0\.0\/33"/);
    assert.throws(() => new OutboundPolicy({ deny: ['hooks.internal'] }), /deny-list entry "hooks\.internal": not an IP address or CIDR/);
    assert.equal(outboundEntryProblem('*.example.com', 'allow'), undefined);
    assert.equal(outboundEntryProblem('::1/128', 'deny'), undefined);
    assert.ok(outboundEntryProblem('http://x', 'allow'));
    assert.ok(outboundEntryProblem('a b', 'allow'));
  });
});

describe('OutboundHttp against real servers on 127.0.0.1', () => {
  const receiver = new HttpReceiver();
  const clients: OutboundHttp[] = [];
  const client = (options: ConstructorParameters<typeof OutboundHttp>[0]) => {
    const c = new OutboundHttp(options);
    clients.push(c);
    return c;
  };
  before(() => receiver.start());
  after(async () => {
    await receiver.stop();
    for (const c of clients) await c.close();
  });

  it('by default (no policy given) refuses plain http before connecting', async () => {
    await assert.rejects(
      sendCallback(receiver.url('/default'), { approvalRequest: { name: 'r', namespace: 'n', uid: 'u' }, status: 'approved', actionedComment: null, actionedAt: 't', actionedBy: { name: null, email: null }, correlationId: null }, { idempotencyKey: 'k' }),
      refusedWith(/^POST to http:\/\/127\.0\.0\.1:\d+ refused by the outbound policy: plain http is not allowed, only https/),
    );
    await assert.rejects(postJson(`https://127.0.0.1:${receiver.port}/default`, '{}'), refusedWith(/refused by the outbound policy: 127\.0\.0\.1 is loopback/));
    assert.equal(receiver.received('/default').length, 0);
  });

  it('refuses a loopback literal in every spelling without connecting', async () => {
    const http = client({ allowInsecureHttp: true });
    for (const url of [receiver.url('/lit'), `http://2130706433:${receiver.port}/lit`, `http://0x7f.0.0.1:${receiver.port}/lit`, `http://[::ffff:127.0.0.1]:${receiver.port}/lit`]) {
      await assert.rejects(http.post(url, '{}'), refusedWith(/refused by the outbound policy: 127\.0\.0\.1 is loopback/), url);
    }
    await assert.rejects(http.post(`http://[::1]:${receiver.port}/lit`, '{}'), refusedWith(/refused by the outbound policy: ::1 is loopback/));
    assert.equal(receiver.received('/lit').length, 0);
  });

  it('checks the resolved address and connects to it: a name that resolves to loopback is refused, and says no more', async () => {
    const lookups: string[] = [];
    const resolve = async (host: string): Promise<ResolvedAddress[]> => {
      lookups.push(host);
      if (host === 'rebind.test') return [{ address: '127.0.0.1', family: 4 }];
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    };
    const http = client({ allowInsecureHttp: true, resolve });
    let refusal: DeliveryError | undefined;
    await assert.rejects(http.post(`http://rebind.test:${receiver.port}/rebind`, '{}'), (err: DeliveryError) => ((refusal = err), true));
    assert.equal(refusal?.message, `POST to http://rebind.test:${receiver.port} refused by the outbound policy: rebind.test does not resolve to an address the outbound policy allows`);
    assert.match(refusal?.detail ?? '', /127\.0\.0\.1 is loopback/, 'the log has the detail');
    let unknown: DeliveryError | undefined;
    await assert.rejects(http.post(`http://unknown.test:${receiver.port}/rebind`, '{}'), (err: DeliveryError) => ((unknown = err), true));
    assert.equal(unknown?.message.replace('unknown.test', 'rebind.test').replace('unknown.test', 'rebind.test'), refusal?.message, 'an unknown name reads the same: internal DNS is not probed');
    assert.match(unknown?.detail ?? '', /ENOTFOUND/);
    assert.equal(receiver.received('/rebind').length, 0);
  });

  it('connects to the address it checked, once resolved: internal addresses among the answers are skipped', async () => {
    let lookups = 0;
    // A rebinding resolver: private first, then the (allowed) loopback address, then something else on a second lookup.
    const resolve = async (): Promise<ResolvedAddress[]> => (++lookups === 1 ? [{ address: '10.0.0.1', family: 4 }, { address: '127.0.0.1', family: 4 }] : [{ address: '169.254.169.254', family: 4 }]);
    const http = client({ ...LOCAL_RECEIVER_OUTBOUND, resolve });
    await http.post(`http://hooks.test:${receiver.port}/resolved`, '{}');
    const [request] = receiver.received('/resolved');
    assert.equal(request?.headers.host, `hooks.test:${receiver.port}`, 'the Host header keeps the name');
    assert.equal(lookups, 1, 'one lookup: what was checked is what was connected to');
  });

  it('does not follow redirects', async () => {
    const server = await listen(createHttpServer((req, res) => res.writeHead(302, { location: '/elsewhere' }).end()));
    try {
      await assert.rejects(client(LOCAL_RECEIVER_OUTBOUND).post(`http://127.0.0.1:${portOf(server)}/from`, '{}'), refusedWith(/answered HTTP 302 \(redirects are not followed\)$/));
    } finally {
      server.close();
    }
  });

  it('reads a bounded part of an endless answer and never shows it', async () => {
    const server = await listen(
      createHttpServer((req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      }),
    );
    try {
      const started = Date.now();
      assert.deepEqual(await client({ ...LOCAL_RECEIVER_OUTBOUND, maxResponseBytes: 128 * 1024 }).post(`http://127.0.0.1:${portOf(server)}/`, '{}', { timeoutMs: 5000 }), { status: 200 });
      assert.ok(Date.now() - started < 4000, 'did not read until the deadline');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('says the same for a closed port, a silent server and a failed TLS handshake; the log gets the cause', async () => {
    const http = client(LOCAL_RECEIVER_OUTBOUND);
    const closed = await listen(createTcpServer());
    const closedPort = portOf(closed);
    closed.close();
    const silent = await listen(createTcpServer(() => undefined));
    const causes: string[] = [];
    const noAnswer = (port: number) => (err: unknown) => {
      assert.ok(err instanceof DeliveryError);
      assert.equal(err.message, `POST to http://127.0.0.1:${port} failed: ${NO_ANSWER}`);
      causes.push(err.detail ?? '');
      return true;
    };
    try {
      await assert.rejects(http.post(`http://127.0.0.1:${closedPort}/`, '{}', { timeoutMs: 1000 }), noAnswer(closedPort));
      await assert.rejects(http.post(`http://127.0.0.1:${portOf(silent)}/`, '{}', { timeoutMs: 300 }), noAnswer(portOf(silent)));
    } finally {
      silent.close();
    }
    assert.match(causes[0]!, /ECONNREFUSED/);
    assert.match(causes[1]!, /TimeoutError|timeout|aborted/i);
  });

  it('verifies TLS against the URL host name while connecting to the checked address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbound-tls-'));
    try {
      const ca = ensureCa(dir, 'untrusted-ca');
      const cert = ensureCertificate(dir, ca, { name: 'hook', commonName: 'hook.test', altNames: ['DNS:hook.test'], usage: 'server' });
      const sni: string[] = [];
      const context = createSecureContext({ cert: readFileSync(cert.cert), key: readFileSync(cert.key) });
      const server = await listen(
        createHttpsServer({ cert: readFileSync(cert.cert), key: readFileSync(cert.key), SNICallback: (name, cb) => (sni.push(name), cb(null, context)) }, (req, res) => res.end()),
      );
      try {
        const http = client({ allow: ['hook.test'], resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
        let failure: DeliveryError | undefined;
        await assert.rejects(http.post(`https://hook.test:${portOf(server)}/`, '{}'), (err: DeliveryError) => ((failure = err), true));
        assert.equal(failure?.message, `POST to https://hook.test:${portOf(server)} failed: ${NO_ANSWER}`, 'an untrusted certificate is a failure, shown as no answer');
        assert.match(failure?.detail ?? '', /certificate/i);
        assert.deepEqual(sni, ['hook.test'], 'SNI carries the host name');
      } finally {
        server.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('outbound flags', () => {
  const base = ['--webhook-port=0'];
  it('parse from flags and APPROVAL_* variables, with https only and nothing allowed by default', () => {
    const defaults = parseConfig(base, {});
    assert.ok(defaults !== 'help');
    assert.deepEqual([defaults.allowOutbound, defaults.denyOutbound, defaults.allowInsecureHttp], [[], [], false]);
    const flags = parseConfig([...base, '--allow-outbound=127.0.0.1, 10.0.0.0/8,hooks.internal', '--deny-outbound=10.96.0.0/12', '--allow-insecure-http=true'], {});
    assert.ok(flags !== 'help');
    assert.deepEqual([flags.allowOutbound, flags.denyOutbound, flags.allowInsecureHttp], [['127.0.0.1', '10.0.0.0/8', 'hooks.internal'], ['10.96.0.0/12'], true]);
    const env = parseConfig(base, { APPROVAL_ALLOW_OUTBOUND: '::1', APPROVAL_DENY_OUTBOUND: '100.64.0.0/10', APPROVAL_ALLOW_INSECURE_HTTP: 'true' });
    assert.ok(env !== 'help');
    assert.deepEqual([env.allowOutbound, env.denyOutbound, env.allowInsecureHttp], [['::1'], ['100.64.0.0/10'], true]);
  });

  it('refuse bad entries with the flag named', () => {
    assert.throws(() => parseConfig([...base, '--allow-outbound=10.0.0.0/99'], {}), /--allow-outbound entry "10\.0\.0\.0\/99"/);
    assert.throws(() => parseConfig([...base, '--deny-outbound=kubernetes.default'], {}), /--deny-outbound entry "kubernetes\.default" is not an IP address or CIDR/);
    assert.throws(() => parseConfig([...base, '--allow-insecure-http=yes'], {}), /--allow-insecure-http must be true or false/);
  });
});

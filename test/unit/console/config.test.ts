import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConsoleConfig } from '../../../src/console/config.ts';
import { subjectLink, subjectPath } from '../../../src/console/links.ts';

const required = ['--public-url=https://approvals.example.com/', '--oidc-issuer=https://login.example.com', '--kube-server=https://k8s:6443'];

describe('console configuration', () => {
  it('reads flags, and the environment for what the flags leave out', () => {
    const config = parseConsoleConfig(required, { APPROVAL_CONSOLE_OIDC_CLIENT_SECRET: 's', APPROVAL_CONSOLE_NAMESPACES: 'a, b' });
    assert.ok(config !== 'help');
    assert.equal(config.publicUrl, 'https://approvals.example.com');
    assert.equal(config.oidcClientId, 'approval-console');
    assert.equal(config.oidcClientSecret, 's');
    assert.deepEqual(config.namespaces, ['a', 'b']);
    assert.equal(config.port, 8080);
  });

  it('refuses what cannot work', () => {
    assert.throws(() => parseConsoleConfig(['--oidc-issuer=https://login.example.com'], {}), /--public-url is required/);
    assert.throws(() => parseConsoleConfig(['--public-url=https://a.example.com', '--oidc-issuer=http://login.example.com'], {}), /--oidc-issuer must be an https URL/);
    assert.throws(() => parseConsoleConfig([...required, '--session-secret=short'], {}), /at least 32 characters/);
    assert.throws(() => parseConsoleConfig([...required, '--port=70000'], {}), /--port/);
  });
});

describe('console links', () => {
  it('builds the page of an object under the public URL', () => {
    assert.equal(subjectPath('ApprovalRequest', 'shop', 'orders-read'), '/ns/shop/approvalrequests/orders-read');
    assert.equal(subjectLink('https://a.example.com/', 'Approval', 'shop', 'x'), 'https://a.example.com/ns/shop/approvals/x');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CookieSealer, parseCookies, setCookie } from '../../../src/console/sealed-cookie.ts';
import { csrfTokenMatches, newCsrfToken, sameOrigin } from '../../../src/console/csrf.ts';

const secret = 'a-session-secret-of-at-least-32-characters';

describe('CookieSealer', () => {
  const sealer = new CookieSealer(secret);
  const later = Date.now() + 60_000;

  it('opens what it sealed, under the same name, before it expires', () => {
    const sealed = sealer.seal('session', { user: 'alice' }, later);
    assert.deepEqual(sealer.open('session', sealed), { user: 'alice' });
    assert.deepEqual(new CookieSealer(secret).open('session', sealed), { user: 'alice' }, 'another replica with the same secret');
  });

  it('refuses a tampered, renamed, expired or foreign cookie', () => {
    const sealed = sealer.seal('session', { user: 'alice' }, later);
    const raw = Buffer.from(sealed, 'base64url');
    raw[raw.length - 1]! ^= 1;
    assert.equal(sealer.open('session', raw.toString('base64url')), undefined);
    assert.equal(sealer.open('flash', sealed), undefined);
    assert.equal(sealer.open('session', sealer.seal('session', { user: 'alice' }, Date.now() - 1)), undefined);
    assert.equal(new CookieSealer('another-secret-of-at-least-32-characters!').open('session', sealed), undefined);
    assert.equal(new CookieSealer(undefined).open('session', sealed), undefined, 'a random key opens nothing of another');
    assert.equal(sealer.open('session', 'garbage'), undefined);
    assert.equal(sealer.open('session', undefined), undefined);
  });

  it('sets httpOnly, SameSite=Lax, Path=/ cookies, Secure when asked', () => {
    assert.equal(setCookie('s', 'v', { maxAgeSeconds: 10, secure: true }), 's=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=10; Secure');
    assert.equal(setCookie('s', 'v', { maxAgeSeconds: 10, secure: false }), 's=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=10');
    assert.deepEqual([...parseCookies('a=1; b=x=y;c=')], [['a', '1'], ['b', 'x=y'], ['c', '']]);
  });
});

describe('CSRF checks', () => {
  it('compares the session’s token with the form’s', () => {
    const token = newCsrfToken();
    assert.ok(csrfTokenMatches(token, token));
    assert.equal(csrfTokenMatches(token, newCsrfToken()), false);
    assert.equal(csrfTokenMatches(token, undefined), false);
    assert.equal(csrfTokenMatches(token, ['x']), false);
    assert.equal(csrfTokenMatches(undefined, token), false);
  });

  it('accepts only the console’s own Origin (or none)', () => {
    assert.ok(sameOrigin('https://approvals.example.com', 'https://approvals.example.com/'));
    assert.ok(sameOrigin(undefined, 'https://approvals.example.com'));
    assert.equal(sameOrigin('https://evil.example.com', 'https://approvals.example.com'), false);
    assert.equal(sameOrigin('null', 'https://approvals.example.com'), false);
  });
});

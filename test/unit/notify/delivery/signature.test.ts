import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, it } from 'node:test';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, signatureHeaders, verifySignature } from '../../../../src/notify/delivery/signature.ts';

describe('callback signatures', () => {
  const secret = 's3cr3t';
  const body = JSON.stringify({ approvalRequest: { name: 'r', namespace: 'ns', uid: 'u' }, status: 'approved' });

  it('is the hex HMAC-SHA256 of "<timestamp>.<body>" (checked with node:crypto)', () => {
    const now = new Date('2030-01-01T00:00:00.000Z');
    const headers = signatureHeaders(secret, body, now);
    assert.equal(headers[TIMESTAMP_HEADER], String(now.getTime() / 1000));
    const expected = `sha256=${createHmac('sha256', secret).update(`${headers[TIMESTAMP_HEADER]}.${body}`).digest('hex')}`;
    const given = headers[SIGNATURE_HEADER]!;
    assert.match(given, /^sha256=[0-9a-f]{64}$/);
    assert.ok(timingSafeEqual(Buffer.from(given), Buffer.from(expected)));
  });

  it('verifies, and refuses another body, another secret, a missing header and old timestamps', () => {
    const now = new Date();
    const headers = signatureHeaders(secret, body, now);
    const ts = headers[TIMESTAMP_HEADER];
    const sig = headers[SIGNATURE_HEADER];
    assert.equal(verifySignature(secret, ts, sig, body, { now }), true);
    assert.equal(verifySignature(secret, ts, sig, `${body} `, { now }), false);
    assert.equal(verifySignature('other', ts, sig, body, { now }), false);
    assert.equal(verifySignature(secret, undefined, sig, body, { now }), false);
    assert.equal(verifySignature(secret, ts, undefined, body, { now }), false);
    assert.equal(verifySignature(secret, ts, sig, body, { now: new Date(now.getTime() + 301_000) }), false);
    assert.equal(verifySignature(secret, 'abc', sign(secret, 'abc', body), body, { now }), false);
  });

  it('accepts a binary secret', () => {
    const key = Buffer.from([0, 1, 2, 255]);
    const headers = signatureHeaders(key, body);
    assert.ok(verifySignature(key, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER], body));
  });
});

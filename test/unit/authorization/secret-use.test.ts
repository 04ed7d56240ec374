// Signing secrets: the creator must be allowed to get the Secret (asked as a SubjectAccessReview
// on core secrets), and delivery uses only Secrets that opted in, with one refusal for every case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessCheck } from '../../../src/authorization/access-review.ts';
import type { UserInfo } from '../../../src/authorization/identity.ts';
import { maySignWith, optedInToSigning, SIGNING_SECRET_LABEL, signingSecretRefusal } from '../../../src/authorization/secret-use.ts';

describe('maySignWith', () => {
  const carol: UserInfo = { username: 'carol', groups: ['team:shop'] };

  it('asks the API server whether the creator may get exactly that Secret, in the core group', async () => {
    const asked: AccessCheck[] = [];
    const review = async (_: UserInfo, check: AccessCheck) => (asked.push(check), false);
    const verdict = await maySignWith(carol, { name: 'db-password', key: 'password' }, 'shop', review);
    assert.deepEqual(asked, [{ group: '', verb: 'get', resource: 'secrets', namespace: 'shop', name: 'db-password' }]);
    assert.deepEqual(verdict, {
      allowed: false,
      detail: 'user "carol" has no RBAC verb "get" on secrets/db-password in namespace "shop", and signing with a Secret is as good as reading it',
    });
  });

  it('allows a creator who may read the Secret, and a request without secretRef without asking', async () => {
    const allow = async (who: UserInfo, check: AccessCheck) => who.username === 'carol' && check.name === 'callback-key';
    assert.deepEqual(await maySignWith(carol, { name: 'callback-key', key: 'hmac' }, 'shop', allow), { allowed: true, detail: 'RBAC verb "get" on secrets/callback-key' });
    assert.equal((await maySignWith(carol, { name: 'other', key: 'hmac' }, 'shop', allow)).allowed, false);
    const never = async () => assert.fail('no review without a secretRef');
    assert.deepEqual(await maySignWith(carol, undefined, 'shop', never), { allowed: true, detail: 'no secretRef' });
  });
});

describe('signing Secrets at delivery', () => {
  it('opt in with the label set to "true" only', () => {
    assert.equal(optedInToSigning({ metadata: { labels: { [SIGNING_SECRET_LABEL]: 'true' } } }), true);
    assert.equal(optedInToSigning({ metadata: { labels: { [SIGNING_SECRET_LABEL]: 'yes' } } }), false);
    assert.equal(optedInToSigning({ metadata: {} }), false);
    assert.equal(optedInToSigning({}), false);
  });

  it('one refusal for every case, naming only what the writer wrote and the rule', () => {
    assert.equal(
      signingSecretRefusal('shop', { name: 'db-password', key: 'password' }),
      'Secret "db-password" (key "password") cannot sign: a signing Secret must exist in namespace shop, hold the key and carry the label approval.cp.ei.telekom.de/signing-secret=true (rule: signing secrets)',
    );
  });
});

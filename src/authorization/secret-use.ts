// Signing with a Secret is reading it: the HMAC of a callback is an oracle for its value (guesses
// can be tested offline against a signature the attacker receives). So a Secret signs only when
// both hold:
//   - at admission, the creator of the request may `get` that Secret (a SubjectAccessReview for
//     the creating user on core `secrets`, the named Secret, in the request's namespace); and
//   - at delivery, the Secret opts in with the label approval.cp.ei.telekom.de/signing-secret=true,
//     so a Secret made for something else (a database password) never signs, whoever names it.
// Delivery answers a Secret that is missing, lacks the key or did not opt in with the same words
// (signingSecretRefusal), so a callback cannot probe which Secrets exist.
import type { AccessReview } from './access-review.ts';
import { userLabel, type UserInfo, type Verdict } from './identity.ts';

/** The label a Secret carries to be used for signing callbacks and webhooks. */
export const SIGNING_SECRET_LABEL = 'approval.cp.ei.telekom.de/signing-secret';
/** What the rule is called in refusals: `(rule: signing secrets)`. */
export const SIGNING_SECRET_RULE = 'signing secrets';

export interface SecretRef {
  name: string;
  key: string;
}

/**
 * Whether `user`, creating an object in `namespace` that names `secretRef` for signing, may do so:
 * they must be allowed to `get` that Secret. No secretRef: allowed.
 */
export async function maySignWith(user: UserInfo, secretRef: SecretRef | undefined, namespace: string, review: AccessReview): Promise<Verdict> {
  if (!secretRef) return { allowed: true, detail: 'no secretRef' };
  const check = { group: '', verb: 'get', resource: 'secrets', namespace, name: secretRef.name };
  if (await review(user, check)) return { allowed: true, detail: `RBAC verb "get" on secrets/${secretRef.name}` };
  return {
    allowed: false,
    detail: `${userLabel(user)} has no RBAC verb "get" on secrets/${secretRef.name} in namespace "${namespace}", and signing with a Secret is as good as reading it`,
  };
}

/** Whether a Secret (its metadata) opted in to signing. */
export function optedInToSigning(secret: { metadata?: { labels?: Record<string, string> } }): boolean {
  return secret.metadata?.labels?.[SIGNING_SECRET_LABEL] === 'true';
}

/**
 * The one message for every Secret that cannot sign (missing, no such key, not opted in, not
 * readable by the operator): it names what the writer wrote and the rule, never which case it is.
 */
export function signingSecretRefusal(namespace: string, ref: SecretRef): string {
  return `Secret "${ref.name}" (key "${ref.key}") cannot sign: a signing Secret must exist in namespace ${namespace}, hold the key and carry the label ${SIGNING_SECRET_LABEL}=true (rule: ${SIGNING_SECRET_RULE})`;
}

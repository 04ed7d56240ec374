// Protection against cross-site request forgery for every state-changing request (POST), in two
// independent layers:
//   1. a synchronizer token: a random value kept in the sealed session and put into every form;
//      a POST must send it back (compared in constant time). Another site can make a browser
//      send the session cookie, but cannot read a page to learn the token.
//   2. the Origin header: browsers send it with every POST; when present it must be the
//      console's own origin.
// SameSite=Lax session cookies are a third, browser-side layer. GET requests change nothing.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const CSRF_FIELD = '_csrf';

export const newCsrfToken = () => randomBytes(32).toString('base64url');

export function csrfTokenMatches(expected: string | undefined, given: unknown): boolean {
  if (!expected || typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether the Origin header (if the browser sent one) is the console's own. */
export function sameOrigin(originHeader: string | undefined, publicUrl: string): boolean {
  if (originHeader === undefined) return true;
  return originHeader === new URL(publicUrl).origin;
}

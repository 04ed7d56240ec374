// Stateless sessions: the session is a JSON object sealed with AES-256-GCM into the cookie value.
// Nothing is kept on the server, so any replica (and a restarted one, with the same secret)
// serves any person, and there is no session store to grow. GCM authenticates the value, so a
// cookie cannot be forged or edited without the key; the cookie's name is bound in as associated
// data, so one kind of cookie cannot be replayed as another; an expiry inside the sealed value
// ends it even when a browser keeps the cookie. A key derived with HKDF from the configured secret
// is the only server-side state. (Chosen over a package: node:crypto does all of it in a few lines.)
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export class CookieSealer {
  private readonly key: Buffer;

  constructor(secret: string | undefined) {
    const material = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
    this.key = Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), 'approval-console cookies v1', 32));
  }

  seal(name: string, value: object, expiresAt: number): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(name));
    const body = Buffer.concat([cipher.update(JSON.stringify({ v: value, e: expiresAt }), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The value, or undefined when the cookie is missing, forged, from another key or expired. */
  open<T>(name: string, sealed: string | undefined, now = Date.now()): T | undefined {
    if (!sealed) return undefined;
    try {
      const raw = Buffer.from(sealed, 'base64url');
      if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(name));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const text = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      const { v, e } = JSON.parse(text) as { v: T; e: number };
      return typeof e === 'number' && e > now ? v : undefined;
    } catch {
      return undefined;
    }
  }
}

export interface CookieOptions {
  maxAgeSeconds: number;
  secure: boolean;
}

/** A Set-Cookie value: httpOnly, SameSite=Lax, Path=/, Secure whenever the console is https (or on loopback). */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  return [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${options.maxAgeSeconds}`, ...(options.secure ? ['Secure'] : [])].join('; ');
}

export const clearCookie = (name: string, secure: boolean) => setCookie(name, '', { maxAgeSeconds: 0, secure });

/** The cookies of a request header. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) cookies.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  return cookies;
}

// Response headers of every console page. The Content-Security-Policy allows only the console's
// own script and stylesheet (no inline script or style, no eval), no frames, forms only to
// itself; a reason's markdown is sanitised as well, so an injected tag would have nothing to run.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Links in a reason must not carry the console's URLs (names of requests) elsewhere. Not
  // `no-referrer`: with it browsers send `Origin: null` on the console's own form posts.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/** Strict-Transport-Security only when served as https (it is ignored over http anyway). */
export const HSTS = 'max-age=31536000';

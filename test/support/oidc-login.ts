// Signs a person in at the local identity provider without a browser: follows the redirects of an
// authorization request (code + PKCE) by hand, posts the login form, and exchanges the code. Used
// to prove the API server accepts the provider's ID tokens, and by tests that need a token only.
import { createHash, randomBytes } from 'node:crypto';
import { Agent, fetch } from 'undici';

export interface LoginOptions {
  issuer: string;
  caPem: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  username: string;
  password: string;
}

const base64url = (buffer: Buffer) => buffer.toString('base64url');

/** The ID token of `username`, from a real authorization code flow with PKCE. */
export async function idTokenFor(options: LoginOptions): Promise<string> {
  const dispatcher = new Agent({ connect: { ca: options.caPem } });
  const cookies = new Map<string, string>();
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (headers: Headers) => {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      cookies.set(pair!.slice(0, index), pair!.slice(index + 1));
    }
  };
  const go = async (url: string, init: { method?: string; body?: string } = {}) => {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      dispatcher,
      headers: { cookie: cookieHeader(), ...(init.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    });
    remember(res.headers as unknown as Headers);
    return res;
  };
  try {
    const verifier = base64url(randomBytes(32));
    const challenge = base64url(createHash('sha256').update(verifier).digest());
    const discovery = (await (await go(`${options.issuer}/.well-known/openid-configuration`)).json()) as { authorization_endpoint: string; token_endpoint: string };
    const auth = new URL(discovery.authorization_endpoint);
    auth.search = new URLSearchParams({
      client_id: options.clientId,
      response_type: 'code',
      scope: 'openid profile email groups',
      redirect_uri: options.redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: base64url(randomBytes(8)),
    }).toString();
    let res = await go(auth.toString());
    let location = res.headers.get('location');
    // → /interaction/<uid>: post the login form there.
    if (!location) throw new Error(`no redirect to the login page (${res.status})`);
    const loginUrl = new URL(location, options.issuer);
    res = await go(new URL(`${loginUrl.pathname}/login`, options.issuer).toString(), {
      method: 'POST',
      body: new URLSearchParams({ username: options.username, password: options.password }).toString(),
    });
    // The provider redirects back to the authorization endpoint, then to the redirect URI with the code.
    for (let hops = 0; hops < 10; hops++) {
      location = res.headers.get('location');
      if (!location) throw new Error(`login of ${options.username} stopped at ${res.status}: ${(await res.text()).slice(0, 300)}`);
      if (location.startsWith(options.redirectUri)) break;
      res = await go(new URL(location, options.issuer).toString());
    }
    const code = new URL(location!).searchParams.get('code');
    if (!code) throw new Error(`no code in ${location}`);
    const token = await fetch(discovery.token_endpoint, {
      method: 'POST',
      dispatcher,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: options.redirectUri, code_verifier: verifier }).toString(),
    });
    const body = (await token.json()) as { id_token?: string; error?: string; error_description?: string };
    if (!body.id_token) throw new Error(`token endpoint: ${body.error}: ${body.error_description}`);
    return body.id_token;
  } finally {
    await dispatcher.close();
  }
}

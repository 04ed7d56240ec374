// A local OpenID Connect provider for `make run` and the console's tests: the `oidc-provider`
// package over HTTPS on 127.0.0.1, with a certificate from a local CA made by openssl (the API
// server only trusts an https issuer), a login page for a few demo people, and consent given
// automatically to the registered clients (the console is the cluster's own first-party client).
// It is never part of the product: a real installation uses the identity provider its API server
// already trusts.
import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { ensureCa, ensureCertificate } from './pki.ts';

export interface DemoUser {
  username: string;
  password: string;
  name: string;
  email: string;
  groups: string[];
}

/** The people of the demo and the tests: alice and bob decide for team orders, carol files for team shop. */
export const DEMO_USERS: readonly DemoUser[] = [
  { username: 'alice', password: 'alice-demo', name: 'Alice Orders', email: 'alice@example.com', groups: ['team:orders'] },
  { username: 'bob', password: 'bob-demo', name: 'Bob Orders', email: 'bob@example.com', groups: ['team:orders'] },
  { username: 'carol', password: 'carol-demo', name: 'Carol Shop', email: 'carol@example.com', groups: ['team:shop'] },
];

export interface IdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
}

export interface IdpOptions {
  /** Keeps the CA, the serving certificate and the signing key (so tokens outlive a restart). */
  dir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  clients: IdpClient[];
  users?: readonly DemoUser[];
}

export interface RunningIdp {
  issuer: string;
  /** The CA that signed the IdP's serving certificate (PEM file and its content). */
  caFile: string;
  caPem: string;
  /** The serving certificate (browsers in tests pin its key). */
  certPem: string;
  stop(): Promise<void>;
}

/** The audience (client id) the API server accepts, and the console uses, unless configured otherwise. */
export const DEFAULT_CLIENT_ID = 'approval-console';

function signingKey(dir: string): webcrypto.JsonWebKey {
  const file = join(dir, 'signing-key.jwk.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as webcrypto.JsonWebKey;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };
  writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
  return jwk;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid: string, error?: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in – local identity provider</title>
<style>body{font-family:sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.3rem 0;font-size:1rem}input{padding:.4rem}button{padding:.5rem;margin-top:1rem}.error{color:#a00}</style>
</head><body>
<h1>Local identity provider</h1>
<p>Demo people: alice and bob (team orders), carol (team shop).</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></body></html>`;
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

export async function startIdp(options: IdpOptions): Promise<RunningIdp> {
  mkdirSync(options.dir, { recursive: true });
  const users = options.users ?? DEMO_USERS;
  const ca = ensureCa(options.dir, 'approval-operator-local-oidc-ca');
  const serving = ensureCertificate(options.dir, ca, { name: 'idp', commonName: '127.0.0.1', altNames: ['IP:127.0.0.1', 'DNS:localhost'], usage: 'server' });

  const server: Server = createServer({ cert: readFileSync(serving.cert), key: readFileSync(serving.key) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const issuer = `https://127.0.0.1:${port}`;

  const clients = options.clients.map((c) => ({
    client_id: c.clientId,
    client_secret: c.clientSecret,
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
    grant_types: ['authorization_code'],
    response_types: ['code' as const],
  }));
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [signingKey(options.dir)] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // The API server maps `preferred_username` and `groups` from the ID token, so they must be in
    // it, not only at the userinfo endpoint.
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'email', 'groups'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    ttl: { IdToken: 3600, AccessToken: 3600, Session: 8 * 3600, Grant: 8 * 3600, Interaction: 600 },
    async findAccount(_ctx: KoaContextWithOIDC, sub: string) {
      const user = users.find((u) => u.username === sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: async () => ({ sub, preferred_username: user.username, name: user.name, email: user.email, email_verified: true, groups: user.groups }),
      };
    },
    // Consent is implied for the registered (first-party) clients: grant what they ask for.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const oidc = ctx.oidc;
      const clientId = oidc.client!.clientId;
      const existing = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(clientId);
      if (existing) return oidc.provider.Grant.find(existing);
      const grant = new oidc.provider.Grant({ clientId, accountId: oidc.session!.accountId! });
      grant.addOIDCScope('openid profile email groups');
      await grant.save();
      oidc.session!.grantIdFor(clientId, grant.jti);
      return grant;
    },
  });
  // A TLS server in front of the provider: it sees https, no proxy headers to trust.
  const providerCallback = provider.callback();

  const interactions = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const match = /^\/interaction\/([^/?]+)(\/login)?/.exec(req.url ?? '');
    if (!match) return false;
    const details = await provider.interactionDetails(req, res);
    const send = (html: string) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
    };
    if (req.method === 'GET') {
      send(loginPage(details.uid));
      return true;
    }
    const form = await formBody(req);
    const user = users.find((u) => u.username === form.get('username') && u.password === form.get('password'));
    if (!user) {
      send(loginPage(details.uid, 'Unknown user or wrong password.'));
      return true;
    }
    await provider.interactionFinished(req, res, { login: { accountId: user.username } }, { mergeWithLastSubmission: false });
    return true;
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    interactions(req, res)
      .then((handled) => {
        if (!handled) providerCallback(req, res);
      })
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`interaction failed: ${err instanceof Error ? err.message : String(err)}`);
      });
  });

  return {
    issuer,
    caFile: ca.cert,
    caPem: readFileSync(ca.cert, 'utf8'),
    certPem: readFileSync(serving.cert, 'utf8'),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The API server's structured authentication configuration that trusts `issuer` for `audience`:
 * `preferred_username` becomes the username and `groups` the groups, both without a prefix, so a
 * person is `alice` whether kubectl impersonates her or she signs in (documented in docs/console.md).
 */
export function authenticationConfig(issuer: string, caPem: string, audience = DEFAULT_CLIENT_ID): string {
  const config = {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AuthenticationConfiguration',
    jwt: [
      {
        issuer: { url: issuer, audiences: [audience], certificateAuthority: caPem },
        claimMappings: { username: { claim: 'preferred_username', prefix: '' }, groups: { claim: 'groups', prefix: '' } },
      },
    ],
  };
  // JSON is YAML; the API server reads either.
  return JSON.stringify(config, null, 2) + '\n';
}

// Signing in with OpenID Connect (authorization code + PKCE, with state and nonce) at the issuer
// the API server already trusts, through openid-client. The console keeps the ID token: it is
// the credential the API server accepts for this person (its audience is the console's client
// id). Discovery is retried on every login until it succeeds, so the console starts even while
// the issuer is down.
import * as client from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  ca?: string;
  scopes: string;
  redirectUri: string;
}

/** What a login needs to remember between the redirect out and the callback. */
export interface PendingLogin {
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

export interface SignedIn {
  idToken: string;
  /** Seconds since the epoch when the ID token (and so the session) expires. */
  expiresAt: number;
}

export class OidcClient {
  private readonly settings: OidcSettings;
  private config: client.Configuration | undefined;
  private readonly dispatcher: Agent | undefined;

  constructor(settings: OidcSettings) {
    this.settings = settings;
    this.dispatcher = settings.ca ? new Agent({ connect: { ca: settings.ca } }) : undefined;
  }

  private async configuration(): Promise<client.Configuration> {
    if (this.config) return this.config;
    const { issuer, clientId, clientSecret } = this.settings;
    const customFetch = this.dispatcher
      ? ((url: string, options: client.CustomFetchOptions) =>
          undiciFetch(url, { ...(options as object), dispatcher: this.dispatcher } as Parameters<typeof undiciFetch>[1])) as unknown as client.CustomFetch
      : undefined;
    const config = await client.discovery(
      new URL(issuer),
      clientId,
      clientSecret ? { client_secret: clientSecret } : { token_endpoint_auth_method: 'none' },
      clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(),
      customFetch ? { [client.customFetch]: customFetch } : undefined,
    );
    if (customFetch) config[client.customFetch] = customFetch;
    this.config = config;
    return config;
  }

  /** The URL to send the browser to, and what to remember until it comes back. */
  async start(returnTo: string): Promise<{ url: string; pending: PendingLogin }> {
    const config = await this.configuration();
    const verifier = client.randomPKCECodeVerifier();
    const pending: PendingLogin = { verifier, state: client.randomState(), nonce: client.randomNonce(), returnTo };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /** Exchanges the code of `callbackUrl` for the ID token, checking state, nonce and PKCE. */
  async finish(callbackUrl: URL, pending: PendingLogin): Promise<SignedIn> {
    const config = await this.configuration();
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const idToken = tokens.id_token;
    const claims = tokens.claims();
    if (!idToken || !claims) throw new Error('the identity provider returned no ID token');
    return { idToken, expiresAt: claims.exp };
  }

  /** Where to end the session at the identity provider, when it says how. */
  async endSessionUrl(idToken: string, postLogoutRedirectUri: string): Promise<string | undefined> {
    try {
      const config = await this.configuration();
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      return client.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirectUri }).href;
    } catch {
      return undefined;
    }
  }

  async close(): Promise<void> {
    await this.dispatcher?.close();
  }
}

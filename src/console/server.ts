// The console's HTTP server (fastify): sign-in, the pages, decisions and live updates. It holds
// no authority of its own: every request to the API server carries the signed-in person's ID
// token (kube.ts), so RBAC and the admission webhooks judge the person, as with kubectl.
import formbody from '@fastify/formbody';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { UserInfo } from '../authorization/identity.ts';
import { whoAmI } from '../cli/identity.ts';
import { castVote, formatVoteResult, VoteRefused, VOTES } from '../cli/vote.ts';
import type { VoteVerb } from '../cli/args.ts';
import { ApiError, type KubeClient } from '../runtime/kube-client.ts';
import { CLIENT_SCRIPT } from './assets/client.ts';
import { STYLESHEET } from './assets/style.ts';
import type { ConsoleConfig } from './config.ts';
import { CSRF_FIELD, csrfTokenMatches, newCsrfToken, sameOrigin } from './csrf.ts';
import { canActNow, filedBy, inbox, listedFor, newestFirst, type InboxContext } from './inbox.ts';
import type { ApiServerConnection } from './kube.ts';
import { kindOfSegment, subjectPath, type ConsoleKind } from './links.ts';
import { liveUrl, parseLiveScope, streamChanges } from './live.ts';
import { OidcClient, type PendingLogin } from './oidc.ts';
import { clearCookie, CookieSealer, parseCookies, setCookie } from './sealed-cookie.ts';
import { HSTS, SECURITY_HEADERS } from './security-headers.ts';
import { canI, eventsOf, getSubject, listPolicies, listSubjects, type Subject } from './subjects.ts';
import { KIND_LABEL, pageOf, rowOf } from './view-model.ts';
import { renderPage, type Chrome } from './views/render.ts';

/** The signed-in person: their ID token, and who the API server says they are. */
export interface Session {
  token: string;
  /** Seconds since the epoch: the ID token's expiry. */
  exp: number;
  csrf: string;
  user: string;
  groups: string[];
}

interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export interface ConsoleServerOptions {
  config: ConsoleConfig;
  connection: ApiServerConnection;
  log: Logger;
  /** The sign-in client (tests may pass one with a CA). Default: from the config. */
  oidc?: OidcClient;
}

const MAX_COMMENT = 1000;
const LIVE_STREAMS_MAX = 1000;

export async function createConsoleServer(options: ConsoleServerOptions): Promise<FastifyInstance> {
  const { config, connection, log } = options;
  const publicUrl = new URL(config.publicUrl);
  // Secure cookies: always over https; browsers also keep them for http on loopback (local use).
  const secure = publicUrl.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(publicUrl.hostname);
  const names = secure && publicUrl.protocol === 'https:'
    ? { session: '__Host-approval-session', login: '__Host-approval-login', flash: '__Host-approval-flash' }
    : { session: 'approval-session', login: 'approval-login', flash: 'approval-flash' };
  const sealer = new CookieSealer(config.sessionSecret);
  const redirectUri = `${config.publicUrl}/auth/callback`;
  const oidc =
    options.oidc ??
    new OidcClient({ issuer: config.oidcIssuer, clientId: config.oidcClientId, clientSecret: config.oidcClientSecret, ca: config.oidcCa, scopes: config.oidcScopes, redirectUri });
  let liveStreams = 0;

  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), bodyLimit: 16 * 1024, trustProxy: false });
  await app.register(formbody);

  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    if (publicUrl.protocol === 'https:') reply.header('strict-transport-security', HSTS);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  const cookiesOf = (request: FastifyRequest) => parseCookies(request.headers.cookie);
  const sessionOf = (request: FastifyRequest): Session | undefined => sealer.open<Session>(names.session, cookiesOf(request).get(names.session));
  const takeFlash = (request: FastifyRequest, reply: FastifyReply): Flash | undefined => {
    const flash = sealer.open<Flash>(names.flash, cookiesOf(request).get(names.flash));
    if (flash) reply.header('set-cookie', clearCookie(names.flash, secure));
    return flash;
  };
  const setFlash = (reply: FastifyReply, flash: Flash) =>
    reply.header('set-cookie', setCookie(names.flash, sealer.seal(names.flash, flash, Date.now() + 60_000), { maxAgeSeconds: 60, secure }));

  const html = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);

  const chromeOf = (session: Session, extra: Partial<Chrome>): Chrome => ({ user: session.user, groups: session.groups.join(', '), csrf: session.csrf, title: 'Approvals', ...extra });

  const message = (reply: FastifyReply, status: number, heading: string, text: string, link?: { href: string; label: string }, session?: Session) =>
    html(reply, status, renderPage('message', { heading, text, link }, session ? chromeOf(session, { title: heading }) : { title: heading }));

  /** A same-site path to return to after signing in (never another host). */
  const safeReturn = (value: unknown) => (typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/');

  const signIn = (request: FastifyRequest, reply: FastifyReply) => reply.redirect(`/login?returnTo=${encodeURIComponent(request.url)}`, 303);

  /** The session of a page request, or a redirect to sign in. */
  const requireSession = (request: FastifyRequest, reply: FastifyReply): Session | undefined => {
    const session = sessionOf(request);
    if (!session) void signIn(request, reply);
    return session;
  };

  /** The API server no longer accepts the token (expired, revoked): sign in again. */
  const handleApiError = (err: unknown, request: FastifyRequest, reply: FastifyReply, session: Session) => {
    if (err instanceof ApiError && err.status === 401) {
      reply.header('set-cookie', clearCookie(names.session, secure));
      return signIn(request, reply);
    }
    if (err instanceof ApiError && err.status === 404) return message(reply, 404, 'Not found', 'There is no such request or Approval (or your account may not see it).', { href: '/', label: 'Back to the inbox' }, session);
    if (err instanceof ApiError && err.status === 403) return message(reply, 403, 'Not allowed', err.body?.message ?? 'Your account may not read this.', { href: '/', label: 'Back to the inbox' }, session);
    log.error({ err: String(err), path: request.url }, 'console request failed');
    return message(reply, 502, 'The cluster did not answer', 'Reading from the cluster failed. Try again in a moment.', undefined, session);
  };

  const me = (session: Session): UserInfo => ({ username: session.user, groups: session.groups });

  /** Namespaces (of `subjects`) where RBAC gives the person `decide`; asked once per namespace. */
  const decideNamespaces = async (client: KubeClient, subjects: Subject[]) => {
    const namespaces = [...new Set(subjects.map((s) => s.metadata.namespace ?? ''))];
    const allowed = new Set<string>();
    await Promise.all(
      namespaces.map(async (ns) => {
        if (await canI(client, 'decide', 'approvalrequests', ns).catch(() => false)) allowed.add(ns);
      }),
    );
    return allowed;
  };

  // ---- public routes ----

  app.get('/healthz', async (_request, reply) => reply.type('text/plain').send('ok'));
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());
  app.get('/assets/console.css', async (_request, reply) => reply.header('cache-control', 'public, max-age=300').type('text/css; charset=utf-8').send(STYLESHEET));
  app.get('/assets/console.js', async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').type('text/javascript; charset=utf-8').send(CLIENT_SCRIPT),
  );

  app.get('/login', async (request, reply) => {
    const returnTo = safeReturn((request.query as Record<string, unknown>).returnTo);
    let start;
    try {
      start = await oidc.start(returnTo);
    } catch (err) {
      log.error({ err: String(err) }, 'identity provider unavailable');
      return message(reply, 503, 'Sign-in is unavailable', 'The identity provider cannot be reached. Try again in a moment.', { href: `/login?returnTo=${encodeURIComponent(returnTo)}`, label: 'Try again' });
    }
    reply.header('set-cookie', setCookie(names.login, sealer.seal(names.login, start.pending, Date.now() + 600_000), { maxAgeSeconds: 600, secure }));
    return reply.redirect(start.url, 303);
  });

  app.get('/auth/callback', async (request, reply) => {
    const pending = sealer.open<PendingLogin>(names.login, cookiesOf(request).get(names.login));
    const retry = { href: '/login', label: 'Sign in again' };
    if (!pending) return message(reply, 400, 'Sign-in expired', 'The sign-in took too long or was started elsewhere.', retry);
    let signedIn;
    try {
      signedIn = await oidc.finish(new URL(request.url, config.publicUrl), pending);
    } catch (err) {
      log.warn({ err: String(err) }, 'sign-in failed');
      return message(reply, 400, 'Sign-in failed', 'The identity provider did not confirm the sign-in.', retry);
    }
    // Who this is, as the API server sees the token: the same identity RBAC and the webhooks see.
    let identity;
    try {
      identity = await whoAmI(connection.clientFor(signedIn.idToken));
    } catch (err) {
      log.warn({ err: String(err) }, 'the API server did not accept the ID token');
      return message(reply, 403, 'The cluster does not accept this sign-in', 'The API server refused the identity provider’s token. Ask an administrator to check its authentication configuration.', retry);
    }
    const session: Session = { token: signedIn.idToken, exp: signedIn.expiresAt, csrf: newCsrfToken(), user: identity.username, groups: identity.groups };
    const maxAge = Math.max(0, Math.floor(signedIn.expiresAt - Date.now() / 1000));
    reply.header('set-cookie', [
      setCookie(names.session, sealer.seal(names.session, session, signedIn.expiresAt * 1000), { maxAgeSeconds: maxAge, secure }),
      clearCookie(names.login, secure),
    ]);
    log.info({ user: identity.username }, 'signed in');
    return reply.redirect(safeReturn(pending.returnTo), 303);
  });

  app.get('/signed-out', async (_request, reply) => message(reply, 200, 'Signed out', 'You have signed out of the approvals console.', { href: '/login', label: 'Sign in' }));

  // ---- state-changing requests: CSRF token and Origin ----

  const checkPost = (request: FastifyRequest, reply: FastifyReply, session: Session | undefined): session is Session => {
    if (!session) {
      void message(reply, 401, 'Your session has ended', 'Sign in again, then repeat what you did.', { href: `/login?returnTo=${encodeURIComponent(request.url.replace(/\/decide$/, ''))}`, label: 'Sign in' });
      return false;
    }
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (!sameOrigin(request.headers.origin, config.publicUrl) || !csrfTokenMatches(session.csrf, body[CSRF_FIELD])) {
      log.warn({ user: session.user, path: request.url, origin: request.headers.origin }, 'refused a request without a valid CSRF token');
      void message(reply, 403, 'Request refused', 'The form was not sent from this console page. Reload the page and try again.', { href: '/', label: 'Back to the inbox' }, session);
      return false;
    }
    return true;
  };

  app.post('/logout', async (request, reply) => {
    const session = sessionOf(request);
    if (!checkPost(request, reply, session)) return reply;
    const idpLogout = await oidc.endSessionUrl(session.token, `${config.publicUrl}/signed-out`);
    reply.header('set-cookie', clearCookie(names.session, secure));
    return message(reply, 200, 'Signed out', 'You have signed out of the approvals console.', idpLogout ? { href: idpLogout, label: 'Also sign out at the identity provider' } : { href: '/login', label: 'Sign in' });
  });

  // ---- pages ----

  app.get('/', async (request, reply) => {
    const session = requireSession(request, reply);
    if (!session) return reply;
    const client = connection.clientFor(session.token);
    try {
      const [listing, policies] = await Promise.all([listSubjects(client, config.namespaces), listPolicies(client)]);
      const all = [...listing.requests, ...listing.approvals];
      // RBAC is asked only where the authorization model does not already list the person.
      const base = { policies, teamGroupPrefix: config.teamGroupPrefix };
      const unlisted = all.filter((s) => canActNow(me(session), s, { ...base, decideIn: new Set([s.metadata.namespace ?? '']) }) && !listedFor(me(session), s, base));
      const context: InboxContext = { ...base, decideIn: await decideNamespaces(client, unlisted) };
      const now = new Date();
      const waiting = inbox(me(session), all, context).map((s) => rowOf(s, now));
      const scopeNote = listing.namespaces ? `Your account may not list across namespaces; this shows ${listing.namespaces.join(', ') || 'no namespace'}.` : undefined;
      return html(
        reply,
        200,
        renderPage(
          'list',
          {
            heading: 'Waiting for your decision',
            intro: `Requests and Approvals that ${session.user} can decide now.`,
            scopeNote,
            sections: [{ title: 'Waiting for you', caption: 'Waiting for your decision, newest first', rows: waiting, empty: 'Nothing is waiting for you.' }],
          },
          chromeOf(session, { title: 'Inbox', nav: 'inbox', inboxCount: waiting.length, live: liveUrl({ namespaces: listing.namespaces, since: listing.since }), flash: takeFlash(request, reply) }),
        ),
      );
    } catch (err) {
      return handleApiError(err, request, reply, session);
    }
  });

  const listRoute = (route: '/mine' | '/all') =>
    app.get(route, async (request, reply) => {
      const session = requireSession(request, reply);
      if (!session) return reply;
      const client = connection.clientFor(session.token);
      try {
        const listing = await listSubjects(client, config.namespaces);
        const now = new Date();
        const pick = (subjects: Subject[]) => (route === '/mine' ? filedBy(me(session), subjects) : newestFirst(subjects)).map((s) => rowOf(s, now));
        const mine = route === '/mine';
        return html(
          reply,
          200,
          renderPage(
            'list',
            {
              heading: mine ? 'My requests' : 'All requests and Approvals',
              intro: mine ? `Requests filed by ${session.user}, and the Approvals they led to.` : 'Everything your account may read.',
              scopeNote: listing.namespaces ? `Your account may not list across namespaces; this shows ${listing.namespaces.join(', ') || 'no namespace'}.` : undefined,
              sections: [
                { title: 'Requests', caption: mine ? 'Requests you filed, newest first' : 'Requests, newest first', rows: pick(listing.requests), empty: 'None.' },
                { title: 'Approvals', caption: mine ? 'Approvals of your requests, newest first' : 'Approvals, newest first', rows: pick(listing.approvals), empty: 'None.' },
              ],
            },
            chromeOf(session, { title: mine ? 'My requests' : 'All', nav: mine ? 'mine' : 'all', live: liveUrl({ namespaces: listing.namespaces, since: listing.since }), flash: takeFlash(request, reply) }),
          ),
        );
      } catch (err) {
        return handleApiError(err, request, reply, session);
      }
    });
  listRoute('/mine');
  listRoute('/all');

  const subjectParams = (request: FastifyRequest): { kind: ConsoleKind; namespace: string; name: string } | undefined => {
    const params = request.params as { ns: string; kind: string; name: string };
    const kind = kindOfSegment(params.kind);
    return kind ? { kind, namespace: params.ns, name: params.name } : undefined;
  };

  app.get('/ns/:ns/:kind/:name', async (request, reply) => {
    const target = subjectParams(request);
    if (!target) return reply.callNotFound();
    const session = requireSession(request, reply);
    if (!session) return reply;
    const client = connection.clientFor(session.token);
    try {
      const subject = await getSubject(client, target.kind, target.namespace, target.name);
      const resource = target.kind === 'Approval' ? 'approvals' : 'approvalrequests';
      const [events, mayPatch, mayDecide, policies] = await Promise.all([
        eventsOf(client, target.kind, target.namespace, target.name),
        canI(client, 'patch', resource, target.namespace, target.name),
        canI(client, 'decide', resource, target.namespace, target.name),
        listPolicies(client),
      ]);
      const context: InboxContext = { policies, teamGroupPrefix: config.teamGroupPrefix, decideIn: new Set(mayDecide ? [target.namespace] : []) };
      const view = pageOf(subject, { me: session.user, events, mayPatch, listedAs: listedFor(me(session), subject, context), context }, new Date());
      const live = liveUrl({ object: target, since: subject.metadata.resourceVersion });
      return html(reply, 200, renderPage('subject', { ...view }, chromeOf(session, { title: `${KIND_LABEL[target.kind]} ${target.name}`, live, flash: takeFlash(request, reply) })));
    } catch (err) {
      return handleApiError(err, request, reply, session);
    }
  });

  app.post('/ns/:ns/:kind/:name/decide', async (request, reply) => {
    const target = subjectParams(request);
    if (!target) return reply.callNotFound();
    const session = sessionOf(request);
    if (!checkPost(request, reply, session)) return reply;
    const body = request.body as Record<string, unknown>;
    const verb = body.verb as VoteVerb;
    const page = subjectPath(target.kind, target.namespace, target.name);
    if (typeof verb !== 'string' || !(verb in VOTES)) return message(reply, 400, 'Unknown decision', 'Choose one of the buttons on the page.', { href: page, label: 'Back' }, session);
    const comment = typeof body.comment === 'string' ? body.comment.trim().slice(0, MAX_COMMENT) : '';
    const client = connection.clientFor(session.token);
    try {
      const result = await castVote({
        client,
        namespace: target.namespace,
        target: { kind: target.kind, name: target.name },
        verb,
        username: session.user,
        comment: comment || undefined,
      });
      log.info({ user: session.user, verb, object: `${target.namespace}/${target.name}`, kind: target.kind, before: result.before, after: result.after }, 'decision recorded');
      setFlash(reply, { kind: 'ok', text: `${formatVoteResult(verb, target.kind, target.name, session.user, result)}.` });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        reply.header('set-cookie', clearCookie(names.session, secure));
        return message(reply, 401, 'Your session has ended', 'Sign in again, then repeat your decision.', { href: `/login?returnTo=${encodeURIComponent(page)}`, label: 'Sign in' });
      }
      // The cluster's own words: the admission webhook's or RBAC's refusal names the rule.
      const text = err instanceof VoteRefused ? err.message : err instanceof ApiError ? (err.body?.message ?? err.message) : undefined;
      if (text === undefined) {
        log.error({ err: String(err), user: session.user }, 'decision failed');
        setFlash(reply, { kind: 'error', text: 'The decision could not be recorded: the cluster did not answer. Try again.' });
      } else {
        log.info({ user: session.user, verb, object: `${target.namespace}/${target.name}`, refusal: text }, 'decision refused');
        setFlash(reply, { kind: 'error', text: `Not recorded: ${text}` });
      }
    }
    return reply.redirect(page, 303);
  });

  app.get('/live', async (request, reply) => {
    const session = sessionOf(request);
    if (!session) return reply.code(401).type('text/plain').send('signed out');
    if (liveStreams >= LIVE_STREAMS_MAX) return reply.code(503).type('text/plain').send('too many live pages');
    const scope = parseLiveScope(request.query as Record<string, string | undefined>);
    reply.hijack();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.raw.setHeader(name, value);
    liveStreams++;
    try {
      await streamChanges(connection.clientFor(session.token), scope, reply.raw);
    } catch (err) {
      log.debug({ err: String(err) }, 'live stream ended with an error');
      if (!reply.raw.writableEnded) reply.raw.end();
    } finally {
      liveStreams--;
    }
  });

  app.setNotFoundHandler(async (request, reply) => {
    const session = sessionOf(request);
    return message(reply, 404, 'Not found', 'There is no such page.', { href: '/', label: 'Back to the inbox' }, session);
  });

  app.addHook('onClose', async () => {
    await oidc.close();
  });
  return app;
}

// The approvals console in a real Chromium, against a real API server that trusts a real OpenID
// provider: people sign in, find what waits for them, decide with a comment, are refused with the
// webhook's own words, complete a FourEyes request together while their pages update live, and
// follow the link of the e-mail they received. Every decision is the person's own write: the
// webhook fills `name` and `actor` from the OIDC identity.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_USERS } from '../../../hack/oidc-idp.ts';
import { approvalRequestResource } from '../../../src/api/resources.ts';
import type { ApprovalRequest } from '../../../src/api/types.ts';
import { whoAmI } from '../../../src/cli/identity.ts';
import { objectPath } from '../../../src/runtime/resource.ts';
import type { KubeClient } from '../../../src/runtime/kube-client.ts';
import { browserSkipReason, fillLogin, launchChromium, newPerson, openSignedIn, screenshotPath } from '../../support/browser.ts';
import { adminClient, createNamespace, eventually } from '../../support/cluster.ts';
import { CLIENT_SECRET, startConsoleEnvironment, type ConsoleEnvironment } from '../../support/console.ts';
import { idTokenFor } from '../../support/oidc-login.ts';
import { applyAs, carol, requestManifest } from '../../support/people.ts';

const skip = browserSkipReason();
if (skip) console.log(`# ${skip}`);

const password = (username: string) => DEMO_USERS.find((u) => u.username === username)!.password;
const REASON = 'The shop frontend needs to **read orders** to show order status (ticket [SHOP-42](https://tickets.example.com/SHOP-42)).\n\n- read only\n- production';
/** A reason with raw HTML and a script link: shown as text, never run. */
const HOSTILE = `${REASON}\n\n<script>alert(1)</script> [click](javascript:alert(2))`;

/** Quoted-printable soft breaks and escapes undone, so links in a raw mail can be read. */
const decodeQuotedPrintable = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));

describe('approvals console in Chromium', { skip }, () => {
  let env: ConsoleEnvironment;
  let browser: Browser;
  let admin: KubeClient;
  let ns: string;
  const contexts: BrowserContext[] = [];

  before(async () => {
    env = await startConsoleEnvironment();
    browser = await launchChromium([env.idp.certPem]);
    admin = adminClient();
    ns = await createNamespace(admin, 'console');
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await admin?.close();
    await env?.stop();
  });

  async function person(username: string, viewport?: { width: number; height: number }): Promise<Page> {
    const context = await newPerson(browser, { viewport });
    contexts.push(context);
    const page = await context.newPage();
    await openSignedIn(page, `${env.consoleUrl}/`, env.consoleUrl, username, password(username));
    return page;
  }

  const pageUrl = (name: string) => `${env.consoleUrl}/ns/${ns}/approvalrequests/${name}`;
  const readRequest = (name: string) => admin.get<ApprovalRequest>(objectPath(approvalRequestResource, ns, name));

  async function file(name: string, spec: Record<string, unknown> = {}, reason = REASON): Promise<void> {
    const result = await applyAs(ns, requestManifest(name, { requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason }, ...spec }), carol);
    assert.equal(result.code, 0, result.stderr);
  }

  test('the API server accepts the identity provider’s ID tokens as the person', async () => {
    const token = await idTokenFor({
      issuer: env.idp.issuer,
      caPem: env.idp.caPem,
      clientId: 'approval-console',
      clientSecret: CLIENT_SECRET,
      redirectUri: `${env.consoleUrl}/auth/callback`,
      username: 'alice',
      password: password('alice'),
    });
    const identity = await whoAmI(env.connection.clientFor(token));
    assert.equal(identity.username, 'alice');
    assert.ok(identity.groups.includes('team:orders'), identity.groups.join(','));
  });

  test('a decider signs in, finds the request in the inbox, and approves it with a comment', async () => {
    await file('orders-read-simple', { strategy: 'Simple' });
    const page = await person('alice');
    await page.getByRole('link', { name: 'orders-read-simple' }).waitFor();
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Waiting for your decision');
    await page.screenshot({ path: screenshotPath('inbox') });

    await page.getByRole('link', { name: 'orders-read-simple' }).click();
    await page.waitForURL(pageUrl('orders-read-simple'));
    // The reason's markdown is rendered.
    assert.equal(await page.locator('.reason strong').textContent(), 'read orders');
    assert.equal(await page.locator('.reason a').getAttribute('href'), 'https://tickets.example.com/SHOP-42');
    assert.equal(await page.locator('.reason li').count(), 2);
    await page.screenshot({ path: screenshotPath('request'), fullPage: true });

    await page.getByLabel('Comment').fill('fine for read access');
    await page.getByRole('button', { name: /^Approve/ }).click();
    const flash = page.getByRole('status').filter({ hasText: 'approved by alice' });
    await flash.waitFor();
    assert.match((await flash.textContent()) ?? '', /approvalrequest\/orders-read-simple approved by alice: Pending → Granted/);
    await page.screenshot({ path: screenshotPath('approved') });

    const decision = (await readRequest('orders-read-simple')).spec.decisions?.[0];
    assert.equal(decision?.name, 'alice');
    assert.equal(decision?.actor, 'alice');
    assert.equal(decision?.comment, 'fine for read access');
    assert.equal(decision?.resultingState, 'Granted');
  });

  test('a self-approval is refused with the admission webhook’s message', async () => {
    // carol's own team decides this one, so only the no-self-approval rule stands in her way.
    await file('shop-self', { strategy: 'Simple', decider: { teamName: 'shop', teamEmail: 'shop@example.com' } });
    const page = await person('carol');
    await page.goto(pageUrl('shop-self'));
    await page.getByRole('button', { name: /^Approve/ }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    assert.match(text, /admission webhook "decisions\.approval\.cp\.ei\.telekom\.de" denied the request/);
    assert.match(text, /user "carol" created approvalrequest .*\/shop-self and cannot decide it \(rule: no self-approval\)/);
    await page.screenshot({ path: screenshotPath('refused'), fullPage: true });
    assert.deepEqual((await readRequest('shop-self')).spec.decisions ?? [], []);
  });

  test('two people complete a FourEyes request in two browsers; the other page updates live', async () => {
    await file('orders-write-foureyes', { strategy: 'FourEyes' });
    const alice = await person('alice');
    const bob = await person('bob');
    await alice.goto(pageUrl('orders-write-foureyes'));
    await bob.goto(pageUrl('orders-write-foureyes'));
    // Let bob's page open its live stream before alice votes.
    await bob.waitForTimeout(500);

    await alice.getByLabel('Comment').fill('looks right');
    await alice.getByRole('button', { name: /^Approve/ }).click();
    await alice.getByRole('status').filter({ hasText: 'Pending → Semigranted' }).waitFor();

    // bob did not reload: the server pushed the change and the page fetched itself again.
    await bob.locator('h1 .state', { hasText: 'Semigranted' }).waitFor({ timeout: 15_000 });
    assert.match((await bob.locator('#live-status').textContent()) ?? '', /^Updated /);
    await bob.getByRole('button', { name: /^Approve/ }).click();
    await bob.getByRole('status').filter({ hasText: 'Semigranted → Granted' }).waitFor();
    await bob.screenshot({ path: screenshotPath('foureyes-granted'), fullPage: true });

    const decisions = (await readRequest('orders-write-foureyes')).spec.decisions ?? [];
    assert.deepEqual(decisions.map((d) => [d.name, d.actor, d.resultingState]), [['alice', 'alice', 'Semigranted'], ['bob', 'bob', 'Granted']]);
    // The Approval it led to is linked from the request's page.
    await bob.getByRole('link', { name: /^apisubscription--/ }).waitFor();
  });

  test('a decider acts on the link in the e-mail they received, with no kubectl', async () => {
    await file('mail-link', { strategy: 'Simple' }, HOSTILE);
    const link = pageUrl('mail-link');
    const mail = await eventually('the decider’s mail with the link', () =>
      env.smtp.messages.find((m) => m.to.includes('orders@example.com') && m.subject.startsWith('[Approval] New') && decodeQuotedPrintable(m.raw).includes(link)),
    );
    const raw = decodeQuotedPrintable(mail.raw);
    assert.match(raw, /Decide in the approvals console: http:\/\/127\.0\.0\.1:\d+\/ns\//);
    // The HTML part renders the reason's markdown, and escapes its raw HTML.
    const htmlPart = raw.slice(raw.indexOf('Content-Type: text/html'));
    assert.match(htmlPart, /<strong>read orders<\/strong>/);
    assert.doesNotMatch(htmlPart, /<script>|href="javascript/);
    assert.ok(htmlPart.includes(`<a href="${link}"`), 'the HTML part links to the request');

    // bob has no session yet: the link leads through the identity provider to the request.
    const context = await newPerson(browser);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(link);
    await fillLogin(page, 'bob', password('bob'));
    await page.waitForURL(link);
    await page.getByRole('button', { name: /^Approve/ }).click();
    await page.getByRole('status').filter({ hasText: 'approved by bob: Pending → Granted' }).waitFor();
    const decision = (await readRequest('mail-link')).spec.decisions?.[0];
    assert.deepEqual([decision?.name, decision?.actor], ['bob', 'bob']);
  });

  test('works on a phone screen', async () => {
    await file('phone-check', { strategy: 'Simple' });
    const page = await person('alice', { width: 390, height: 844 });
    await page.getByRole('link', { name: 'phone-check' }).waitFor();
    // A string: the test files are compiled without the DOM's types.
    const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    assert.ok((await overflow()) <= 0, 'the inbox scrolls sideways on a phone');
    await page.screenshot({ path: screenshotPath('phone-inbox') });
    await page.goto(pageUrl('phone-check'));
    assert.ok((await overflow()) <= 0, 'the request page scrolls sideways on a phone');
    await page.screenshot({ path: screenshotPath('phone-request'), fullPage: true });
  });

  test('sessions, CSRF and the Content-Security-Policy', async () => {
    await file('csrf-check', { strategy: 'Simple' }, HOSTILE);
    const page = await person('alice');
    const response = await page.goto(pageUrl('csrf-check'));
    // The reason's raw HTML is text, its script link is not a link.
    assert.equal(await page.locator('.reason script').count(), 0);
    assert.match((await page.locator('.reason').textContent()) ?? '', /<script>alert\(1\)<\/script>/);
    assert.equal(await page.locator('.reason a[href^="javascript"]').count(), 0);
    const headers = response!.headers();
    assert.match(headers['content-security-policy'] ?? '', /script-src 'self'/);
    assert.doesNotMatch(headers['content-security-policy'] ?? '', /unsafe-inline/);
    const session = (await page.context().cookies()).find((c) => c.name === 'approval-session');
    assert.ok(session, 'a session cookie');
    assert.deepEqual([session.httpOnly, session.secure, session.sameSite], [true, true, 'Lax']);

    // The session cookie alone does not let another page post a decision.
    const forged = await page.context().request.post(`${pageUrl('csrf-check')}/decide`, { form: { verb: 'approve' } });
    assert.equal(forged.status(), 403);
    const wrongOrigin = await page.context().request.post(`${pageUrl('csrf-check')}/decide`, {
      form: { verb: 'approve', _csrf: await page.locator('input[name=_csrf]').first().inputValue() },
      headers: { origin: 'https://evil.example.com' },
    });
    assert.equal(wrongOrigin.status(), 403);
    assert.deepEqual((await readRequest('csrf-check')).spec.decisions ?? [], []);

    // Signed out, the session cookie is gone and the pages send the person to sign in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Signed out' }).waitFor();
    assert.equal((await page.context().cookies()).find((c) => c.name === 'approval-session'), undefined);
    const again = await page.context().request.get(`${env.consoleUrl}/`, { maxRedirects: 0 });
    assert.equal(again.status(), 303);
    assert.match(again.headers().location ?? '', /^\/login\?returnTo=%2F$/);
  });
});

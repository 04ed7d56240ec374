// A real Chromium (Debian's `chromium` package) driven by playwright-core. Tests skip with a clear
// message when it is not installed; `.ci/run` installs it. Each person gets a browser context of
// their own (own cookies), as two people at two computers would.
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { repoRoot } from '../../hack/control-plane.ts';

export const CHROMIUM_INSTALL = 'apt-get install -y --no-install-recommends chromium fonts-dejavu-core';

/** The Chromium binary: $CHROMIUM_PATH, else Debian's. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  return candidates.find((p) => existsSync(p));
}

/** Why browser tests cannot run here, or undefined when they can. */
export function browserSkipReason(): string | undefined {
  return chromiumPath() ? undefined : `Chromium is not installed (install it with: ${CHROMIUM_INSTALL}); browser tests skipped`;
}

/** The SPKI hash Chromium accepts for a certificate it would not trust (the local IdP's). */
export function spkiHash(certPem: string): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

export async function launchChromium(trustCertificates: string[] = []): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(browserSkipReason());
  return chromium.launch({
    executablePath,
    headless: true,
    // No user namespaces for the sandbox in containers; the pages are the tests' own.
    args: ['--no-sandbox', ...(trustCertificates.length > 0 ? [`--ignore-certificate-errors-spki-list=${trustCertificates.map(spkiHash).join(',')}`] : [])],
  });
}

export interface PersonOptions {
  viewport?: { width: number; height: number };
}

export async function newPerson(browser: Browser, options: PersonOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ viewport: options.viewport ?? { width: 1100, height: 800 }, locale: 'en-GB', timezoneId: 'UTC', reducedMotion: 'reduce' });
}

/** Fills the local identity provider's login form (the page must be showing it). */
export async function fillLogin(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Opens `url` in the console and signs in when asked; resolves on the console page. */
export async function openSignedIn(page: Page, url: string, consoleUrl: string, username: string, password: string): Promise<void> {
  await page.goto(url);
  if (!page.url().startsWith(consoleUrl)) {
    await fillLogin(page, username, password);
    await page.waitForURL((u) => u.href.startsWith(consoleUrl));
  }
}

/** Where screenshots go: $APPROVAL_SCREENSHOTS_DIR (docs/console for the docs), else .local/screenshots. */
export function screenshotPath(name: string): string {
  const dir = process.env.APPROVAL_SCREENSHOTS_DIR ? join(repoRoot, process.env.APPROVAL_SCREENSHOTS_DIR) : join(repoRoot, '.local', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}

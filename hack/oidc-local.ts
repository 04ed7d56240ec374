// `make run`'s identity provider: hack/oidc-idp.ts on a fixed port with the demo people, a client
// for the local console, and the API server's authentication configuration written next to it.
// Usage: node hack/oidc-local.ts PORT DIR CONSOLE_URL CLIENT_SECRET. Runs until killed.
import { writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { authenticationConfig, DEFAULT_CLIENT_ID, startIdp } from './oidc-idp.ts';

const [port, dir, consoleUrl, clientSecret] = process.argv.slice(2);
if (!port || !dir || !consoleUrl || !clientSecret) {
  console.error('usage: node hack/oidc-local.ts PORT DIR CONSOLE_URL CLIENT_SECRET');
  process.exit(2);
}
const idp = await startIdp({
  dir,
  port: Number(port),
  clients: [{ clientId: DEFAULT_CLIENT_ID, clientSecret, redirectUris: [`${consoleUrl}/auth/callback`], postLogoutRedirectUris: [`${consoleUrl}/signed-out`] }],
});
// Written only once the issuer answers, and atomically: its appearance means "ready". The API
// server re-reads the file when it changes.
const file = join(dir, 'authentication-config.json');
writeFileSync(`${file}.tmp`, authenticationConfig(idp.issuer, idp.caPem));
renameSync(`${file}.tmp`, file);
console.log(`identity provider ${idp.issuer} ready`);
const stop = () => void idp.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

// The console's flags. Each also comes from APPROVAL_CONSOLE_<FLAG> in the environment
// (`--oidc-issuer` ← APPROVAL_CONSOLE_OIDC_ISSUER); a flag on the command line wins. Secrets (the
// OIDC client secret, the session secret) should come from the environment (a Secret), not argv.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { flagReader } from '../runtime/flags.ts';

export interface ConsoleConfig {
  address: string;
  port: number;
  /** What people open, e.g. https://approvals.example.com; the OIDC redirect URI is under it. */
  publicUrl: string;
  oidcIssuer: string;
  oidcClientId: string;
  /** Absent: a public client (PKCE only). */
  oidcClientSecret?: string;
  /** CA bundle (PEM) for the issuer, when it is not signed by a public CA. */
  oidcCa?: string;
  oidcScopes: string;
  /** The API server; absent: in-cluster (KUBERNETES_SERVICE_HOST). */
  kubeServer?: string;
  kubeCa?: string;
  /** Seals the session cookies; at least 32 characters. Absent: random per process. */
  sessionSecret?: string;
  teamGroupPrefix: string;
  /** Where to look when a person may not list across namespaces. */
  namespaces: string[];
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}

const flags = {
  address: { type: 'string', default: '0.0.0.0' },
  port: { type: 'string', default: '8080' },
  'public-url': { type: 'string' },
  'oidc-issuer': { type: 'string' },
  'oidc-client-id': { type: 'string', default: 'approval-console' },
  'oidc-client-secret': { type: 'string' },
  'oidc-ca-file': { type: 'string' },
  'oidc-scopes': { type: 'string', default: 'openid profile email groups' },
  'kube-server': { type: 'string' },
  'kube-ca-file': { type: 'string' },
  'session-secret': { type: 'string' },
  'team-group-prefix': { type: 'string', default: 'team:' },
  namespaces: { type: 'string', default: '' },
  'log-level': { type: 'string', default: 'info' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const usage = `Usage: approval-console [flags]   (each flag also from APPROVAL_CONSOLE_<FLAG>)
  --public-url URL            the URL people open (required), e.g. https://approvals.example.com
  --oidc-issuer URL           the OpenID Connect issuer the API server trusts (required)
  --oidc-client-id ID         client id at the issuer, and the audience the API server accepts (default approval-console)
  --oidc-client-secret S      client secret (better: APPROVAL_CONSOLE_OIDC_CLIENT_SECRET); none: public client with PKCE
  --oidc-ca-file PATH         CA bundle of the issuer (default: the system's)
  --oidc-scopes SCOPES        scopes to ask for (default "openid profile email groups")
  --kube-server URL           API server (default: in-cluster)
  --kube-ca-file PATH         CA of the API server (default: in-cluster service account CA)
  --session-secret S          seals session cookies, >= 32 characters (better: APPROVAL_CONSOLE_SESSION_SECRET);
                              default: random, so sessions end when the process does
  --team-group-prefix PREFIX  group of a team is PREFIX+teamName (default "team:")
  --namespaces NS,NS          where to look for people who may not list across namespaces
  --address ADDR --port N     where to listen (default 0.0.0.0:8080)
  --log-level LEVEL           trace|debug|info|warn|error (default info)`;

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function httpUrl(flag: string, value: string | undefined, https: boolean): string {
  if (!value) throw new Error(`invalid configuration: --${flag} is required`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`invalid configuration: --${flag} is not a URL: ${value}`);
  }
  if (https ? url.protocol !== 'https:' : !['http:', 'https:'].includes(url.protocol)) {
    throw new Error(`invalid configuration: --${flag} must be an ${https ? 'https' : 'http(s)'} URL`);
  }
  return value.replace(/\/+$/, '');
}

export function parseConsoleConfig(argv: string[], env: NodeJS.ProcessEnv): ConsoleConfig | 'help' {
  const { values } = parseArgs({ args: argv, options: flags, strict: true, allowPositionals: false });
  if (values.help) return 'help';
  const value: (flag: keyof typeof flags & string) => string | undefined = flagReader(argv, values, env, 'APPROVAL_CONSOLE_');
  const file = (flag: keyof typeof flags & string) => {
    const path = value(flag);
    return path ? readFileSync(path, 'utf8') : undefined;
  };
  const port = Number(value('port'));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('invalid configuration: --port must be 0–65535');
  const logLevel = value('log-level') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`invalid configuration: --log-level must be one of ${LOG_LEVELS.join('|')}`);
  const sessionSecret = value('session-secret') || undefined;
  if (sessionSecret !== undefined && sessionSecret.length < 32) throw new Error('invalid configuration: --session-secret must have at least 32 characters');
  return {
    address: value('address') ?? '0.0.0.0',
    port,
    publicUrl: httpUrl('public-url', value('public-url'), false),
    // The API server accepts only https issuers.
    oidcIssuer: httpUrl('oidc-issuer', value('oidc-issuer'), true),
    oidcClientId: value('oidc-client-id') ?? 'approval-console',
    oidcClientSecret: value('oidc-client-secret') || undefined,
    oidcCa: file('oidc-ca-file'),
    oidcScopes: value('oidc-scopes') ?? 'openid profile email groups',
    kubeServer: value('kube-server') || undefined,
    kubeCa: file('kube-ca-file'),
    sessionSecret,
    teamGroupPrefix: value('team-group-prefix') || 'team:',
    namespaces: (value('namespaces') ?? '').split(',').map((ns) => ns.trim()).filter(Boolean),
    logLevel: logLevel as ConsoleConfig['logLevel'],
  };
}

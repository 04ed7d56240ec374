// The operator's flags. Every flag can also come from APPROVAL_<FLAG> in the
// environment (`--smtp-url` ← APPROVAL_SMTP_URL); a flag given on the command line wins.
// The result is validated against a JSON schema with ajv, so a bad value fails at start with
// the flag named.
import { parseArgs } from 'node:util';
import { Ajv } from 'ajv';
import { outboundEntryProblem } from './notify/delivery/outbound-policy.ts';
import { flagReader } from './runtime/flags.ts';
import { parseDuration } from './engine/index.ts';

export interface OperatorConfig {
  kubeconfig?: string;
  namespace?: string;
  metricsPort: number;
  healthPort: number;
  webhookPort: number;
  webhookCertDir?: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  smtpUrl?: string;
  mailFrom?: string;
  workers: number;
  teamGroupPrefix: string;
  notifications: 'deliver' | 'create-only';
  allowedRecipientDomains: string[];
  /** Exceptions to the outbound policy's refused ranges: IPs, CIDRs, host names, *.domain. */
  allowOutbound: string[];
  /** More refused IPs and CIDRs (e.g. the cluster's service and pod CIDRs); win over allowOutbound. */
  denyOutbound: string[];
  /** Plain http:// for chat, webhook and callback URLs (default: https only). */
  allowInsecureHttp: boolean;
  /** The approvals console's public URL: notifications link to each object's page there. */
  consoleUrl?: string;
  /** Delivered Notifications are deleted this long after delivery; 0 keeps them forever. */
  notificationRetentionMs: number;
  /** Pause between retention sweeps. */
  retentionIntervalMs: number;
  /** Most deletes per second a retention sweep makes. */
  retentionDeleteRate: number;
}

const flags = {
  kubeconfig: { type: 'string' },
  namespace: { type: 'string' },
  'metrics-port': { type: 'string', default: '8080' },
  'health-port': { type: 'string', default: '8081' },
  'webhook-port': { type: 'string', default: '9443' },
  'webhook-cert-dir': { type: 'string' },
  'leader-elect': { type: 'string', default: 'false' },
  'leader-election-namespace': { type: 'string' },
  'log-level': { type: 'string', default: 'info' },
  'smtp-url': { type: 'string' },
  'mail-from': { type: 'string' },
  workers: { type: 'string', default: '4' },
  'team-group-prefix': { type: 'string', default: 'team:' },
  notifications: { type: 'string', default: 'deliver' },
  'allowed-recipient-domains': { type: 'string', default: '' },
  'allow-outbound': { type: 'string', default: '' },
  'deny-outbound': { type: 'string', default: '' },
  'allow-insecure-http': { type: 'string', default: 'false' },
  'console-url': { type: 'string' },
  'notification-retention': { type: 'string', default: '168h' },
  'retention-interval': { type: 'string', default: '10m' },
  'retention-delete-rate': { type: 'string', default: '20' },
  help: { type: 'boolean', short: 'h' },
} as const;

const schema = {
  type: 'object',
  properties: {
    metricsPort: { type: 'integer', minimum: 0, maximum: 65535 },
    healthPort: { type: 'integer', minimum: 0, maximum: 65535 },
    webhookPort: { type: 'integer', minimum: 0, maximum: 65535 },
    leaderElect: { type: 'boolean' },
    logLevel: { enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] },
    smtpUrl: { type: 'string', pattern: '^smtps?://' },
    teamGroupPrefix: { type: 'string', minLength: 1 },
    notifications: { enum: ['deliver', 'create-only'] },
    allowedRecipientDomains: { type: 'array', items: { type: 'string', pattern: '^[a-z0-9.-]+$' } },
    workers: { type: 'integer', minimum: 1, maximum: 64 },
    consoleUrl: { type: 'string', pattern: '^https?://[^\\s]+$' },
  },
} as const;

export const usage = `Usage: node dist/main.js [flags]   (each flag also from APPROVAL_<FLAG>, e.g. APPROVAL_SMTP_URL)
  --kubeconfig PATH               kubeconfig (default: KUBECONFIG, in-cluster, ~/.kube/config)
  --namespace NS                  watch one namespace (default: all)
  --metrics-port N                /metrics (default 8080)
  --health-port N                 /healthz and /readyz (default 8081)
  --webhook-port N                admission webhooks over TLS (default 9443; 0 disables)
  --webhook-cert-dir DIR          tls.crt and tls.key for the webhook server
  --leader-elect true|false       elect a leader with a Lease (default false)
  --leader-election-namespace NS  namespace of the Lease (default: the pod's namespace, else default)
  --log-level LEVEL               trace|debug|info|warn|error (default info)
  --smtp-url URL                  smtp://host:port for e-mail notifications
  --mail-from ADDRESS             sender of e-mail notifications
  --workers N                     reconcile workers per controller (default 4)
  --team-group-prefix PREFIX      group of a decider team is PREFIX+teamName (default "team:")
  --notifications MODE            deliver (default) or create-only (another service delivers)
  --allowed-recipient-domains D   comma-separated e-mail domains notifications may go to (default: any)
  --allow-outbound LIST           comma-separated IPs, CIDRs, host names, *.domains that chat, webhook and
                                  callback POSTs may reach although loopback/private/link-local/… (default: none)
  --deny-outbound LIST            comma-separated IPs and CIDRs they never reach, e.g. the service CIDR (wins)
  --allow-insecure-http true|false  allow http:// URLs for them (default false: https only)
  --console-url URL               the approvals console; notifications link to each request's page there
  --notification-retention D      delete Notifications this long after they were delivered or given up on
                                  (a duration, default 168h; 0 keeps them forever)
  --retention-interval D          pause between retention sweeps (default 10m, at least 1s)
  --retention-delete-rate N       at most N retention deletes per second (default 20)`;

/** A Go-style duration flag in milliseconds; a bad one fails the start with the flag named. */
function durationFlag(flag: string, text: string | undefined): number {
  try {
    return parseDuration(text ?? '');
  } catch (err) {
    throw new Error(`invalid configuration: --${flag} ${(err as Error).message}`, { cause: err });
  }
}

const list = (value: string | undefined) => (value ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv, podNamespace?: string): OperatorConfig | 'help' {
  const { values } = parseArgs({ args: argv, options: flags, strict: true, allowPositionals: false });
  if (values.help) return 'help';
  const value: (flag: keyof typeof flags & string) => string | undefined = flagReader(argv, values, env, 'APPROVAL_');
  const port = (flag: keyof typeof flags & string) => Number(value(flag));
  const config: OperatorConfig = {
    kubeconfig: value('kubeconfig'),
    namespace: value('namespace') || undefined,
    metricsPort: port('metrics-port'),
    healthPort: port('health-port'),
    webhookPort: port('webhook-port'),
    webhookCertDir: value('webhook-cert-dir'),
    leaderElect: value('leader-elect') === 'true',
    leaderElectionNamespace: value('leader-election-namespace') ?? podNamespace ?? 'default',
    logLevel: value('log-level') as OperatorConfig['logLevel'],
    smtpUrl: value('smtp-url'),
    mailFrom: value('mail-from'),
    workers: port('workers'),
    teamGroupPrefix: value('team-group-prefix') ?? 'team:',
    notifications: value('notifications') as OperatorConfig['notifications'],
    allowedRecipientDomains: (value('allowed-recipient-domains') ?? '').split(',').map((d) => d.trim().toLowerCase()).filter(Boolean),
    allowOutbound: list(value('allow-outbound')),
    denyOutbound: list(value('deny-outbound')),
    allowInsecureHttp: value('allow-insecure-http') === 'true',
    consoleUrl: value('console-url')?.replace(/\/+$/, '') || undefined,
    notificationRetentionMs: durationFlag('notification-retention', value('notification-retention')),
    retentionIntervalMs: durationFlag('retention-interval', value('retention-interval')),
    retentionDeleteRate: Number(value('retention-delete-rate')),
  };
  if (config.retentionIntervalMs < 1000) throw new Error('invalid configuration: --retention-interval must be at least 1s');
  if (!(config.retentionDeleteRate > 0 && config.retentionDeleteRate <= 1000)) {
    throw new Error(`invalid configuration: --retention-delete-rate must be a number above 0 and at most 1000, got "${value('retention-delete-rate')}"`);
  }
  const insecure = value('allow-insecure-http');
  if (insecure !== 'true' && insecure !== 'false') throw new Error(`invalid configuration: --allow-insecure-http must be true or false, got "${insecure}"`);
  for (const [flag, entries, kind] of [['allow-outbound', config.allowOutbound, 'allow'], ['deny-outbound', config.denyOutbound, 'deny']] as const) {
    for (const entry of entries) {
      const problem = outboundEntryProblem(entry, kind);
      if (problem) throw new Error(`invalid configuration: --${flag} entry "${entry}" is ${problem}`);
    }
  }
  const validate = new Ajv({ allErrors: true }).compile(schema);
  if (!validate(config)) {
    const problems = (validate.errors ?? []).map((e) => `--${e.instancePath.slice(1).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${e.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  if (config.webhookPort !== 0 && !config.webhookCertDir) throw new Error('invalid configuration: --webhook-cert-dir is required unless --webhook-port is 0');
  return config;
}

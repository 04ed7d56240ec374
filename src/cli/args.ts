// Command-line parsing of the kubectl plugin (pure): which command, which object, which flags.
// kubectl hands a plugin every argument after its name, so the standard kubectl flags
// (--kubeconfig, --context, -n, --as, --as-group) are parsed here as well.
import { parseArgs } from 'node:util';

export type Kind = 'ApprovalRequest' | 'Approval';
export type VoteVerb = 'approve' | 'reject' | 'suspend' | 'resume';
export type Command = 'list' | 'describe' | VoteVerb | 'preview' | 'completion';

export const COMMANDS: readonly Command[] = ['list', 'describe', 'approve', 'reject', 'suspend', 'resume', 'preview', 'completion'];
export const VOTE_VERBS: readonly VoteVerb[] = ['approve', 'reject', 'suspend', 'resume'];

/** `-o`: what each command can print instead of its own text. */
export type OutputFormat = 'json' | 'yaml' | 'wide' | 'name';
export const OUTPUT_FORMATS: Partial<Record<Command, readonly OutputFormat[]>> = {
  list: ['json', 'yaml', 'wide', 'name'],
  describe: ['json', 'yaml'],
  approve: ['json', 'yaml'],
  reject: ['json', 'yaml'],
  suspend: ['json', 'yaml'],
  resume: ['json', 'yaml'],
  preview: ['json', 'yaml'],
};

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** Where and as whom to talk to the cluster. */
export interface ConnectionOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  as?: string;
  asGroups: string[];
}

export interface Target {
  kind: Kind;
  name: string;
}

export type Invocation =
  | { command: 'help'; topic?: Command }
  | { command: 'list'; connection: ConnectionOptions; kind: Kind; allNamespaces: boolean; pending: boolean; mine: boolean; output?: OutputFormat }
  | { command: 'describe'; connection: ConnectionOptions; target: Target; output?: OutputFormat }
  | { command: VoteVerb; connection: ConnectionOptions; target: Target; message?: string; dryRun?: true; output?: OutputFormat }
  | { command: 'preview'; connection: ConnectionOptions; file: string; dryRun?: true; output?: OutputFormat }
  | { command: 'completion'; shell: Shell };

/** A mistake on the command line; `topic` names the command whose usage helps. */
export class UsageError extends Error {
  readonly topic: Command | undefined;

  constructor(message: string, topic?: Command) {
    super(message);
    this.topic = topic;
  }
}

const OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  as: { type: 'string' },
  'as-group': { type: 'string', multiple: true },
  approval: { type: 'boolean' },
  pending: { type: 'boolean' },
  mine: { type: 'boolean' },
  message: { type: 'string', short: 'm' },
  output: { type: 'string', short: 'o' },
  'dry-run': { type: 'string' },
  filename: { type: 'string', short: 'f' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type OptionName = keyof typeof OPTIONS;
/** The flag table, for shell completion. */
export const FLAGS: Readonly<Record<OptionName, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>> = OPTIONS;

const CONNECTION: readonly OptionName[] = ['kubeconfig', 'context', 'namespace', 'as', 'as-group', 'help'];
const COMMON: readonly OptionName[] = [...CONNECTION, 'approval'];
const VOTE: readonly OptionName[] = [...COMMON, 'message', 'dry-run', 'output'];
/** The flags each command takes. */
export const ALLOWED: Record<Command, readonly OptionName[]> = {
  list: [...COMMON, 'all-namespaces', 'pending', 'mine', 'output'],
  describe: [...COMMON, 'output'],
  approve: VOTE,
  reject: VOTE,
  suspend: VOTE,
  resume: VOTE,
  preview: [...CONNECTION, 'filename', 'dry-run', 'output'],
  completion: ['help'],
};

const isCommand = (value: string | undefined): value is Command => COMMANDS.includes(value as Command);

export function parseInvocation(argv: readonly string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    const first = argv.find((arg) => !arg.startsWith('-'));
    throw new UsageError(cleanParseError(err), isCommand(first) ? first : undefined);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;

  if (command === undefined) {
    if (values.help || Object.keys(values).length === 0) return { command: 'help' };
    throw new UsageError(`a command is required (${COMMANDS.join(', ')})`);
  }
  if (command === 'help') {
    const topic = rest[0];
    if (topic !== undefined && !isCommand(topic)) throw new UsageError(`unknown command "${topic}"`);
    return { command: 'help', topic };
  }
  if (!isCommand(command)) throw new UsageError(`unknown command "${command}"`);
  if (values.help) return { command: 'help', topic: command };

  for (const option of Object.keys(values) as OptionName[]) {
    if (!ALLOWED[command].includes(option)) throw new UsageError(`flag --${option} is not valid for "${command}"`, command);
  }
  if (command === 'completion') return completionInvocation(rest);
  const connection = connectionOptions(values, command);
  const approvalFlag = values.approval === true;
  const output = outputFormat(values.output, command);
  const dryRun = dryRunFlag(values['dry-run'], command);

  if (command === 'list') {
    if (rest.length > 1) throw new UsageError(`"list" takes at most one argument (the kind), got: ${rest.join(' ')}`, command);
    const kind = rest[0] === undefined ? (approvalFlag ? 'Approval' : 'ApprovalRequest') : parseKind(rest[0], approvalFlag, command);
    if (values['all-namespaces'] && values.namespace !== undefined) {
      throw new UsageError('--namespace and --all-namespaces cannot be used together', command);
    }
    return {
      command,
      connection,
      kind,
      allNamespaces: values['all-namespaces'] === true,
      pending: values.pending === true,
      mine: values.mine === true,
      ...(output && { output }),
    };
  }

  if (command === 'preview') {
    if (rest.length > 0) throw new UsageError(`"preview" takes no arguments, got: ${rest.join(' ')} (name the file with -f)`, command);
    if (!values.filename) throw new UsageError('"preview" needs -f FILE (the ApprovalRequest manifest; - for stdin)', command);
    return { command, connection, file: values.filename, ...(dryRun && { dryRun }), ...(output && { output }) };
  }

  if (rest.length === 0) throw new UsageError(`"${command}" needs the NAME of the object`, command);
  if (rest.length > 1) throw new UsageError(`"${command}" takes one NAME, got: ${rest.join(' ')}`, command);
  const target = parseTarget(rest[0]!, approvalFlag, command);
  if (command === 'describe') return { command, connection, target, ...(output && { output }) };
  return {
    command,
    connection,
    target,
    ...(values.message !== undefined && { message: values.message }),
    ...(dryRun && { dryRun }),
    ...(output && { output }),
  };
}

function completionInvocation(rest: string[]): Invocation {
  const shell = rest[0];
  if (rest.length !== 1 || !SHELLS.includes(shell as Shell)) {
    throw new UsageError(`"completion" needs the shell: ${SHELLS.join(' or ')}`, 'completion');
  }
  return { command: 'completion', shell: shell as Shell };
}

function outputFormat(value: string | undefined, command: Command): OutputFormat | undefined {
  if (value === undefined) return undefined;
  const allowed = OUTPUT_FORMATS[command] ?? [];
  if (!allowed.includes(value as OutputFormat)) {
    throw new UsageError(`unable to match a printer for --output="${value}" (allowed for "${command}": ${allowed.join(', ')})`, command);
  }
  return value as OutputFormat;
}

/** kubectl's values: none, client, server. A vote has no client-side result worth showing. */
function dryRunFlag(value: string | undefined, command: Command): true | undefined {
  if (value === undefined || value === 'none') return undefined;
  if (value === 'server') return true;
  if (value === 'client') {
    throw new UsageError('--dry-run=client is not supported: only the API server and its admission webhooks can tell what a vote would do; use --dry-run=server', command);
  }
  throw new UsageError(`invalid --dry-run value "${value}" (use server, or none)`, command);
}

function connectionOptions(values: { [K in OptionName]?: unknown }, command: Command): ConnectionOptions {
  const asGroups = (values['as-group'] as string[] | undefined) ?? [];
  const as = values.as as string | undefined;
  if (asGroups.length > 0 && !as) throw new UsageError('--as-group needs --as (impersonating groups requires a user)', command);
  if (as === '') throw new UsageError('--as needs a user name', command);
  if (values.namespace === '') throw new UsageError('--namespace needs a value', command);
  const connection: ConnectionOptions = { asGroups };
  for (const key of ['kubeconfig', 'context', 'namespace', 'as'] as const) {
    const value = values[key] as string | undefined;
    if (value !== undefined) connection[key] = value;
  }
  return connection;
}

const KIND_NAMES: Record<string, Kind> = {
  ar: 'ApprovalRequest',
  approvalrequest: 'ApprovalRequest',
  approvalrequests: 'ApprovalRequest',
  apv: 'Approval',
  approval: 'Approval',
  approvals: 'Approval',
};

/** `ar`, `approvalrequests`, `apv`, `approvals.approval.cp.ei.telekom.de`, … → the kind. */
function kindOf(word: string): Kind | undefined {
  const short = word.toLowerCase().replace(/\.approval\.cp\.ei\.telekom\.de$/, '');
  return Object.hasOwn(KIND_NAMES, short) ? KIND_NAMES[short] : undefined;
}

function parseKind(word: string, approvalFlag: boolean, command: Command): Kind {
  const kind = kindOf(word);
  if (!kind) throw new UsageError(`unknown resource type "${word}" (use ar/approvalrequests or apv/approvals)`, command);
  if (approvalFlag && kind !== 'Approval') throw new UsageError(`--approval conflicts with "${word}"`, command);
  return kind;
}

/** `NAME` (a request, or an Approval with --approval), `ar/NAME`, `apv/NAME`, `approval/NAME`, … */
export function parseTarget(arg: string, approvalFlag = false, command?: Command): Target {
  const slash = arg.indexOf('/');
  if (slash < 0) return checkName({ kind: approvalFlag ? 'Approval' : 'ApprovalRequest', name: arg }, command);
  const prefix = arg.slice(0, slash);
  const kind = parseKind(prefix, approvalFlag, command ?? 'describe');
  return checkName({ kind, name: arg.slice(slash + 1) }, command);
}

function checkName(target: Target, command: Command | undefined): Target {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(target.name)) {
    throw new UsageError(`"${target.name}" is not a valid object name`, command);
  }
  return target;
}

function cleanParseError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag: ${unknown[1]}`;
  const missing = /^Option '([^']+)' argument missing/.exec(message);
  if (missing) return `flag needs an argument: ${missing[1]!.replace(/ <value>$/, '')}`;
  return message.split('. ')[0] ?? message;
}

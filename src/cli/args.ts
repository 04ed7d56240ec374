// Command-line parsing of the kubectl plugin (pure): which command, which object, which flags.
// kubectl hands a plugin every argument after its name, so the standard kubectl flags
// (--kubeconfig, --context, -n, --as, --as-group) are parsed here as well.
import { parseArgs } from 'node:util';

export type Kind = 'ApprovalRequest' | 'Approval';
export type VoteVerb = 'approve' | 'reject' | 'suspend' | 'resume';
export type Command = 'list' | 'describe' | VoteVerb;

export const COMMANDS: readonly Command[] = ['list', 'describe', 'approve', 'reject', 'suspend', 'resume'];
export const VOTE_VERBS: readonly VoteVerb[] = ['approve', 'reject', 'suspend', 'resume'];

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
  | { command: 'list'; connection: ConnectionOptions; kind: Kind; allNamespaces: boolean; pending: boolean; mine: boolean }
  | { command: 'describe'; connection: ConnectionOptions; target: Target }
  | { command: VoteVerb; connection: ConnectionOptions; target: Target; message?: string };

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
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof OPTIONS;

const COMMON: readonly OptionName[] = ['kubeconfig', 'context', 'namespace', 'as', 'as-group', 'approval', 'help'];
const ALLOWED: Record<Command, readonly OptionName[]> = {
  list: [...COMMON, 'all-namespaces', 'pending', 'mine'],
  describe: COMMON,
  approve: [...COMMON, 'message'],
  reject: [...COMMON, 'message'],
  suspend: [...COMMON, 'message'],
  resume: [...COMMON, 'message'],
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
    throw new UsageError('a command is required (list, describe, approve, reject, suspend, resume)');
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
  const connection = connectionOptions(values, command);
  const approvalFlag = values.approval === true;

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
    };
  }

  if (rest.length === 0) throw new UsageError(`"${command}" needs the NAME of the object`, command);
  if (rest.length > 1) throw new UsageError(`"${command}" takes one NAME, got: ${rest.join(' ')}`, command);
  const target = parseTarget(rest[0]!, approvalFlag, command);
  if (command === 'describe') return { command, connection, target };
  return values.message === undefined ? { command, connection, target } : { command, connection, target, message: values.message };
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

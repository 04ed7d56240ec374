// Shell completion (pure): given the words typed after `kubectl approval` — the last one being
// completed, possibly empty — which candidates fit, and how the shell should treat them. The
// answer follows cobra's `__complete` protocol, which kubectl also uses for plugins (through a
// `kubectl_complete-approval` executable): one candidate per line, `value<TAB>description`, then
// `:<directive>`. Cluster lookups (names, namespaces) are passed in as `Lookup`.
import { ALLOWED, COMMANDS, FLAGS, OUTPUT_FORMATS, SHELLS, VOTE_VERBS, type Command, type Kind, type OptionName, type VoteVerb } from './args.ts';

/** cobra's ShellCompDirective bits. */
export const Directive = { default: 0, error: 1, noSpace: 2, noFileComp: 4, filterFileExt: 8 } as const;

export interface Completion {
  candidates: string[];
  directive: number;
}

/** What the typed words say about the connection, for lookups. */
export interface Scope {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  as?: string;
  asGroups: string[];
}

export interface Lookup {
  /** Names of the objects of `kind` in the scope a `verb` makes sense for (all for describe), with a short description. */
  names(scope: Scope, kind: Kind, verb: Command): Promise<Array<{ name: string; description: string }>>;
  namespaces(scope: Scope): Promise<string[]>;
  contexts(scope: Scope): Promise<string[]>;
}

const COMMAND_TEXT: Record<Command, string> = {
  list: 'List approval requests (approvals with --approval)',
  describe: 'Show requester, reason, stages, votes and the transitions allowed next',
  approve: 'Vote to approve (Allow)',
  reject: 'Vote to reject (Deny)',
  suspend: 'Suspend a granted Approval',
  resume: 'Resume a suspended Approval',
  preview: 'Show the policy, strategy, stages and deciders a request would get',
  completion: 'Print the shell completion script (bash, zsh)',
};

interface Parsed {
  command: Command | 'help' | undefined;
  positionals: string[];
  scope: Scope;
  approval: boolean;
  /** The string flag whose value the last word is, when the word before it is that flag. */
  pendingValue: OptionName | undefined;
}

const byShort = new Map(Object.entries(FLAGS).filter(([, f]) => f.short).map(([name, f]) => [f.short!, name as OptionName]));
const isFlagName = (name: string): name is OptionName => Object.hasOwn(FLAGS, name);

/** Reads the words before the one being completed; unknown words are skipped, never an error. */
function parse(words: readonly string[]): Parsed {
  const parsed: Parsed = { command: undefined, positionals: [], scope: { asGroups: [] }, approval: false, pendingValue: undefined };
  const setValue = (name: OptionName, value: string) => {
    if (name === 'kubeconfig' || name === 'context' || name === 'namespace' || name === 'as') parsed.scope[name] = value;
    if (name === 'as-group') parsed.scope.asGroups.push(value);
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    let name: OptionName | undefined;
    let inline: string | undefined;
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const candidate = eq < 0 ? word.slice(2) : word.slice(2, eq);
      if (isFlagName(candidate)) name = candidate;
      if (eq >= 0) inline = word.slice(eq + 1);
    } else if (word.startsWith('-') && word.length > 1) {
      name = byShort.get(word[1]!);
      if (word.length > 2) inline = word.slice(2).replace(/^=/, '');
    } else {
      if (parsed.command !== undefined) parsed.positionals.push(word);
      else if (word === 'help' || COMMANDS.includes(word as Command)) parsed.command = word as Command | 'help';
      continue;
    }
    if (!name) continue;
    if (name === 'approval') parsed.approval = true;
    if (FLAGS[name].type !== 'string') continue;
    if (inline !== undefined) setValue(name, inline);
    else if (i + 1 < words.length) setValue(name, words[++i]!);
    else parsed.pendingValue = name;
  }
  return parsed;
}

const startingWith = (prefix: string) => (candidate: string) => candidate.startsWith(prefix);

export async function complete(words: readonly string[], lookup: Lookup): Promise<Completion> {
  const typed = words.length > 0 ? words.slice(0, -1) : [];
  const current = words.at(-1) ?? '';
  const parsed = parse(typed);
  const command = parsed.command === 'help' ? undefined : parsed.command;

  if (parsed.pendingValue) return flagValues(parsed.pendingValue, current, '', command, parsed.scope, lookup);
  const inline = /^(--([a-z-]+)=)(.*)$/.exec(current);
  if (inline && isFlagName(inline[2]!) && FLAGS[inline[2]!].type === 'string') {
    return flagValues(inline[2]!, inline[3]!, inline[1]!, command, parsed.scope, lookup);
  }
  if (current.startsWith('-')) return { candidates: flagsOf(command).filter(startingWith(current)), directive: Directive.noFileComp };

  if (parsed.command === undefined) {
    const names = ['help', ...COMMANDS];
    return { candidates: names.filter(startingWith(current)).map((n) => `${n}\t${n === 'help' ? 'Help about any command' : COMMAND_TEXT[n as Command]}`), directive: Directive.noFileComp };
  }
  if (parsed.command === 'help') {
    return { candidates: parsed.positionals.length === 0 ? COMMANDS.filter(startingWith(current)).map((n) => `${n}\t${COMMAND_TEXT[n]}`) : [], directive: Directive.noFileComp };
  }
  return positional(parsed.command, parsed, current, lookup);
}

async function positional(command: Command, parsed: Parsed, current: string, lookup: Lookup): Promise<Completion> {
  const none = { candidates: [], directive: Directive.noFileComp };
  if (parsed.positionals.length > 0 || command === 'preview') return none;
  if (command === 'completion') return { candidates: SHELLS.filter(startingWith(current)), directive: Directive.noFileComp };
  if (command === 'list') {
    return { candidates: ['ar\tApprovalRequests', 'apv\tApprovals'].filter(startingWith(current)), directive: Directive.noFileComp };
  }
  // describe or a vote: NAME, or KIND/NAME. Suspend and resume act on Approvals only.
  const slash = current.indexOf('/');
  const onlyApprovals = command === 'suspend' || command === 'resume';
  let kind: Kind = parsed.approval || onlyApprovals ? 'Approval' : 'ApprovalRequest';
  let prefix = onlyApprovals && !parsed.approval ? 'apv/' : '';
  if (slash >= 0) {
    const word = current.slice(0, slash).toLowerCase();
    if (['apv', 'approval', 'approvals'].includes(word)) kind = 'Approval';
    else if (['ar', 'approvalrequest', 'approvalrequests'].includes(word) && !onlyApprovals) kind = 'ApprovalRequest';
    else return none;
    prefix = current.slice(0, slash + 1);
  }
  const verb = (VOTE_VERBS as readonly string[]).includes(command) ? (command as VoteVerb) : command;
  const names = await lookup.names(parsed.scope, kind, verb);
  const candidates = names.map(({ name, description }) => `${prefix}${name}\t${description}`).filter(startingWith(current));
  return { candidates, directive: Directive.noFileComp };
}

function flagsOf(command: Command | undefined): string[] {
  const names = command ? ALLOWED[command] : (['kubeconfig', 'context', 'namespace', 'as', 'as-group', 'help'] as const);
  return names.map((name) => `--${name}`);
}

async function flagValues(flag: OptionName, current: string, prefix: string, command: Command | undefined, scope: Scope, lookup: Lookup): Promise<Completion> {
  const values = (list: readonly string[]) => ({
    candidates: list.filter(startingWith(current)).map((value) => `${prefix}${value}`),
    directive: Directive.noFileComp,
  });
  switch (flag) {
    case 'namespace':
      return values(await lookup.namespaces(scope));
    case 'context':
      return values(await lookup.contexts(scope));
    case 'output':
      return values(command ? (OUTPUT_FORMATS[command] ?? []) : ['json', 'yaml', 'wide', 'name']);
    case 'dry-run':
      return values(['server', 'none']);
    case 'filename':
      // The shell lists the files with these extensions.
      return { candidates: ['yaml', 'yml', 'json'], directive: Directive.filterFileExt };
    case 'kubeconfig':
      return { candidates: [], directive: Directive.default };
    default:
      return { candidates: [], directive: Directive.noFileComp };
  }
}

/** The `__complete` answer as the shells (and kubectl) read it. */
export function formatCompletion(completion: Completion): string {
  return [...completion.candidates, `:${completion.directive}`].join('\n') + '\n';
}

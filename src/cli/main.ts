#!/usr/bin/env node
// kubectl-approval: the kubectl plugin of the approval operator (`kubectl approval …`).
// Exit codes: 0 done, 1 refused / failed / bad usage.
//
// Every call is a new process, so start-up is the plugin's latency: only the parser, the help and
// the error types load eagerly; the client, the commands and their libraries load when a command
// needs them (help and `completion` load nothing else).
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ApiError } from '../runtime/api-protocol.ts';
import { UsageError, parseInvocation } from './args.ts';
import { VoteRefused } from './errors.ts';
import { usage } from './help.ts';

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** The hidden command shells call to complete a command line (cobra's protocol, also kubectl's). */
export const COMPLETE_COMMAND = '__complete';

export async function run(argv: readonly string[], output: Output): Promise<number> {
  try {
    if (argv[0] === COMPLETE_COMMAND) {
      const { runComplete } = await import('./complete-command.ts');
      return await runComplete(argv.slice(1), output);
    }
    const invocation = parseInvocation(argv);
    if (invocation.command === 'help') {
      output.out(usage(invocation.topic));
      return 0;
    }
    if (invocation.command === 'completion') {
      const { completionScript } = await import('./completion-script.ts');
      output.out(completionScript(invocation.shell));
      return 0;
    }
    const { connect } = await import('./kube.ts');
    const connection = await connect(invocation.connection);
    try {
      if (invocation.command === 'preview') {
        const { runPreview } = await import('./preview-command.ts');
        return await runPreview(connection, invocation, output);
      }
      const { runDescribe, runList, runVote } = await import('./commands.ts');
      if (invocation.command === 'list') await runList(connection, invocation, output);
      else if (invocation.command === 'describe') await runDescribe(connection, invocation, output);
      else await runVote(connection, invocation, output);
    } finally {
      await connection.client.close();
    }
    return 0;
  } catch (err) {
    output.err(`${errorText(err)}\n`);
    return 1;
  }
}

/** kubectl's wording: `Error from server (Forbidden): <the server's message>`. */
export function errorText(err: unknown): string {
  if (err instanceof UsageError) {
    const help = err.topic ? `kubectl approval ${err.topic} --help` : 'kubectl approval --help';
    return `error: ${err.message}\nSee '${help}' for usage.`;
  }
  if (err instanceof VoteRefused) return `error: ${err.message}`;
  if (err instanceof ApiError) return `Error from server (${err.reason || err.status}): ${err.body?.message || err.message}`;
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `error: ${err instanceof Error ? err.message : String(err)}${cause}`;
}

/** Runs the plugin as a process: arguments from argv, exit code on exit. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const output: Output = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };
  process.exitCode = await run(argv, output);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    // Not import.meta.filename: Node 20 before 20.11 lacks it.
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) await main();

#!/usr/bin/env node
// kubectl-approval: the kubectl plugin of the approval operator (`kubectl approval …`).
// Exit codes: 0 done, 1 refused / failed / bad usage.
import { realpathSync } from 'node:fs';
import { ApiError } from '../runtime/kube-client.ts';
import { UsageError, parseInvocation } from './args.ts';
import { runDescribe, runList, runVote, type Output } from './commands.ts';
import { usage } from './help.ts';
import { connect } from './kube.ts';
import { VoteRefused } from './vote.ts';

export async function run(argv: readonly string[], output: Output): Promise<number> {
  try {
    const invocation = parseInvocation(argv);
    if (invocation.command === 'help') {
      output.out(usage(invocation.topic));
      return 0;
    }
    const connection = connect(invocation.connection);
    try {
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

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(import.meta.filename);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const output: Output = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };
  process.exitCode = await run(process.argv.slice(2), output);
}

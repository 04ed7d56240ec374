// The commands: read from the API server, filter, format, vote. Output goes through `Output` so
// tests can capture it.
import type { ObjectList } from '../runtime/resource.ts';
import { collectionPath, objectPath } from '../runtime/resource.ts';
import type { Invocation, VoteVerb } from './args.ts';
import { formatDescribe } from './describe.ts';
import { emptyListMessage, formatList, kindLabel, type Subject } from './format.ts';
import { isMine, isPending, teamGroupPrefix, whoAmI } from './identity.ts';
import type { Connection } from './kube.ts';
import type { Output } from './main.ts';
import { formatObject, formatObjects } from './output.ts';
import { castVote, formatVoteResult, resourceOf } from './vote.ts';

export type { Output } from './main.ts';

export async function runList(connection: Connection, invocation: Extract<Invocation, { command: 'list' }>, output: Output): Promise<void> {
  const { client } = connection;
  const namespace = invocation.allNamespaces ? undefined : connection.namespace;
  const identity = invocation.mine ? await whoAmI(client) : undefined;
  const list = await client.get<ObjectList<Subject>>(collectionPath(resourceOf(invocation.kind), namespace));
  const prefix = teamGroupPrefix();
  const items = list.items.filter((item) => (!invocation.pending || isPending(item)) && (!identity || isMine(item, identity, prefix)));
  const format = invocation.output;
  // Like kubectl: an empty JSON/YAML list is still a list; the table says so on stderr.
  if (format === 'json' || format === 'yaml' || format === 'name') {
    output.out(formatObjects(invocation.kind, items, format));
    return;
  }
  if (items.length === 0) {
    output.err(`${emptyListMessage(namespace)}\n`);
    return;
  }
  output.out(formatList(items, { kind: invocation.kind, allNamespaces: invocation.allNamespaces, now: new Date(), wide: format === 'wide' }));
}

export async function runDescribe(connection: Connection, invocation: Extract<Invocation, { command: 'describe' }>, output: Output): Promise<void> {
  const { kind, name } = invocation.target;
  const subject = await connection.client.get<Subject>(objectPath(resourceOf(kind), connection.namespace, name));
  output.out(invocation.output ? formatObject(kind, subject, invocation.output) : formatDescribe(kind, subject, new Date()));
}

export async function runVote(connection: Connection, invocation: Extract<Invocation, { command: VoteVerb }>, output: Output): Promise<void> {
  const { client, namespace } = connection;
  const { target } = invocation;
  const { username } = await whoAmI(client);
  const result = await castVote({ client, namespace, target, verb: invocation.command, username, comment: invocation.message, dryRun: invocation.dryRun });
  if (invocation.output) {
    output.out(formatObject(target.kind, result.subject, invocation.output));
    return;
  }
  output.out(`${formatVoteResult(invocation.command, target.kind, target.name, username, result)}\n`);
  const approval = 'approval' in (result.subject.status ?? {}) ? (result.subject.status as { approval?: { name: string } }).approval : undefined;
  if (approval && result.after === 'Granted' && !result.dryRun) output.out(`Approval: ${kindLabel('Approval')}/${approval.name}\n`);
}

// `kubectl-approval __complete WORDS…` (and `kubectl_complete-approval WORDS…`): answers a shell's
// completion request, looking names and namespaces up in the cluster the typed flags point at.
// A completion never fails: without a cluster (or permission) it offers nothing. The client and
// the state machine load only for a lookup, so completing a command or a flag starts fast.
import type { KubeObject, ObjectList } from '../runtime/resource.ts';
import type { Command, Kind } from './args.ts';
import { Directive, complete, formatCompletion, type Completion, type Lookup, type Scope } from './completion.ts';
import type { Subject } from './format.ts';
import type { Connection } from './kube.ts';
import type { Output } from './main.ts';

export async function runComplete(words: readonly string[], output: Output): Promise<number> {
  let completion: Completion;
  try {
    completion = await complete(words, clusterLookup);
  } catch {
    completion = { candidates: [], directive: Directive.noFileComp };
  }
  output.out(formatCompletion(completion));
  return 0;
}

async function withClient<T>(scope: Scope, use: (connection: Connection) => Promise<T>): Promise<T> {
  const { connect } = await import('./kube.ts');
  const connection = await connect({ ...scope });
  try {
    return await use(connection);
  } finally {
    await connection.client.close();
  }
}

const clusterLookup: Lookup = {
  names: (scope: Scope, kind: Kind, verb: Command) =>
    withClient(scope, async ({ client, namespace }) => {
      const [{ collectionPath }, { VOTES, refusal, resourceOf }, { effectiveStrategy, stateOf }] = await Promise.all([
        import('../runtime/resource.ts'),
        import('./vote.ts'),
        import('./format.ts'),
      ]);
      const list = await client.get<ObjectList<Subject>>(collectionPath(resourceOf(kind), namespace));
      // A vote is offered only where the state machine lets a person take it now.
      const fits = (subject: Subject) => !(verb in VOTES) || refusal(verb as keyof typeof VOTES, kind, subject) === undefined;
      return list.items.filter(fits).map((subject) => ({ name: subject.metadata.name, description: `${stateOf(subject)} ${effectiveStrategy(subject)}` }));
    }),
  namespaces: (scope: Scope) =>
    withClient(scope, async ({ client }) => (await client.get<ObjectList<KubeObject>>('/api/v1/namespaces')).items.map((ns) => ns.metadata.name)),
  contexts: async (scope: Scope) => (await import('./kube.ts')).contextNames(scope),
};

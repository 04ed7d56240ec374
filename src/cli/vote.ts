// approve | reject | suspend | resume: append one decision with a JSON patch guarded by the
// object's resourceVersion, re-reading and retrying on a conflict. The local check of the state
// machine only gives a clear message early; the API server (admission) decides in the end.
import { approvalRequestResource, approvalResource } from '../api/resources.ts';
import type { ApprovalRequest } from '../api/types.ts';
import { availableTransitions, isPersonal, transitionTable, type Action, type State, type Strategy } from '../engine/index.ts';
import { ApiError, PatchType } from '../runtime/api-protocol.ts';
import { objectPath } from '../runtime/resource.ts';
import type { Kind, Target, VoteVerb } from './args.ts';
import { VERB_OF_ACTION } from './describe.ts';
import { effectiveStrategy, kindLabel, stateOf, type Subject } from './format.ts';
import type { ApiClient } from './http-client.ts';
import { VoteRefused } from './errors.ts';

export { VoteRefused };

export const VOTES: Record<VoteVerb, { action: Action; resultingState: State; past: string }> = {
  approve: { action: 'Allow', resultingState: 'Granted', past: 'approved' },
  reject: { action: 'Deny', resultingState: 'Rejected', past: 'rejected' },
  suspend: { action: 'Suspend', resultingState: 'Suspended', past: 'suspended' },
  resume: { action: 'Resume', resultingState: 'Granted', past: 'resumed' },
};

export const MAX_ATTEMPTS = 5;

export const resourceOf = (kind: Kind) => (kind === 'Approval' ? approvalResource : approvalRequestResource);

/** Why `verb` is not possible on `subject` now, or undefined when the state machine allows it. */
export function refusal(verb: VoteVerb, kind: Kind, subject: Subject): string | undefined {
  const ref = `${kindLabel(kind)}/${subject.metadata.name}`;
  const { action } = VOTES[verb];
  if (kind === 'ApprovalRequest' && (action === 'Suspend' || action === 'Resume')) {
    const approval = (subject as ApprovalRequest).status?.approval?.name;
    return `cannot ${verb} ${ref}: only an Approval (the grant) can be suspended or resumed; ` +
      `try: kubectl approval ${verb} apv/${approval ?? 'NAME'}`;
  }
  const strategy = effectiveStrategy(subject) as Strategy;
  const state = stateOf(subject) as State;
  const open = transitionTable(kind, strategy).filter((rule) => isPersonal(rule) && rule.from.includes(state));
  if (open.some((rule) => rule.action === action)) return undefined;
  const possible = availableTransitions(kind, strategy, state).filter((t) => VERB_OF_ACTION[t.action]).map((t) => `${VERB_OF_ACTION[t.action]} (→ ${t.to})`);
  const article = strategy === 'Auto' ? 'an' : 'a';
  return `cannot ${verb} ${ref}: it is ${state}, and ${article} ${strategy} ${kind} allows no ${action} from ${state}` +
    (possible.length > 0 ? `; possible now: ${possible.join(', ')}` : ' (nothing can be decided from this state)');
}

export interface NewDecision {
  name: string;
  comment?: string;
  resultingState: State;
}

/** The JSON patch that appends `decision` only if the object is still at the version we read. */
export function decisionPatch(subject: Subject, decision: NewDecision): unknown[] {
  const append = Array.isArray(subject.spec.decisions)
    ? { op: 'add', path: '/spec/decisions/-', value: decision }
    : { op: 'add', path: '/spec/decisions', value: [decision] };
  return [{ op: 'test', path: '/metadata/resourceVersion', value: subject.metadata.resourceVersion }, append];
}

/**
 * A lost race for sure: a 409 Conflict, or a 422 that names the failed `test` operation. (The API
 * server usually hides the JSON-patch error behind a generic 422 "the server rejected our request
 * due to an error in our request"; `castVote` then compares resourceVersions to tell.)
 */
export function isStale(err: unknown): boolean {
  if (!(err instanceof ApiError)) return false;
  if (err.status === 409) return true;
  return err.status === 422 && /\btest\b/i.test(err.body?.message ?? '');
}

/** A 422 that may be the failed `test` operation. */
const mayBeStale = (err: unknown) => err instanceof ApiError && err.status === 422;

export interface VoteResult {
  before: State;
  after: State;
  /** The operator has processed the vote (status.observedGeneration caught up). */
  observed: boolean;
  subject: Subject;
  attempts: number;
  /** A server-side dry run: `subject` is what admission made of the write; nothing was stored. */
  dryRun?: boolean;
  /** Whether the server kept the vote (the webhook drops a person's repeat of their own vote). */
  recorded?: boolean;
}

export interface VoteOptions {
  client: ApiClient;
  namespace: string;
  target: Target;
  verb: VoteVerb;
  username: string;
  comment?: string;
  /** `--dry-run=server`: the API server runs admission (the webhooks derive the state) and stores nothing. */
  dryRun?: boolean;
  /** How long to wait for the operator to move the state (default 3 s). */
  settleMs?: number;
  pollMs?: number;
}

export async function castVote(options: VoteOptions): Promise<VoteResult> {
  const { client, namespace, target, verb } = options;
  const path = objectPath(resourceOf(target.kind), namespace, target.name);
  const decision: NewDecision = { name: options.username, resultingState: VOTES[verb].resultingState };
  if (options.comment !== undefined) decision.comment = options.comment;

  let subject = await client.get<Subject>(path);
  for (let attempt = 1; ; attempt++) {
    const refused = refusal(verb, target.kind, subject);
    if (refused) throw new VoteRefused(refused);
    let patched: Subject;
    try {
      patched = await client.patch<Subject>(path, decisionPatch(subject, decision), PatchType.json, options.dryRun ? { dryRun: 'All' } : undefined);
    } catch (err) {
      if (!isStale(err) && !mayBeStale(err)) throw err;
      const current = await client.get<Subject>(path);
      // Same version: the `test` held, so the server refused the vote itself.
      if (!isStale(err) && current.metadata.resourceVersion === subject.metadata.resourceVersion) throw err;
      if (attempt >= MAX_ATTEMPTS) {
        throw new VoteRefused(`gave up after ${MAX_ATTEMPTS} attempts: ${kindLabel(target.kind)}/${target.name} kept changing while voting`);
      }
      subject = current;
      continue;
    }
    const before = stateOf(subject) as State;
    const recorded = (patched.spec.decisions ?? []).length > (subject.spec.decisions ?? []).length;
    // Nothing was stored, so there is nothing for the operator to process: the webhook's answer is all.
    if (options.dryRun) return { before, after: stateOf(patched) as State, observed: false, subject: patched, attempts: attempt, dryRun: true, recorded };
    const settled = await settle(client, path, patched, options.settleMs ?? 3000, options.pollMs ?? 200);
    return { before, after: stateOf(settled.subject) as State, ...settled, attempts: attempt, recorded };
  }
}

/** Re-reads until the operator has seen the vote (or the time is up); the last read wins. */
async function settle(client: ApiClient, path: string, patched: Subject, settleMs: number, pollMs: number) {
  const deadline = Date.now() + settleMs;
  const generation = patched.metadata.generation ?? 0;
  let subject = patched;
  for (;;) {
    const observed = subject.status?.observedGeneration;
    const current = subject.metadata.generation ?? 0;
    if (observed !== undefined && observed >= current && current >= generation) return { subject, observed: true };
    if (Date.now() >= deadline) return { subject, observed: false };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    subject = await client.get<Subject>(path);
  }
}

/** `approvalrequest/orders-read approved by alice: Pending → Granted`. */
export function formatVoteResult(verb: VoteVerb, kind: Kind, name: string, username: string, result: Pick<VoteResult, 'before' | 'after' | 'observed' | 'dryRun' | 'recorded'>): string {
  if (result.dryRun) return formatDryRun(verb, `${kindLabel(kind)}/${name}`, username, result);
  const head = `${kindLabel(kind)}/${name} ${VOTES[verb].past} by ${username}`;
  if (result.before !== result.after) return `${head}: ${result.before} → ${result.after}`;
  return `${head}: still ${result.after}${result.observed ? '' : ' (the operator has not processed the vote yet)'}`;
}

/** What the API server and its admission webhooks made of the vote, without storing it. */
function formatDryRun(verb: VoteVerb, ref: string, username: string, result: Pick<VoteResult, 'before' | 'after' | 'recorded'>): string {
  const tail = '(server dry run: admission accepted the vote; nothing was stored)';
  if (result.recorded === false) return `${ref} would not change: the server drops ${username}'s vote as a repeat of an earlier one; it stays ${result.after} ${tail}`;
  const head = `${ref} would be ${VOTES[verb].past} by ${username}`;
  return result.before !== result.after ? `${head}: ${result.before} → ${result.after} ${tail}` : `${head}: it stays ${result.after} ${tail}`;
}

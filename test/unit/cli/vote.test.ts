// Voting: the local state-machine check, the guarded JSON patch, the retry on a lost race and
// what the plugin prints.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApprovalRequest } from '../../../src/api/types.ts';
import { MAX_ATTEMPTS, VoteRefused, castVote, decisionPatch, formatVoteResult, isStale, refusal } from '../../../src/cli/vote.ts';
import type { ApiClient } from '../../../src/cli/http-client.ts';
import { ApiError, PatchType, type Query } from '../../../src/runtime/api-protocol.ts';
import { approval, request } from './fixtures.ts';

describe('refusal', () => {
  it('allows what the state machine allows', () => {
    assert.equal(refusal('approve', 'ApprovalRequest', request('x')), undefined);
    assert.equal(refusal('reject', 'ApprovalRequest', request('x')), undefined);
    assert.equal(refusal('approve', 'ApprovalRequest', request('x', { spec: { strategy: 'FourEyes', state: 'Semigranted' } })), undefined);
    assert.equal(refusal('suspend', 'Approval', approval('x')), undefined);
    assert.equal(refusal('resume', 'Approval', approval('x', { spec: { state: 'Suspended' } })), undefined);
  });

  it('explains a decision the current state does not allow', () => {
    assert.equal(refusal('reject', 'ApprovalRequest', request('orders-read', { spec: { state: 'Granted' } })),
      'cannot reject approvalrequest/orders-read: it is Granted, and a Simple ApprovalRequest allows no Deny from Granted (nothing can be decided from this state)');
    assert.equal(refusal('reject', 'ApprovalRequest', request('x', { spec: { state: 'Rejected' } })),
      'cannot reject approvalrequest/x: it is Rejected, and a Simple ApprovalRequest allows no Deny from Rejected; possible now: approve (→ Granted)');
    assert.match(refusal('resume', 'Approval', approval('x'))!, /^cannot resume approval\/x: it is Granted, .*; possible now: reject \(→ Rejected\), suspend \(→ Suspended\)$/);
  });

  it('uses the effective strategy the operator resolved', () => {
    const semigranted = request('x', { spec: { strategy: 'Simple', state: 'Semigranted' }, status: { strategy: 'FourEyes' } });
    assert.equal(refusal('approve', 'ApprovalRequest', semigranted), undefined);
    assert.match(refusal('approve', 'ApprovalRequest', request('x', { status: { strategy: 'Auto' } }))!, /an Auto ApprovalRequest allows no Allow from Pending/);
  });

  it('points to the Approval when suspending or resuming a request', () => {
    const granted = request('x', { spec: { state: 'Granted' }, status: { approval: { name: 'apisubscription--a--b', namespace: 'shop' } } });
    assert.equal(refusal('suspend', 'ApprovalRequest', granted),
      'cannot suspend approvalrequest/x: only an Approval (the grant) can be suspended or resumed; try: kubectl approval suspend apv/apisubscription--a--b');
    assert.match(refusal('resume', 'ApprovalRequest', request('x'))!, /try: kubectl approval resume apv\/NAME$/);
  });
});

describe('decisionPatch', () => {
  it('tests the resourceVersion, then appends the decision', () => {
    assert.deepEqual(decisionPatch(request('x'), { name: 'alice', comment: 'ok', resultingState: 'Granted' }), [
      { op: 'test', path: '/metadata/resourceVersion', value: '41' },
      { op: 'add', path: '/spec/decisions/-', value: { name: 'alice', comment: 'ok', resultingState: 'Granted' } },
    ]);
  });

  it('creates the list when the object has none', () => {
    const bare = request('x');
    delete (bare.spec as Partial<ApprovalRequest['spec']>).decisions;
    assert.deepEqual(decisionPatch(bare, { name: 'alice', resultingState: 'Rejected' })[1],
      { op: 'add', path: '/spec/decisions', value: [{ name: 'alice', resultingState: 'Rejected' }] });
  });
});

describe('isStale', () => {
  it('is true for a conflict and a failed test operation only', () => {
    assert.equal(isStale(new ApiError(409, 'PATCH', '/x', { reason: 'Conflict', message: 'the object has been modified' })), true);
    assert.equal(isStale(new ApiError(422, 'PATCH', '/x', { reason: 'Invalid', message: 'the server rejected our request: testing value /metadata/resourceVersion failed: test failed' })), true);
    assert.equal(isStale(new ApiError(422, 'PATCH', '/x', { reason: 'Invalid', message: 'spec.state: Invalid value' })), false);
    assert.equal(isStale(new ApiError(403, 'PATCH', '/x', { reason: 'Forbidden', message: 'test' })), false);
    assert.equal(isStale(new Error('test')), false);
  });
});

/** An API server holding one object: patches apply when the test op matches; the "operator" derives the state at once. */
class FakeServer {
  object: ApprovalRequest;
  races: number;
  patches: unknown[][] = [];
  refuseWith: ApiError | undefined;

  constructor(object: ApprovalRequest, races = 0) {
    this.object = object;
    this.races = races;
  }

  get client(): ApiClient {
    return {
      get: async () => structuredClone(this.object),
      patch: async (_path: string, ops: unknown[], type: string) => {
        assert.equal(type, PatchType.json);
        this.patches.push(ops);
        if (this.refuseWith) throw this.refuseWith;
        if (this.races > 0) {
          // Someone else wrote in between: bump the version so the test op fails.
          this.races--;
          this.object.metadata.resourceVersion = String(Number(this.object.metadata.resourceVersion) + 1);
        }
        const [test, add] = ops as Array<{ value: unknown }>;
        if (test?.value !== this.object.metadata.resourceVersion) {
          // What kube-apiserver 1.35 really answers to a failed `test` operation.
          throw new ApiError(422, 'PATCH', '/x', { reason: 'Invalid', message: 'the server rejected our request due to an error in our request' });
        }
        const decision = add!.value as NonNullable<ApprovalRequest['spec']['decisions']>[number];
        (this.object.spec.decisions ??= []).push(decision);
        this.object.spec.state = decision.resultingState as ApprovalRequest['spec']['state'];
        this.object.metadata.generation = (this.object.metadata.generation ?? 0) + 1;
        this.object.metadata.resourceVersion = String(Number(this.object.metadata.resourceVersion) + 1);
        this.object.status = { observedGeneration: this.object.metadata.generation };
        return structuredClone(this.object);
      },
    } as unknown as ApiClient;
  }
}

const target = { kind: 'ApprovalRequest' as const, name: 'x' };

describe('castVote', () => {
  it('appends the decision and reports the state change', async () => {
    const server = new FakeServer(request('x'));
    const result = await castVote({ client: server.client, namespace: 'shop', target, verb: 'approve', username: 'alice', comment: 'ok' });
    assert.deepEqual({ before: result.before, after: result.after, observed: result.observed, attempts: result.attempts },
      { before: 'Pending', after: 'Granted', observed: true, attempts: 1 });
    assert.deepEqual(server.object.spec.decisions, [{ name: 'alice', comment: 'ok', resultingState: 'Granted' }]);
  });

  it('re-reads and retries after a lost race', async () => {
    const server = new FakeServer(request('x'), 2);
    const result = await castVote({ client: server.client, namespace: 'shop', target, verb: 'reject', username: 'bob' });
    assert.equal(result.attempts, 3);
    assert.deepEqual(server.object.spec.decisions, [{ name: 'bob', resultingState: 'Rejected' }]);
  });

  it(`gives up after ${MAX_ATTEMPTS} lost races`, async () => {
    const server = new FakeServer(request('x'), 100);
    await assert.rejects(castVote({ client: server.client, namespace: 'shop', target, verb: 'approve', username: 'alice' }),
      (err: unknown) => err instanceof VoteRefused && /gave up after 5 attempts/.test(err.message));
    assert.equal(server.patches.length, MAX_ATTEMPTS);
  });

  it('sends nothing when the state machine does not allow the action', async () => {
    const server = new FakeServer(request('x', { spec: { state: 'Granted' } }));
    await assert.rejects(castVote({ client: server.client, namespace: 'shop', target, verb: 'reject', username: 'alice' }), VoteRefused);
    assert.equal(server.patches.length, 0);
  });

  it('passes the server\'s refusal on unchanged', async () => {
    const server = new FakeServer(request('x'));
    server.refuseWith = new ApiError(403, 'PATCH', '/x', { reason: 'Forbidden', message: 'user "carol" created this request and cannot decide it' });
    await assert.rejects(castVote({ client: server.client, namespace: 'shop', target, verb: 'approve', username: 'carol' }), server.refuseWith);
    assert.equal(server.patches.length, 1);
  });

  it('passes a 422 refusal on when the object did not change (not a lost race)', async () => {
    const server = new FakeServer(request('x'));
    server.refuseWith = new ApiError(422, 'PATCH', '/x', { reason: 'Invalid', message: 'spec.decisions[0].name: Invalid value: "alice": must be the authenticated user "bob"' });
    await assert.rejects(castVote({ client: server.client, namespace: 'shop', target, verb: 'approve', username: 'alice' }), server.refuseWith);
    assert.equal(server.patches.length, 1);
  });

  it('stops waiting for the operator after settleMs', async () => {
    const server = new FakeServer(request('x'));
    const client = server.client;
    const patch = client.patch.bind(client);
    client.patch = (async (...args: Parameters<ApiClient['patch']>) => {
      await patch(...args);
      server.object.spec.state = 'Pending';
      server.object.status = {};
      return structuredClone(server.object);
    }) as ApiClient['patch'];
    const started = Date.now();
    const result = await castVote({ client, namespace: 'shop', target, verb: 'approve', username: 'alice', settleMs: 100, pollMs: 20 });
    assert.ok(Date.now() - started >= 100);
    assert.deepEqual([result.before, result.after, result.observed], ['Pending', 'Pending', false]);
  });
});

describe('castVote --dry-run=server', () => {
  /** A server that answers a dry-run patch as admission would compute it, and stores nothing. */
  function dryRunServer(object: ApprovalRequest, admission: (patched: ApprovalRequest) => ApprovalRequest) {
    const queries: Array<Query | undefined> = [];
    let gets = 0;
    const client = {
      get: async () => {
        gets++;
        return structuredClone(object);
      },
      patch: async (_path: string, ops: Array<{ value: unknown }>, _type: string, query?: Query) => {
        queries.push(query);
        const patched = structuredClone(object);
        patched.spec.decisions = [...(patched.spec.decisions ?? []), ops[1]!.value as NonNullable<ApprovalRequest['spec']['decisions']>[number]];
        return admission(patched);
      },
    } as unknown as ApiClient;
    return { client, queries, gets: () => gets };
  }

  it('sends the patch with dryRun=All and reports the state admission computed, without waiting for the operator', async () => {
    const server = dryRunServer(request('x', { spec: { strategy: 'FourEyes' } }), (patched) => ({ ...patched, spec: { ...patched.spec, state: 'Semigranted' } }));
    const result = await castVote({ client: server.client, namespace: 'shop', target, verb: 'approve', username: 'alice', dryRun: true, settleMs: 10_000 });
    assert.deepEqual(server.queries, [{ dryRun: 'All' }]);
    assert.equal(server.gets(), 1, 'no re-read: nothing was stored');
    assert.deepEqual([result.before, result.after, result.dryRun, result.recorded], ['Pending', 'Semigranted', true, true]);
    assert.equal(formatVoteResult('approve', 'ApprovalRequest', 'x', 'alice', result),
      'approvalrequest/x would be approved by alice: Pending → Semigranted (server dry run: admission accepted the vote; nothing was stored)');
  });

  it('says when the server would drop the vote as a repeat', async () => {
    const earlier = [{ name: 'alice', resultingState: 'Semigranted' as const }];
    const server = dryRunServer(request('x', { spec: { strategy: 'FourEyes', state: 'Semigranted', decisions: earlier } }), (patched) => ({ ...patched, spec: { ...patched.spec, decisions: earlier } }));
    const result = await castVote({ client: server.client, namespace: 'shop', target, verb: 'approve', username: 'alice', dryRun: true });
    assert.equal(result.recorded, false);
    assert.equal(formatVoteResult('approve', 'ApprovalRequest', 'x', 'alice', result),
      'approvalrequest/x would not change: the server drops alice\'s vote as a repeat of an earlier one; it stays Semigranted (server dry run: admission accepted the vote; nothing was stored)');
  });

  it('sends a normal vote without dryRun', async () => {
    const server = dryRunServer(request('x'), (patched) => ({ ...patched, spec: { ...patched.spec, state: 'Granted' }, status: { observedGeneration: 1 } }));
    await castVote({ client: server.client, namespace: 'shop', target, verb: 'approve', username: 'alice' });
    assert.deepEqual(server.queries, [undefined]);
  });
});

describe('formatVoteResult', () => {
  it('says who did what and the resulting state', () => {
    assert.equal(formatVoteResult('approve', 'ApprovalRequest', 'orders-read', 'alice', { before: 'Pending', after: 'Granted', observed: true }),
      'approvalrequest/orders-read approved by alice: Pending → Granted');
    assert.equal(formatVoteResult('suspend', 'Approval', 'a--b', 'bob', { before: 'Granted', after: 'Suspended', observed: true }),
      'approval/a--b suspended by bob: Granted → Suspended');
    assert.equal(formatVoteResult('approve', 'ApprovalRequest', 'x', 'alice', { before: 'Semigranted', after: 'Semigranted', observed: true }),
      'approvalrequest/x approved by alice: still Semigranted');
    assert.equal(formatVoteResult('reject', 'ApprovalRequest', 'x', 'alice', { before: 'Pending', after: 'Pending', observed: false }),
      'approvalrequest/x rejected by alice: still Pending (the operator has not processed the vote yet)');
  });
});

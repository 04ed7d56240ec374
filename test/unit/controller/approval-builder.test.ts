// ensureApproval against an in-memory API: labels copied and kept in step, and which request's
// content an existing Approval keeps (the real API server: test/integration/security).
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import type { Approval, ApprovalRequest } from '../../../src/api/types.ts';
import { BASELINE_ANNOTATION } from '../../../src/api/resources.ts';
import { ensureApproval, labelsToSet } from '../../../src/controller/approval-builder.ts';
import type { Informer } from '../../../src/runtime/informer.ts';
import { ApiError, type KubeClient } from '../../../src/runtime/kube-client.ts';

const approvalsPath = '/apis/approval.cp.ei.telekom.de/v1/namespaces/team-a/approvals';
const approvalPath = `${approvalsPath}/apisubscription--orders`;

type MergePatch = { metadata: { resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Approval['spec'] };
type JsonPatch = Array<{ op: 'test' | 'add' | 'replace'; path: string; value: unknown }>;

const unescape = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/** Applies the ops the builder sends (test, add and replace of objects and map keys) the way RFC 6902 does. */
function applyJsonPatch(target: Approval, patch: JsonPatch, path: string): void {
  for (const op of patch) {
    const segments = op.path.split('/').slice(1).map(unescape);
    const key = segments.pop()!;
    const parent = segments.reduce<Record<string, unknown>>((node, segment) => node[segment] as Record<string, unknown>, target as unknown as Record<string, unknown>);
    if (op.op === 'test') {
      if (parent[key] !== op.value) throw new ApiError(422, 'PATCH', path, { reason: 'Invalid' });
      continue;
    }
    parent[key] = structuredClone(op.value);
  }
}

/** RFC 7386: objects merge key by key, null deletes, anything else replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** One Approval, served the way the API server would: merge and JSON patches, resourceVersion checks. */
class FakeApi {
  stored: Approval | undefined;
  writes: Array<{ verb: string; body: unknown }> = [];
  private rv = 1;

  client(): KubeClient {
    return {
      create: async (path: string, body: Approval) => {
        this.writes.push({ verb: 'POST', body });
        assert.equal(path, approvalsPath);
        if (this.stored) throw new ApiError(409, 'POST', path, { reason: 'AlreadyExists' });
        this.stored = { ...structuredClone(body), metadata: { ...structuredClone(body.metadata), uid: 'apv-uid', resourceVersion: String(this.rv++) } };
        return structuredClone(this.stored);
      },
      get: async (path: string) => {
        assert.equal(path, approvalPath);
        if (!this.stored) throw new ApiError(404, 'GET', path, { reason: 'NotFound' });
        return structuredClone(this.stored);
      },
      patch: async (path: string, patch: MergePatch | JsonPatch) => {
        this.writes.push({ verb: 'PATCH', body: patch });
        assert.equal(path, approvalPath);
        const stored = this.stored!;
        if (Array.isArray(patch)) {
          applyJsonPatch(stored, patch, path);
          stored.metadata.resourceVersion = String(this.rv++);
          return structuredClone(stored);
        }
        if (patch.metadata.resourceVersion !== stored.metadata.resourceVersion) throw new ApiError(409, 'PATCH', path, { reason: 'Conflict' });
        stored.metadata.labels = { ...stored.metadata.labels, ...patch.metadata.labels };
        stored.metadata.annotations = { ...stored.metadata.annotations, ...patch.metadata.annotations };
        if (patch.spec) stored.spec = mergePatch(stored.spec, patch.spec) as Approval['spec'];
        stored.metadata.resourceVersion = String(this.rv++);
        return structuredClone(stored);
      },
    } as unknown as KubeClient;
  }

  /** The informer as the builder sees it: the cache holds what the API server holds (or nothing). */
  informer(cached = true): Informer<Approval> {
    return { cache: { get: (key: string) => (cached && key === 'team-a/apisubscription--orders' ? structuredClone(this.stored) : undefined), isCompact: () => false } } as unknown as Informer<Approval>;
  }
}

const request = (name: string, uid: string, grantedAt: string, labels?: Record<string, string>): ApprovalRequest =>
  ({
    metadata: { name, namespace: 'team-a', uid, creationTimestamp: '2026-11-01T00:00:00Z', ...(labels ? { labels } : {}) },
    spec: {
      action: 'subscribe',
      strategy: 'Auto',
      state: 'Granted',
      requester: { teamName: 'shop', teamEmail: 'shop@example.com', reason: name },
      target: { kind: 'ApiSubscription', name: 'orders', namespace: 'team-a' },
      decisions: [{ name: 'System', resultingState: 'Granted', timestamp: grantedAt }],
    },
  }) as ApprovalRequest;

const ENV = 'cp.ei.telekom.de/environment';

describe('labelsToSet', () => {
  it('names the request labels that are missing or different, and nothing else', () => {
    assert.deepEqual(labelsToSet({ [ENV]: 'prod', team: 'shop' }, { [ENV]: 'dev', team: 'shop', mine: 'x' }), { [ENV]: 'prod' });
    assert.deepEqual(labelsToSet({ [ENV]: 'prod' }, undefined), { [ENV]: 'prod' });
    assert.equal(labelsToSet({ [ENV]: 'prod' }, { [ENV]: 'prod', mine: 'x' }), undefined);
    assert.equal(labelsToSet(undefined, { mine: 'x' }), undefined);
    assert.equal(labelsToSet({}, undefined), undefined);
  });
});

describe('ensureApproval', () => {
  let api: FakeApi;
  const old = request('ow-old', 'u-old', '2026-11-05T11:00:00Z', { [ENV]: 'dev', team: 'shop' });
  const fresh = request('ow-new', 'u-new', '2026-11-05T11:00:05Z', { [ENV]: 'prod' });

  beforeEach(() => {
    api = new FakeApi();
  });

  it("creates the Approval with the request's labels", async () => {
    const ref = await ensureApproval(api.client(), api.informer(), old);
    assert.deepEqual(ref, { name: 'apisubscription--orders', namespace: 'team-a', uid: 'apv-uid' });
    assert.deepEqual(api.stored?.metadata.labels, { [ENV]: 'dev', team: 'shop' });
    assert.equal(api.stored?.metadata.annotations?.[BASELINE_ANNOTATION], 'Granted/1');
    assert.equal(api.stored?.spec.approvedRequest?.uid, 'u-old');
  });

  it('writes nothing when the Approval carries this request and has its labels', async () => {
    await ensureApproval(api.client(), api.informer(), old);
    api.stored!.metadata.labels!.mine = 'x';
    api.writes = [];
    await ensureApproval(api.client(), api.informer(), old);
    assert.deepEqual(api.writes, []);
  });

  it('patches only the request labels the Approval lacks or holds differently, guarded by resourceVersion', async () => {
    await ensureApproval(api.client(), api.informer(), request('ow-old', 'u-old', '2026-11-05T11:00:00Z'));
    api.stored!.metadata.labels = { [ENV]: 'staging', mine: 'x' };
    api.stored!.spec.state = 'Suspended';
    const rv = api.stored!.metadata.resourceVersion;
    api.writes = [];
    await ensureApproval(api.client(), api.informer(), old);
    assert.deepEqual(api.writes, [{ verb: 'PATCH', body: { metadata: { labels: { [ENV]: 'dev', team: 'shop' }, resourceVersion: rv } } }]);
    assert.deepEqual(api.stored?.metadata.labels, { [ENV]: 'dev', team: 'shop', mine: 'x' });
    assert.equal(api.stored?.spec.state, 'Suspended', 'the Approval is not overwritten');
  });

  it("a newer grant replaces the content and sets its labels; people's labels stay", async () => {
    await ensureApproval(api.client(), api.informer(), old);
    api.stored!.metadata.labels!.mine = 'x';
    api.stored!.spec.state = 'Suspended';
    const ref = await ensureApproval(api.client(), api.informer(), fresh);
    assert.equal(ref.uid, 'apv-uid');
    assert.equal(api.stored?.spec.approvedRequest?.uid, 'u-new');
    assert.equal(api.stored?.spec.state, 'Granted');
    assert.deepEqual(api.stored?.metadata.labels, { [ENV]: 'prod', team: 'shop', mine: 'x' });
  });

  it("a newer grant's spec replaces the older one whole: nothing only the older request had stays", async () => {
    const older = request('old', 'u-old', '2026-11-02T00:00:00Z');
    older.spec.requester.properties = { scope: 'admin' };
    older.spec.decider = { teamName: 'orders' };
    await ensureApproval(api.client(), api.informer(), older);
    await ensureApproval(api.client(), api.informer(), fresh);
    assert.equal(api.stored?.spec.requester.properties, undefined);
    assert.equal(api.stored?.spec.decider, undefined);
    assert.equal(api.stored?.spec.requester.reason, 'ow-new');
  });

  it('an older grant leaves the Approval alone (no write) and still gets its ref', async () => {
    await ensureApproval(api.client(), api.informer(), fresh);
    api.stored!.spec.state = 'Suspended';
    api.writes = [];
    const ref = await ensureApproval(api.client(), api.informer(), old);
    assert.deepEqual(ref, { name: 'apisubscription--orders', namespace: 'team-a', uid: 'apv-uid' });
    assert.deepEqual(api.writes, []);
    assert.equal(api.stored?.spec.approvedRequest?.uid, 'u-new');
    assert.equal(api.stored?.spec.state, 'Suspended');
    assert.deepEqual(api.stored?.metadata.labels, { [ENV]: 'prod' }, "the older request's labels are not copied");
  });

  it('with a cache that lags, the stored Approval decides: an older grant leaves it alone', async () => {
    await ensureApproval(api.client(), api.informer(), fresh);
    api.writes = [];
    await ensureApproval(api.client(), api.informer(false), old);
    assert.deepEqual(api.writes.map((w) => w.verb), ['POST'], 'only the refused create');
    assert.equal(api.stored?.spec.approvedRequest?.uid, 'u-new');
  });

  it('with a cache that lags, the stored Approval decides: its own request adds missing labels', async () => {
    await ensureApproval(api.client(), api.informer(), request('ow-new', 'u-new', '2026-11-05T11:00:05Z'));
    api.writes = [];
    await ensureApproval(api.client(), api.informer(false), fresh);
    assert.deepEqual(api.writes.map((w) => w.verb), ['POST', 'PATCH']);
    assert.deepEqual(api.stored?.metadata.labels, { [ENV]: 'prod' });
  });
});

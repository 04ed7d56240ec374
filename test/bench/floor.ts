// The floor: a client with no logic that makes the same API writes the operator makes
// for an Auto request, at the same concurrency, against the same API server in the same run.
//
// The write list is not written by hand: it is the operator's own, recorded by S5 through the
// recording proxy for one Auto request (create → Granted, its Approval created → Granted): only the
// writes that succeeded, in their order, with their exact bodies. The floor replays that list per
// request with the names, uids, namespace and resourceVersions substituted:
//
//   request chain  (after the request's create returns; one of `workers` lanes)
//     PATCH spec (System decision + state) · POST Approval · POST Notification × n · POST Event ·
//     PATCH /status   — whatever S5 recorded, one after the other in the order it saw them
//   approval chain (after the Approval create returns; one of `workers` more lanes, as the
//     operator's Approval controller has its own workers)
//     POST Notification × n · POST Event · PATCH /status
//
// It writes as the admin, i.e. the operator's identity, so its writes take the same path through
// the admission webhooks (served by the operator process, which watches only the operator's
// namespace and so leaves the floor's objects alone).
import { randomUUID } from 'node:crypto';
import type { KubeClient } from '../../src/runtime/kube-client.ts';
import { PatchType } from '../../src/runtime/kube-client.ts';
import { classify, type RecordedRequest, type WriteKind } from './write-recorder.ts';

export interface ReplayWrite {
  kind: WriteKind;
  chain: 'request' | 'approval';
  method: 'POST' | 'PATCH';
  path: string;
  contentType: string | undefined;
  /** The body as JSON text, with placeholders for names and uids. */
  body: string;
}

export interface FloorPlan {
  writes: ReplayWrite[];
  /** Writes per request by kind (what the floor makes per request). */
  perRequest: Record<string, number>;
}

const PLACEHOLDER = {
  request: '@@REQUEST@@',
  requestUid: '@@REQUEST_UID@@',
  approvalUid: '@@APPROVAL_UID@@',
  namespace: '@@NAMESPACE@@',
};

interface Meta {
  ownerReferences?: Array<{ kind?: string }>;
}

function chainOf(record: RecordedRequest, kind: WriteKind): 'request' | 'approval' {
  if (kind.startsWith('approval ') && kind !== 'approval create') return 'approval';
  const body = record.body as { metadata?: Meta; regarding?: { kind?: string } } | undefined;
  if (kind === 'notification create') return body?.metadata?.ownerReferences?.[0]?.kind === 'Approval' ? 'approval' : 'request';
  if (kind === 'event create') return body?.regarding?.kind === 'Approval' ? 'approval' : 'request';
  return 'request';
}

const escape = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The floor's write list from what S5 recorded for one Auto request: every successful write the
 * operator made for `request` (and its Approval), in order.
 */
export function floorPlanFrom(records: RecordedRequest[], subject: { namespace: string; request: string; requestUid: string; approvalUid: string }): FloorPlan {
  const writes: ReplayWrite[] = [];
  const perRequest: Record<string, number> = {};
  for (const record of records) {
    const kind = classify(record);
    if (!kind || kind === 'access review (stores nothing)' || kind === 'other write') continue;
    if (record.status < 200 || record.status >= 300) continue;
    if (record.method !== 'POST' && record.method !== 'PATCH') continue;
    let body = JSON.stringify(record.body ?? {});
    let path = record.path.split('?')[0]!;
    for (const [value, placeholder] of [
      [subject.requestUid, PLACEHOLDER.requestUid],
      [subject.approvalUid, PLACEHOLDER.approvalUid],
      [subject.request, PLACEHOLDER.request],
    ] as const) {
      body = body.replace(new RegExp(escape(value), 'g'), placeholder);
      path = path.replace(new RegExp(escape(value), 'g'), placeholder);
    }
    body = body.replace(new RegExp(`"${escape(subject.namespace)}"`, 'g'), `"${PLACEHOLDER.namespace}"`);
    path = path.replace(`/namespaces/${subject.namespace}/`, `/namespaces/${PLACEHOLDER.namespace}/`);
    const contentType = record.method === 'PATCH' ? PatchType.merge : undefined;
    writes.push({ kind, chain: chainOf(record, kind), method: record.method, path, contentType, body });
    perRequest[kind] = (perRequest[kind] ?? 0) + 1;
  }
  return { writes, perRequest };
}

/** What any correct operator must write for an Auto grant: the request's status, the Approval and its status. */
const MINIMAL_KINDS: readonly WriteKind[] = ['request status patch', 'approval create', 'approval status patch'];

/**
 * The minimal floor: of the recorded writes, the first of each kind any correct operator must
 * make (request status, Approval create, Approval status), with the operator's bodies, so the
 * floor writes objects of the same size. Notifications and Events are counted apart: how many an
 * operator sends is a choice, not a necessity.
 */
export function minimalPlanFrom(plan: FloorPlan): FloorPlan {
  const writes: ReplayWrite[] = [];
  for (const kind of MINIMAL_KINDS) {
    const first = plan.writes.find((w) => w.kind === kind);
    if (!first) throw new Error(`the recorded Auto grant has no ${kind}: the minimal floor cannot be built`);
    writes.push(first.kind === 'request status patch' ? { ...first, chain: 'request' } : first);
  }
  // In the operator's order: the Approval is created before the request's status names it.
  writes.sort((a, b) => plan.writes.indexOf(a) - plan.writes.indexOf(b));
  return { writes, perRequest: Object.fromEntries(MINIMAL_KINDS.map((kind) => [kind, 1])) };
}

export interface FloorRun {
  /** Writes made, by kind, and failures. */
  writes: Record<string, number>;
  failures: number;
}

interface Lanes {
  push(task: () => Promise<void>): void;
  drained(): Promise<void>;
}

/** `count` lanes taking tasks in arrival order (the operator's N workers per controller). */
function lanes(count: number): Lanes {
  const queue: Array<() => Promise<void>> = [];
  let active = 0;
  let idle: (() => void) | undefined;
  const next = () => {
    while (active < count && queue.length > 0) {
      const task = queue.shift()!;
      active++;
      void task().finally(() => {
        active--;
        next();
      });
    }
    if (active === 0 && queue.length === 0) idle?.();
  };
  return {
    push(task) {
      queue.push(task);
      next();
    },
    drained: () =>
      active === 0 && queue.length === 0
        ? Promise.resolve()
        : new Promise((resolve) => {
            idle = () => {
              idle = undefined;
              resolve();
            };
          }),
  };
}

/**
 * The floor's "controller": `enqueue(name, uid, resourceVersion)` after a request's create has
 * returned; the request chain runs in one of `workers` lanes, the approval chain (started when the
 * Approval create returns) in one of `workers` more.
 */
export class Floor {
  readonly run: FloorRun = { writes: {}, failures: 0 };
  private readonly client: KubeClient;
  private readonly plan: FloorPlan;
  private readonly namespace: string;
  private readonly requestLanes: Lanes;
  private readonly approvalLanes: Lanes;
  private pendingRequests = 0;

  constructor(client: KubeClient, plan: FloorPlan, namespace: string, workers: number) {
    this.client = client;
    this.plan = plan;
    this.namespace = namespace;
    this.requestLanes = lanes(workers);
    this.approvalLanes = lanes(workers);
  }

  enqueue(request: string, requestUid: string, resourceVersion: string): void {
    this.pendingRequests++;
    const subject = { request, requestUid, approvalUid: randomUUID(), versions: new Map<string, string>([[request, resourceVersion]]) };
    this.requestLanes.push(async () => {
      await this.chain('request', subject);
      this.pendingRequests--;
    });
  }

  /** Resolves when every enqueued request's chains are done. */
  async drained(): Promise<void> {
    while (this.pendingRequests > 0) await this.requestLanes.drained();
    await this.approvalLanes.drained();
  }

  private async chain(which: 'request' | 'approval', subject: { request: string; requestUid: string; approvalUid: string; versions: Map<string, string> }): Promise<void> {
    for (const write of this.plan.writes) {
      if (write.chain !== which) continue;
      const fill = (text: string) =>
        text
          .replaceAll(PLACEHOLDER.requestUid, subject.requestUid)
          .replaceAll(PLACEHOLDER.approvalUid, subject.approvalUid)
          .replaceAll(PLACEHOLDER.request, subject.request)
          .replaceAll(PLACEHOLDER.namespace, this.namespace);
      const path = fill(write.path);
      const body = JSON.parse(fill(write.body)) as { metadata?: { resourceVersion?: string } };
      // The object a PATCH is about: the path without /status, keyed by its name.
      const objectKey = write.kind.startsWith('approval ') ? 'approval' : subject.request;
      if (write.method === 'PATCH' && body.metadata?.resourceVersion !== undefined) body.metadata.resourceVersion = subject.versions.get(objectKey);
      try {
        const response = await this.client.request<{ metadata?: { uid?: string; resourceVersion?: string } }>(write.method, path, {
          body,
          contentType: write.contentType,
        });
        this.run.writes[write.kind] = (this.run.writes[write.kind] ?? 0) + 1;
        if (write.method === 'PATCH' && response.metadata?.resourceVersion) subject.versions.set(objectKey, response.metadata.resourceVersion);
        if (write.kind === 'approval create') {
          // The recorded uid in later bodies (refs, events) becomes the real one.
          subject.approvalUid = response.metadata?.uid ?? subject.approvalUid;
          if (response.metadata?.resourceVersion) subject.versions.set('approval', response.metadata.resourceVersion);
          this.approvalLanes.push(() => this.chain('approval', subject));
        }
      } catch (err) {
        this.run.failures++;
        if (this.run.failures <= 5) console.error(`floor: ${write.kind} ${path}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

// S5 write amplification: for one transition of each kind, every write the operator makes, taken
// from its client-side counter (approval_operator_api_requests_total, by verb) and, to say *what*
// each write was, from the recording proxy in front of it. Transitions run one at a time, each
// until the objects are settled and no request has reached the API server for a second.
//
// Target: per transition 1 status write + 1 create per notification (one per person per event:
// the Approval's creation is part of the grant and tells nobody) + the Approval create on grant;
// nothing else: the write budget (ADR 0004). The record asks for two more writes: a Kubernetes
// Event per state change a decision caused (not a creation), and a System decision (Auto grant,
// expiry) appended to spec.decisions. They are counted apart (`recordWrites`, "rec") and named in
// the table. ADR 0006 adds the
// withdrawal finalizer of open requests: set before a request's first report, released when it
// settles or after its withdrawal notice (a patch of its own unless it rides on a spec write the
// operator makes anyway, the System expiry); counted apart too (`finalizer`). The target is met
// when no write is beyond the budget, the record writes and ADR 0006 together. Every write beyond is listed with its reason.
import { setTimeout as sleep } from 'node:timers/promises';
import { approvalRequestResource } from '../../src/api/resources.ts';
import { PatchType } from '../../src/runtime/kube-client.ts';
import { objectPath } from '../../src/runtime/resource.ts';
import { OPERATOR_NS } from './cluster.ts';
import type { BenchContext } from './context.ts';
import { floorPlanFrom, type FloorPlan } from './floor.ts';
import { approvalNameOf, createRequest, requestManifest, vote, type Strategy } from './fixtures.ts';
import { apiRequestsByVerb, diffByVerb } from './prom.ts';
import { SubjectWatcher } from './watch.ts';
import { classify, startWriteRecorder, type RecordedRequest, type WriteKind, type WriteRecorder } from './write-recorder.ts';
import { join } from 'node:path';

interface Expected {
  subject: 'request' | 'approval' | 'withdrawn';
  notifications: number;
  approvalCreate?: boolean;
  /** The transition is made by a System decision the operator appends. */
  systemDecision?: boolean;
  /**
   * It gets a Kubernetes Event (default). A creation gets none, nor does an Approval's creation
   * with its grant: no decision caused them, and the status (and the grant's own Event) says so.
   */
  event?: boolean;
  /** Finalizer patches of their own (ADR 0006): set on a new open request, released on settling or withdrawal. */
  finalizer?: number;
}

export interface StepResult {
  step: string;
  expected: Expected[];
  /** Writes the budget allows (ADR 0004). */
  target: number;
  /** Record writes on top: an Event per state change, the System decision's spec patch. */
  recordWrites: number;
  /** The withdrawal finalizer's own patches (ADR 0006). */
  finalizer: number;
  /** Successful writes by kind (what the recorder saw). */
  writes: Partial<Record<WriteKind, number>>;
  /** Writes the API server refused (e.g. 409 AlreadyExists of a repeated create). */
  failedWrites: Array<{ kind: WriteKind; status: number }>;
  totalWrites: number;
  /** Non-GET requests by verb from the operator's own counter (reviews included). */
  counter: Record<string, number>;
  beyondTarget: Array<{ kind: string; count: number; why: string }>;
  met: boolean;
  /** Every non-GET request of the step, in order: kind, status and what it was about. */
  log: string[];
}

function describe(record: RecordedRequest): string {
  const body = record.body as { metadata?: { name?: string }; status?: Record<string, unknown>; spec?: Record<string, unknown> } | undefined;
  const path = record.path.split('?')[0]!.replace(/^\/apis?\/[^/]+(\/v1)?\/(namespaces\/[^/]+\/)?/, '');
  const detail =
    record.method === 'POST' ? (body?.metadata?.name ?? '') : record.method === 'PATCH' ? Object.keys(body?.status ?? body?.spec ?? {}).join(',') : '';
  return `${classify(record)} ${record.status} ${record.method} ${path}${detail ? ` [${detail}]` : ''}`;
}

const NS = OPERATOR_NS;

const WHY: Record<string, string> = {
  'event create': 'more Events than state changes',
  'request refs status patch':
    'the notification creator (src/notify) records status.notificationRefs in its own /status write, guarded by resourceVersion, before the controller writes the rest of the status',
  'approval refs status patch':
    'the notification creator (src/notify) records status.notificationRefs in its own /status write, guarded by resourceVersion, before the controller writes the rest of the status',
  'request spec patch': 'a spec write without a System decision to record (a corrected spec.state)',
  'request finalizer patch': 'a withdrawal finalizer patch the transition does not need (ADR 0006)',
  'approval spec patch': 'the System decision on the Approval (expiry) or a corrected spec.state',
  'request status patch': 'a second /status write for the same transition: a reconcile ran on a cache that did not yet show the first one',
  'approval status patch': 'a second /status write for the same transition: a reconcile ran on a cache that did not yet show the first one',
  'notification create': 'a repeated Notification create (AlreadyExists): a reconcile reported the same transition again from a stale cache',
  'approval create': 'a repeated Approval create (AlreadyExists) from a stale cache',
  'other write': 'not expected',
};

function account(records: RecordedRequest[], expected: Expected[], counter: Record<string, number>, step: string): StepResult {
  const writes: Partial<Record<WriteKind, number>> = {};
  const failedWrites: StepResult['failedWrites'] = [];
  for (const record of records) {
    const kind = classify(record);
    if (!kind) continue;
    if (kind === 'access review (stores nothing)') {
      writes[kind] = (writes[kind] ?? 0) + 1;
      continue;
    }
    if (record.status >= 200 && record.status < 300) writes[kind] = (writes[kind] ?? 0) + 1;
    else failedWrites.push({ kind, status: record.status });
  }
  // What the budget allows, then what the record adds, by kind.
  const allowed: Partial<Record<WriteKind, number>> = {};
  const allow = (kind: WriteKind, n: number) => (allowed[kind] = (allowed[kind] ?? 0) + n);
  for (const e of expected) {
    if (e.subject === 'request') allow('request status patch', 1);
    if (e.subject === 'approval') allow('approval status patch', 1);
    allow('notification create', e.notifications);
    if (e.approvalCreate) allow('approval create', 1);
  }
  const target = Object.values(allowed).reduce((a, b) => a + (b ?? 0), 0);
  let recordWrites = 0;
  for (const e of expected) {
    if (e.subject === 'withdrawn') continue;
    if (e.event !== false) {
      allow('event create', 1);
      recordWrites++;
    }
    if (e.systemDecision) {
      allow(e.subject === 'request' ? 'request spec patch' : 'approval spec patch', 1);
      recordWrites++;
    }
  }
  let finalizer = 0;
  for (const e of expected) {
    if (!e.finalizer) continue;
    allow('request finalizer patch', e.finalizer);
    finalizer += e.finalizer;
  }
  const beyondTarget: StepResult['beyondTarget'] = [];
  let totalWrites = 0;
  for (const [kind, count] of Object.entries(writes) as Array<[WriteKind, number]>) {
    if (kind === 'access review (stores nothing)') continue;
    totalWrites += count;
    const extra = count - (allowed[kind] ?? 0);
    if (extra > 0) beyondTarget.push({ kind, count: extra, why: WHY[kind] ?? 'not expected' });
  }
  for (const [kind, want] of Object.entries(allowed) as Array<[WriteKind, number]>) {
    // The finalizer's patches are allowed, not required: a mutating webhook that sets and removes
    // it in the writer's own write makes them unnecessary (ADR 0006).
    if (kind === 'request finalizer patch') continue;
    if ((writes[kind] ?? 0) < want) beyondTarget.push({ kind: `missing ${kind}`, count: want - (writes[kind] ?? 0), why: 'fewer writes than the target expects (e.g. a status write merged into another)' });
  }
  const failedByKind = new Map<string, number>();
  for (const f of failedWrites) failedByKind.set(`${f.kind} (${f.status})`, (failedByKind.get(`${f.kind} (${f.status})`) ?? 0) + 1);
  for (const [kind, count] of failedByKind) {
    totalWrites += count;
    beyondTarget.push({ kind: `refused ${kind}`, count, why: 'a write the API server refused: ' + (kind.includes('409') ? 'AlreadyExists/Conflict of a repeated write from a reconcile on a stale cache' : 'see the operator log') });
  }
  const met = beyondTarget.length === 0;
  const log = records.filter((r) => r.method !== 'GET' || r.status >= 300).map(describe);
  return { step, expected, target, recordWrites, finalizer, writes, failedWrites, totalWrites, counter, beyondTarget, met, log };
}

async function quiet(recorder: WriteRecorder, quietMs = 1000, maxMs = 20_000): Promise<void> {
  const relevant = () => recorder.records.filter((r) => !r.path.includes('watch=true')).length;
  const deadline = performance.now() + maxMs;
  let count = relevant();
  let since = performance.now();
  while (performance.now() < deadline) {
    await sleep(100);
    const now = relevant();
    if (now !== count) {
      count = now;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) return;
  }
}

export interface S5Outcome {
  plan: FloorPlan;
  steps: StepResult[];
}

export async function runS5(ctx: BenchContext): Promise<S5Outcome> {
  ctx.log('S5 write amplification: one transition of each kind, through the recording proxy');
  const recorder = await startWriteRecorder(ctx.cluster.plane.kubeconfig, join(ctx.cluster.dir, 'recorder-s5'));
  const operator = await ctx.startOperator('s5', { kubeconfig: recorder.kubeconfig });
  const watcher = new SubjectWatcher(ctx.cluster.plane.kubeconfig, NS);
  const steps: StepResult[] = [];
  let plan: FloorPlan | undefined;
  try {
    await watcher.start();
    const seenEvents: Array<{ at: number; text: string }> = [];
    for (const [kind, source] of [['AR', watcher.requests], ['APV', watcher.approvals]] as const) {
      (source as typeof watcher.requests).addHandler(({ type, object }) => {
        const status = (object.status ?? {}) as Record<string, unknown>;
        seenEvents.push({ at: performance.now(), text: `  watch ${kind} ${type} ${object.metadata.name} rv=${object.metadata.resourceVersion} gen=${object.metadata.generation} spec.state=${object.spec.state} status=[${Object.keys(status).join(',')}] lastState=${String(status.lastState)}` });
      });
    }
    await quiet(recorder);
    const startup = recorder.records.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.split('?')[0]} → ${r.status}`);
    ctx.raw.s5Startup = startup;

    const reqState = (name: string) => watcher.requests.cache.get(`${NS}/${name}`)?.status?.lastState;
    const apvState = (name: string) => watcher.approvals.cache.get(`${NS}/${approvalNameOf(name)}`)?.status?.lastState;
    const create = (name: string, strategy: Strategy, extra = {}) => createRequest(ctx.requester, NS, requestManifest(name, strategy, extra));
    const until = (what: string, check: () => boolean, timeoutMs = 30_000) => watcher.waitFor(what, check, timeoutMs);

    const step = async (name: string, expected: Expected[], action: () => Promise<unknown>, done: () => Promise<unknown>) => {
      await quiet(recorder, 500);
      const from = recorder.records.length;
      const before = apiRequestsByVerb(await operator.metrics());
      await action();
      await done();
      await quiet(recorder);
      const records = recorder.records.slice(from).filter((r) => !r.path.includes('watch=true'));
      const after = apiRequestsByVerb(await operator.metrics());
      const counter = diffByVerb(after, before);
      delete counter.GET;
      const result = account(records, expected, counter, name);
      if (process.env.BENCH_S5_TRACE) {
        const t0 = records[0]?.at ?? 0;
        const merged = [...records.map((r) => ({ at: r.at, text: describe(r) })), ...seenEvents.filter((e) => e.at >= t0 - 50)].sort((a, b) => a.at - b.at);
        result.log = merged.map((m) => `${(m.at - t0).toFixed(1).padStart(7)} ${m.text}`);
        seenEvents.length = 0;
      }
      steps.push(result);
      ctx.log(`S5 ${name}: ${result.totalWrites} writes (target ${targetText(result)})${result.met ? '' : ` — beyond: ${result.beyondTarget.map((b) => `${b.count}× ${b.kind}`).join(', ')}`}`);
      return records;
    };

    // 1. Auto: the request is granted by a System decision; the Approval is created and published.
    const autoRecords = await step(
      'Auto: created → Granted (+ its Approval created → Granted)',
      [{ subject: 'request', notifications: 2, approvalCreate: true, systemDecision: true, event: false }, { subject: 'approval', notifications: 0, event: false }],
      () => create('s5-auto', 'Auto'),
      () => until('s5-auto Granted with its Approval Granted', () => reqState('s5-auto') === 'Granted' && apvState('s5-auto') === 'Granted'),
    );
    const auto = watcher.requests.cache.get(`${NS}/s5-auto`)!;
    const approval = watcher.approvals.cache.get(`${NS}/${approvalNameOf('s5-auto')}`)!;
    plan = floorPlanFrom(autoRecords, { namespace: NS, request: 's5-auto', requestUid: auto.metadata.uid!, approvalUid: approval.metadata.uid! });

    // 2. Simple: created → Pending (the decider is told).
    await step('Simple: created → Pending', [{ subject: 'request', notifications: 1, finalizer: 1, event: false }], () => create('s5-simple', 'Simple'), () =>
      until('s5-simple Pending', () => reqState('s5-simple') === 'Pending'),
    );
    // 3. Simple: Pending → Granted by a vote.
    await step(
      'Simple: Pending → Granted by a vote (+ Approval created → Granted)',
      [{ subject: 'request', notifications: 2, approvalCreate: true, finalizer: 1 }, { subject: 'approval', notifications: 0, event: false }],
      () => vote(ctx.deciders[0]!, NS, 's5-simple', 'Granted'),
      () => until('s5-simple Granted', () => reqState('s5-simple') === 'Granted' && apvState('s5-simple') === 'Granted'),
    );
    // 4. Simple: Pending → Rejected by a vote.
    await create('s5-reject', 'Simple');
    await until('s5-reject Pending', () => reqState('s5-reject') === 'Pending');
    await step('Simple: Pending → Rejected by a vote', [{ subject: 'request', notifications: 2, finalizer: 1 }], () => vote(ctx.deciders[0]!, NS, 's5-reject', 'Rejected'), () =>
      until('s5-reject Rejected', () => reqState('s5-reject') === 'Rejected'),
    );
    // 5, 6. FourEyes: two votes.
    await create('s5-foureyes', 'FourEyes');
    await until('s5-foureyes Pending', () => reqState('s5-foureyes') === 'Pending');
    await step('FourEyes: Pending → Semigranted by a first vote', [{ subject: 'request', notifications: 1 }], () => vote(ctx.deciders[0]!, NS, 's5-foureyes', 'Granted'), () =>
      until('s5-foureyes Semigranted', () => reqState('s5-foureyes') === 'Semigranted'),
    );
    await step(
      'FourEyes: Semigranted → Granted by a second vote (+ Approval)',
      [{ subject: 'request', notifications: 2, approvalCreate: true, finalizer: 1 }, { subject: 'approval', notifications: 0, event: false }],
      () => vote(ctx.deciders[1]!, NS, 's5-foureyes', 'Granted'),
      () => until('s5-foureyes Granted', () => reqState('s5-foureyes') === 'Granted' && apvState('s5-foureyes') === 'Granted'),
    );
    // 7, 8. The Approval's own lifecycle: suspend and resume.
    await step('Approval: Granted → Suspended by a vote', [{ subject: 'approval', notifications: 2 }], () => vote(ctx.deciders[0]!, NS, approvalNameOf('s5-simple'), 'Suspended', 'approval'), () =>
      until('approval of s5-simple Suspended', () => apvState('s5-simple') === 'Suspended'),
    );
    await step('Approval: Suspended → Granted (resume)', [{ subject: 'approval', notifications: 2 }], () => vote(ctx.deciders[0]!, NS, approvalNameOf('s5-simple'), 'Granted', 'approval'), () =>
      until('approval of s5-simple Granted again', () => apvState('s5-simple') === 'Granted'),
    );
    // 9. Timeout: Pending → Expired by a System decision.
    await step(
      'Timeout: created → Pending, then Pending → Expired (System decision)',
      // The finalizer is set with the creation and released in the System expiry's own spec write.
      [{ subject: 'request', notifications: 1, finalizer: 1, event: false }, { subject: 'request', notifications: 2, systemDecision: true }],
      () => create('s5-timeout', 'Simple', { timeout: '3s' }),
      () => until('s5-timeout Expired', () => reqState('s5-timeout') === 'Expired', 30_000),
    );
    // 10. A pending request is deleted: its decider is told it was withdrawn.
    await create('s5-withdrawn', 'Simple');
    await until('s5-withdrawn Pending', () => reqState('s5-withdrawn') === 'Pending');
    await step('Withdrawn: a pending request is deleted', [{ subject: 'withdrawn', notifications: 1, finalizer: 1 }], () =>
      ctx.requester.delete(objectPath(approvalRequestResource, NS, 's5-withdrawn')), async () => undefined,
    );
    // 11. No transition: a label on a settled request is reconciled without any write.
    await step('No change: a settled request is touched (annotation)', [], () =>
      ctx.admin.patch(objectPath(approvalRequestResource, NS, 's5-simple'), { metadata: { annotations: { 'bench.example.com/touched': '1' } } }, PatchType.merge),
      async () => sleep(300),
    );
  } finally {
    await watcher.stop();
    await operator.stop();
    await recorder.close();
  }

  ctx.raw.s5 = steps;
  for (const s of steps) {
    const parts = Object.entries(s.writes)
      .filter(([kind]) => kind !== 'access review (stores nothing)')
      .map(([kind, n]) => `${n} ${SHORT[kind] ?? kind}`);
    for (const f of s.failedWrites) parts.push(`1 ${SHORT[f.kind] ?? f.kind}✗${f.status}`);
    ctx.rows.push({
      scenario: 'S5',
      metric: `writes: ${s.step}`,
      operator: `${s.totalWrites} (${parts.join(', ') || 'none'})`,
      target: targetText(s),
      met: s.met,
    });
  }
  if (!plan) throw new Error('S5 recorded no Auto transition: the floor has no write list');
  return { plan, steps };
}

/** "7 + 2 rec + 1 fin": what the budget allows, the Events and System decisions of the record, the finalizer's patches. */
function targetText(step: StepResult): string {
  return `${step.target}${step.recordWrites > 0 ? ` + ${step.recordWrites} rec` : ''}${step.finalizer > 0 ? ` + ${step.finalizer} fin` : ''}`;
}

export const SHORT: Record<string, string> = {
  'request spec patch': 'spec',
  'request finalizer patch': 'fin',
  'request status patch': 'status',
  'request refs status patch': 'refs',
  'approval create': 'apv-create',
  'approval spec patch': 'apv-spec',
  'approval status patch': 'apv-status',
  'approval refs status patch': 'apv-refs',
  'notification create': 'notif',
  'event create': 'event',
  'other write': 'other',
};

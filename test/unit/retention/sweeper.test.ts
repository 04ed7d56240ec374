// The sweep's I/O against a scripted client (the real API server is in
// test/integration/controller/retention.test.ts): paging, a continue token that expires, the
// preconditions of every delete, and 404/409 as outcomes rather than errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { ApprovalPolicy, ApprovalRequest, Notification } from '../../../src/api/types.ts';
import { ApiError, type KubeClient, type RequestOptions } from '../../../src/runtime/kube-client.ts';
import type { Informer } from '../../../src/runtime/informer.ts';
import { RetentionSweeper } from '../../../src/retention/sweeper.ts';
import type { RequestSummary } from '../../../src/controller/settled-summary.ts';

const NOW = new Date('2026-02-01T00:00:00Z');

function delivered(name: string, at = '2026-01-01T00:00:00Z'): Notification {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: `rv-${name}`, generation: 1 },
    spec: { purpose: 'p' },
    status: { conditions: [{ type: 'Delivered', status: 'True', reason: 'Delivered', message: '', lastTransitionTime: at, observedGeneration: 1 }] },
  } as unknown as Notification;
}

interface Call {
  method: string;
  path: string;
  options: RequestOptions;
}

/** A client whose answers are scripted per call: a value, or an ApiError to throw. */
function scriptedClient(answer: (call: Call) => unknown): { client: KubeClient; calls: Call[] } {
  const calls: Call[] = [];
  const client = {
    request: async (method: string, path: string, options: RequestOptions = {}) => {
      const call = { method, path, options };
      calls.push(call);
      const result = answer(call);
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as KubeClient;
  return { client, calls };
}

const informer = <T>(items: T[]) => ({ cache: { list: () => items, summaryEntries: () => new Map().entries() }, waitForSync: () => Promise.resolve() }) as unknown as Informer<T extends ApprovalRequest ? ApprovalRequest : ApprovalPolicy>;

function sweeper(client: KubeClient, requests: ApprovalRequest[] = [], policies: ApprovalPolicy[] = []) {
  return new RetentionSweeper({
    client,
    log: pino({ level: 'silent' }),
    registry: new Registry(),
    namespace: 'ns',
    requests: informer(requests) as unknown as Informer<ApprovalRequest, RequestSummary>,
    policies: informer(policies) as unknown as Informer<ApprovalPolicy>,
    notificationMode: 'deliver',
    options: { notificationRetentionMs: 7 * 24 * 3_600_000, intervalMs: 60_000, deletesPerSecond: 1000 },
    now: () => NOW,
  });
}

describe('retention sweep', () => {
  it('lists page by page with the purpose label, deletes with preconditions, and starts over when the continue token expired', async () => {
    let lists = 0;
    const { client, calls } = scriptedClient(({ method, options }) => {
      if (method === 'DELETE') return {};
      lists++;
      if (lists === 1) return { metadata: { continue: 'page-2' }, items: [delivered('a')] };
      if (lists === 2) return new ApiError(410, 'GET', 'notifications', { reason: 'Expired', message: 'continue token expired' });
      assert.equal(options.query?.continue, undefined, 'the list starts over');
      return { metadata: {}, items: [delivered('b'), delivered('recent', '2026-01-30T00:00:00Z')] };
    });
    const report = await sweeper(client).sweep(new AbortController().signal);
    assert.deepEqual(calls.filter((c) => c.method === 'GET').map((c) => [c.options.query?.labelSelector, c.options.query?.limit, c.options.query?.continue]), [
      ['notification.cp.ei.telekom.de/purpose', 100, undefined],
      ['notification.cp.ei.telekom.de/purpose', 100, 'page-2'],
      ['notification.cp.ei.telekom.de/purpose', 100, undefined],
    ]);
    const deletes = calls.filter((c) => c.method === 'DELETE');
    assert.deepEqual(deletes.map((c) => c.path), [
      '/apis/notification.cp.ei.telekom.de/v1/namespaces/ns/notifications/a',
      '/apis/notification.cp.ei.telekom.de/v1/namespaces/ns/notifications/b',
    ]);
    assert.deepEqual(deletes[0]!.options.body, { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid: 'uid-a', resourceVersion: 'rv-a' } });
    assert.equal(report.notifications.deleted, 2);
    assert.equal(report.notifications.due, 2, 'the recent one is not due');
  });

  it('counts 404 and 409 as changed, not as failures; other errors fail the sweep', async () => {
    const { client } = scriptedClient(({ method, path }) => {
      if (method === 'GET') return { metadata: {}, items: [delivered('gone'), delivered('changed')] };
      return path.endsWith('/gone') ? new ApiError(404, 'DELETE', path, { reason: 'NotFound', message: '' }) : new ApiError(409, 'DELETE', path, { reason: 'Conflict', message: 'Precondition failed' });
    });
    const report = await sweeper(client).sweep(new AbortController().signal);
    assert.deepEqual([report.notifications.deleted, report.notifications.changed], [0, 2]);

    const failing = scriptedClient(({ method, path }) =>
      method === 'GET' ? { metadata: {}, items: [delivered('x')] } : new ApiError(403, 'DELETE', path, { reason: 'Forbidden', message: 'cannot delete' }),
    );
    await assert.rejects(sweeper(failing.client).sweep(new AbortController().signal), /403/);
  });
});

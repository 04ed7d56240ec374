// The by-state and oldest-pending gauges count whole objects and summaries alike: a settled
// request the cache keeps as a summary is still a request in its state, and the oldest waiting
// request is found among the whole ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { ApprovalRequest } from '../../../src/api/types.ts';
import { ApprovalMetrics } from '../../../src/controller/metrics.ts';
import { requestCompaction, type RequestSummary } from '../../../src/controller/settled-summary.ts';
import { countByState } from '../../../src/controller/state-gauges.ts';
import { ObjectCache } from '../../../src/runtime/object-cache.ts';

const NOW = Date.parse('2026-11-27T12:00:00Z');

function request(name: string, state: string, createdSecondsAgo: number): ApprovalRequest {
  return {
    metadata: { name, namespace: 'shop', resourceVersion: '1', generation: 1, creationTimestamp: new Date(NOW - createdSecondsAgo * 1000).toISOString() },
    spec: { state, requester: { teamName: 'shop' }, target: { name: 'x', kind: 'ApiSubscription' }, action: 'subscribe', strategy: 'Simple', decisions: [] },
    status: { lastState: state, observedGeneration: 1, ...(state === 'Granted' ? { approval: { name: `${name}-approval`, namespace: 'shop' } } : {}) },
  } as unknown as ApprovalRequest;
}

async function gauges(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const metric of await registry.getMetricsAsJSON()) {
    for (const value of metric.values) out[`${metric.name}${JSON.stringify(value.labels)}`] = value.value;
  }
  return out;
}

describe('state gauges', () => {
  it('count whole objects and summaries by state; the oldest pending comes from the waiting ones', async () => {
    const registry = new Registry();
    const metrics = new ApprovalMetrics(registry);
    const cache = new ObjectCache<ApprovalRequest, RequestSummary>();
    const compaction = requestCompaction(() => false);
    for (const object of [request('a', 'Pending', 300), request('b', 'Semigranted', 900), request('c', 'Granted', 5000), request('d', 'Granted', 4000), request('e', 'Rejected', 7000)]) {
      cache.upsert(object, compaction.compact(object));
    }
    assert.equal(cache.compactSize, 3, 'the settled ones are summaries');
    countByState('ApprovalRequest', cache, metrics, NOW);
    const values = await gauges(registry);
    assert.equal(values['approval_operator_objects{"kind":"ApprovalRequest","state":"Pending"}'], 1);
    assert.equal(values['approval_operator_objects{"kind":"ApprovalRequest","state":"Semigranted"}'], 1);
    assert.equal(values['approval_operator_objects{"kind":"ApprovalRequest","state":"Granted"}'], 2);
    assert.equal(values['approval_operator_objects{"kind":"ApprovalRequest","state":"Rejected"}'], 1);
    assert.equal(values['approval_operator_oldest_pending_seconds{"kind":"ApprovalRequest"}'], 900);
  });

  it('reads an oldest pending age of 0 when nothing waits', async () => {
    const registry = new Registry();
    const metrics = new ApprovalMetrics(registry);
    const cache = new ObjectCache<ApprovalRequest, RequestSummary>();
    const compaction = requestCompaction(() => false);
    const settled = request('c', 'Granted', 5000);
    cache.upsert(settled, compaction.compact(settled));
    countByState('ApprovalRequest', cache, metrics, NOW);
    const values = await gauges(registry);
    assert.equal(values['approval_operator_oldest_pending_seconds{"kind":"ApprovalRequest"}'], 0);
    assert.equal(values['approval_operator_objects{"kind":"ApprovalRequest","state":"Granted"}'], 1);
  });
});

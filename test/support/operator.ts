// The operator, wired exactly as main.ts wires it, running in the test process against the test
// cluster. Its client counts the writes it makes.
import type { Manager } from '../../src/runtime/manager.ts';
import { createOperator } from '../../src/operator.ts';
import { adminClient, testLogger } from './cluster.ts';

export interface RunningOperator {
  manager: Manager;
  writes: Array<{ verb: string; status: number }>;
  stop(): Promise<void>;
}

export async function startOperator(options: { namespace?: string } = {}): Promise<RunningOperator> {
  const client = adminClient();
  const writes: Array<{ verb: string; status: number }> = [];
  client.onResponse((verb, status) => {
    if (verb !== 'GET') writes.push({ verb, status });
  });
  const manager = createOperator({ client, log: testLogger(), namespace: options.namespace, identity: 'test-operator' });
  await manager.start();
  return { manager, writes, stop: () => manager.stop() };
}

/** The value of a counter in the operator's registry (e.g. reconciles of one controller). */
export async function metricValue(manager: Manager, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await manager.metrics.registry.getSingleMetric(name)?.get();
  const matching = metric?.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)) ?? [];
  return matching.reduce((sum, v) => sum + v.value, 0);
}

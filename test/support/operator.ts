// The operator, wired exactly as main.ts wires it, running in the test process against the test
// cluster. Its client counts the writes it makes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../hack/control-plane.ts';
import { registerLocalWebhooks, unregisterLocalWebhooks } from '../../hack/webhook-local.ts';
import type { DeliveryControllerOptions } from '../../src/notify/delivery/delivery-controller.ts';
import type { Manager } from '../../src/runtime/manager.ts';
import type { RetentionOptions } from '../../src/retention/sweeper.ts';
import { createOperator } from '../../src/operator.ts';
import { adminClient, kubeconfigPath, testLogger } from './cluster.ts';
import { LOCAL_RECEIVER_OUTBOUND } from './http-receiver.ts';

export interface RunningOperator {
  manager: Manager;
  writes: Array<{ verb: string; status: number }>;
  /** The successful writes, as `<verb> <path>` (the path without the query), oldest first. */
  writePaths: string[];
  /** Every request (reads included) the API server refused with 403. */
  forbidden: Array<{ verb: string; status: number }>;
  stop(): Promise<void>;
}

export interface OperatorTestOptions {
  namespace?: string;
  /** Serve and register the admission webhooks (unregistered again by stop, unless kept). */
  webhook?: boolean;
  /** Run as this user (impersonated), e.g. the chart's ServiceAccount, instead of the admin. */
  as?: { user: string; groups?: string[] };
  /**
   * Deliver Notifications (e.g. to a test SMTP server); without it they are only created. Without
   * `delivery.outbound` the operator may reach 127.0.0.1 over http (LOCAL_RECEIVER_OUTBOUND, the
   * test receivers' address, allowed explicitly) and nothing else internal; tests of the policy
   * pass their own.
   */
  delivery?: Omit<DeliveryControllerOptions, 'client' | 'log' | 'now'>;
  /**
   * Fault injection: requests for which this returns true fail before they reach the API server
   * (e.g. the status writes, to stand for a crash between a Notification's create and the status
   * write that records it).
   */
  failRequest?: (method: string, path: string) => boolean;
  /** Retention (default: the operator's defaults, which delete nothing a test makes). */
  retention?: Partial<RetentionOptions>;
  /** Leader election in this namespace (several operators in one test); identity defaults to test-operator. */
  leaderElection?: { namespace: string; identity: string };
}

export async function startOperator(options: OperatorTestOptions = {}): Promise<RunningOperator & { unregisterWebhooks(): void }> {
  const client = adminClient();
  client.fieldManager = 'approval-operator';
  if (options.as) client.impersonation = options.as;
  const writes: Array<{ verb: string; status: number }> = [];
  const forbidden: Array<{ verb: string; status: number }> = [];
  client.onResponse((verb, status) => {
    if (status === 403) forbidden.push({ verb, status });
    if (verb !== 'GET') writes.push({ verb, status });
  });
  // Successful writes by path ("POST /apis/…"), for tests that check what a transition writes.
  const writePaths: string[] = [];
  const send = client.request.bind(client);
  client.request = (async (method, path, requestOptions) => {
    const result = await send(method, path, requestOptions);
    if (method !== 'GET') writePaths.push(`${method} ${path}`);
    return result;
  }) as typeof client.request;
  if (options.failRequest) {
    const fail = options.failRequest;
    const request = client.request.bind(client);
    client.request = ((method, path, requestOptions) =>
      fail(method, path) ? Promise.reject(new Error(`injected fault: ${method} ${path}`)) : request(method, path, requestOptions)) as typeof client.request;
  }
  let webhook: { port: number; certDir: string } | undefined;
  if (options.webhook) {
    webhook = { port: await freePort(), certDir: mkdtempSync(join(tmpdir(), 'approval-webhook-')) };
    registerLocalWebhooks(kubeconfigPath(), webhook.port, webhook.certDir);
  }
  const delivery = options.delivery ? { outbound: LOCAL_RECEIVER_OUTBOUND, ...options.delivery } : undefined;
  const manager = createOperator({
    client,
    log: testLogger(),
    namespace: options.namespace,
    identity: options.leaderElection?.identity ?? 'test-operator',
    leaderElection: options.leaderElection && { namespace: options.leaderElection.namespace },
    webhook,
    delivery,
    retention: options.retention,
  });
  await manager.start();
  const unregisterWebhooks = () => {
    if (webhook) unregisterLocalWebhooks(kubeconfigPath());
  };
  return {
    manager,
    writes,
    writePaths,
    forbidden,
    unregisterWebhooks,
    stop: async () => {
      await manager.stop();
      unregisterWebhooks();
    },
  };
}

/** The value of a counter in the operator's registry (e.g. reconciles of one controller). */
export async function metricValue(manager: Manager, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await manager.metrics.registry.getSingleMetric(name)?.get();
  const matching = metric?.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)) ?? [];
  return matching.reduce((sum, v) => sum + v.value, 0);
}

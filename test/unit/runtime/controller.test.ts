// The controller's worker loop: ordinary failures are retried with backoff, a TerminalError is
// not, and every reconcile sees the stop signal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Controller, TerminalError, type Reconcile } from '../../../src/runtime/controller.ts';
import type { Informer } from '../../../src/runtime/informer.ts';
import type { KubeObject } from '../../../src/runtime/resource.ts';

/** An informer that is synced at once and reports one object. */
function oneObject(name: string): Informer<KubeObject> {
  return {
    waitForSync: async () => undefined,
    addHandler: (handler: (event: { type: string; object: KubeObject }) => void) => handler({ type: 'ADDED', object: { metadata: { name, namespace: 'ns' } } }),
  } as unknown as Informer<KubeObject>;
}

async function runFor(reconcile: Reconcile, ms: number): Promise<AbortSignal | undefined> {
  let seen: AbortSignal | undefined;
  const controller = new Controller({
    name: 'test',
    workers: 1,
    rateLimit: { baseDelayMs: 5, maxDelayMs: 20 },
    log: pino({ level: 'silent' }),
    reconcile: (key, signal) => {
      seen = signal;
      return reconcile(key, signal);
    },
  });
  controller.watch(oneObject('a'));
  const stop = new AbortController();
  const running = controller.run(stop.signal);
  await sleep(ms);
  stop.abort();
  await running;
  return seen;
}

describe('Controller', () => {
  it('retries an ordinary failure, but not a TerminalError', async () => {
    let ordinary = 0;
    await runFor(async () => {
      ordinary++;
      throw new Error('the API server is away');
    }, 150);
    assert.ok(ordinary >= 2, `retried (${ordinary} attempts)`);
    let terminal = 0;
    await runFor(async () => {
      terminal++;
      throw new TerminalError('invalid for good');
    }, 150);
    assert.equal(terminal, 1, 'a terminal failure is not retried');
  });

  it('hands every reconcile the stop signal, which aborts when the controller stops', async () => {
    const signal = await runFor(async () => undefined, 20);
    assert.ok(signal, 'the reconcile got a signal');
    assert.equal(signal.aborted, true);
  });
});

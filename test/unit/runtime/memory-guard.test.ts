// Memory pressure: entered over the high mark, left below the low mark (no flapping in between),
// logged and exported either way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { MemoryGuard } from '../../../src/runtime/memory-guard.ts';

function guardAt(share: { value: number }) {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const registry = new Registry();
  const guard = new MemoryGuard({ log, registry, heap: () => ({ used: share.value * 100, limit: 100 }) });
  const gauge = async () => (await registry.getSingleMetric('approval_operator_memory_pressure')!.get()).values[0]?.value;
  return { guard, lines, gauge };
}

describe('MemoryGuard', () => {
  it('enters pressure at the high mark and leaves it only below the low mark', async () => {
    const share = { value: 0.4 };
    const { guard, lines, gauge } = guardAt(share);
    guard.check();
    assert.equal(guard.underPressure(), false);
    share.value = 0.49;
    guard.check();
    assert.equal(guard.underPressure(), false);
    share.value = 0.5;
    guard.check();
    assert.equal(guard.underPressure(), true);
    assert.equal(await gauge(), 1);
    assert.match(lines.at(-1)!.msg, /memory pressure: objects are no longer cached whole/);
    assert.equal(lines.at(-1)!.level, 40);
    share.value = 0.4;
    guard.check();
    assert.equal(guard.underPressure(), true, 'between the marks: still under pressure');
    share.value = 0.34;
    guard.check();
    assert.equal(guard.underPressure(), false);
    assert.equal(await gauge(), 0);
    assert.match(lines.at(-1)!.msg, /memory pressure over/);
    assert.equal(lines.length, 2, 'one line per change, none per check');
  });

  it('tells its listeners when pressure begins', () => {
    const share = { value: 0.1 };
    const { guard } = guardAt(share);
    let entered = 0;
    guard.onEnter(() => entered++);
    guard.check();
    share.value = 0.9;
    guard.check();
    guard.check();
    assert.equal(entered, 1);
  });

  it('looks at the heap every 100th question, not only on its timer', () => {
    const share = { value: 0.1 };
    const { guard } = guardAt(share);
    guard.check();
    share.value = 0.9;
    const answers = Array.from({ length: 100 }, () => guard.underPressure());
    assert.equal(answers.slice(0, 99).some(Boolean), false);
    assert.equal(answers[99], true);
  });
});

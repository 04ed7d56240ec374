// Memory pressure: judged by what is alive after a full collection (garbage between collections
// is no reason to evict), or by the used heap itself only near the limit; entered over the high
// mark, left below the low mark (no flapping in between), logged and exported either way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { MemoryGuard } from '../../../src/runtime/memory-guard.ts';

function guardAt(share: { value: number }) {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const registry = new Registry();
  const guard = new MemoryGuard({ log, registry, heap: () => ({ used: share.value * 100, limit: 100 }), observeCollections: false });
  const gauge = async () => (await registry.getSingleMetric('approval_operator_memory_pressure')!.get()).values[0]?.value;
  return { guard, lines, gauge };
}

describe('MemoryGuard', () => {
  it('does not count garbage: a used heap over the high mark between collections is no pressure', () => {
    const share = { value: 0.2 };
    const { guard } = guardAt(share);
    guard.afterFullCollection();
    share.value = 0.8;
    guard.check();
    assert.equal(guard.underPressure(), false);
    share.value = 0.3;
    guard.afterFullCollection();
    assert.equal(guard.underPressure(), false, 'the collection freed it: it was garbage');
  });

  it('enters pressure when 70 % of the limit is alive after a full collection, and leaves it only below 35 %', async () => {
    const share = { value: 0.69 };
    const { guard, lines, gauge } = guardAt(share);
    guard.afterFullCollection();
    assert.equal(guard.underPressure(), false);
    share.value = 0.7;
    guard.afterFullCollection();
    assert.equal(guard.underPressure(), true);
    assert.equal(await gauge(), 1);
    assert.match(lines.at(-1)!.msg, /memory pressure: objects are no longer cached whole/);
    assert.equal(lines.at(-1)!.level, 40);
    share.value = 0.4;
    guard.afterFullCollection();
    assert.equal(guard.underPressure(), true, 'between the marks: still under pressure');
    share.value = 0.34;
    guard.afterFullCollection();
    assert.equal(guard.underPressure(), false);
    assert.equal(await gauge(), 0);
    assert.match(lines.at(-1)!.msg, /memory pressure over/);
    assert.equal(lines.length, 2, 'one line per change, none per check');
  });

  it('near the limit the used heap counts as it is (the next collection may come too late)', () => {
    const share = { value: 0.1 };
    const { guard } = guardAt(share);
    guard.afterFullCollection();
    share.value = 0.85;
    guard.check();
    assert.equal(guard.underPressure(), true);
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
});

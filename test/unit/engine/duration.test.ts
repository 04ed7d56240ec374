// Go/Kubernetes-style durations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_DURATION_MS, durationOrUndefined, parseDuration } from '../../../src/engine/index.ts';

describe('parseDuration', () => {
  const valid: Array<[string, number]> = [
    ['72h', 72 * 3_600_000],
    ['30m', 1_800_000],
    ['2s', 2000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['8760h', 8760 * 3_600_000],
    ['1h0m0s', 3_600_000],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['2000000ns', 2],
    ['1.1h', 3_960_000],
    ['0', 0],
    ['0s', 0],
    ['+5m', 300_000],
  ];
  for (const [text, expected] of valid) {
    it(`reads ${text} as ${expected} ms`, () => assert.equal(parseDuration(text), expected));
  }

  const invalid: Array<[string, RegExp]> = [
    ['', /is empty/],
    ['72', /missing unit after 72/],
    ['7d', /unknown unit "d"/],
    ['1h 30m', /unexpected " 30m"/],
    ['h', /unexpected "h"/],
    ['-5m', /negative durations are not allowed/],
    ['1.2.3s', /missing unit after 1.2/],
    ['abc', /unexpected "abc"/],
    ['87601h', /longer than 87600h \(10 years\)/],
    ['99999999h', /longer than 87600h \(10 years\)/],
    [`${'9'.repeat(63)}h`, /longer than 87600h \(10 years\)/],
  ];
  for (const [text, message] of invalid) {
    it(`refuses ${JSON.stringify(text)} with a clear message`, () => {
      assert.throws(() => parseDuration(text), (error: Error) => {
        assert.match(error.message, message);
        assert.match(error.message, /^invalid duration /);
        return true;
      });
    });
  }

  it('accepts exactly ten years, and reads an invalid stored value as no duration', () => {
    assert.equal(parseDuration('87600h'), MAX_DURATION_MS);
    assert.equal(durationOrUndefined('99999999h'), undefined);
    assert.equal(durationOrUndefined(undefined), undefined);
    assert.equal(durationOrUndefined('1s'), 1000);
  });
});

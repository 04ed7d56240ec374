import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_REPEATS, daysRemaining, dueReminders, reminderThresholds } from '../../../../src/notify/creation/reminders.ts';

const H = 3_600_000;
const expiresAt = new Date('2025-06-01T00:00:00Z');
const before = (hours: number) => new Date(expiresAt.getTime() - hours * H);

describe('reminderThresholds', () => {
  it('gives the first threshold and its repeats before expiry, earliest first', () => {
    const thresholds = reminderThresholds([{ before: '720h', repeat: '168h' }], expiresAt);
    assert.deepEqual(
      thresholds.map((t) => [t.key, (expiresAt.getTime() - t.at.getTime()) / H]),
      [['720h', 720], ['720h@1', 552], ['720h@2', 384], ['720h@3', 216], ['720h@4', 48]],
    );
  });

  it('merges several rules and counts a key once', () => {
    const thresholds = reminderThresholds([{ before: '24h' }, { before: '168h' }, { before: '24h' }], expiresAt);
    assert.deepEqual(thresholds.map((t) => t.key), ['168h', '24h']);
  });

  it('skips unparseable and zero durations and bounds the repeats', () => {
    assert.deepEqual(reminderThresholds([{ before: 'soon' }, { before: '0s' }], expiresAt), []);
    assert.equal(reminderThresholds([{ before: '8760h', repeat: '1s' }], expiresAt).length, MAX_REPEATS + 1);
  });
});

describe('dueReminders', () => {
  const rules = [{ before: '720h', repeat: '168h' }];

  it('has nothing due before the first threshold, and says when it is', () => {
    assert.deepEqual(dueReminders(rules, expiresAt, before(800), []), { due: [], nextAt: before(720) });
  });

  it('makes a threshold due once it has passed, until it is recorded as sent', () => {
    assert.deepEqual(dueReminders(rules, expiresAt, before(700), []), { due: ['720h'], nextAt: before(552) });
    assert.deepEqual(dueReminders(rules, expiresAt, before(700), ['720h']), { due: [], nextAt: before(552) });
    assert.deepEqual(dueReminders(rules, expiresAt, before(552), ['720h']), { due: ['720h@1'], nextAt: before(384) });
  });

  it('returns every passed unsent threshold at once (after downtime, or a grant shorter than before)', () => {
    assert.deepEqual(dueReminders(rules, expiresAt, before(100), ['720h']), { due: ['720h@1', '720h@2', '720h@3'], nextAt: before(48) });
    assert.deepEqual(dueReminders(rules, expiresAt, before(1), []), { due: ['720h', '720h@1', '720h@2', '720h@3', '720h@4'] });
  });

  it('has nothing due and no next time at or after expiry, or without rules', () => {
    assert.deepEqual(dueReminders(rules, expiresAt, expiresAt, []), { due: [] });
    assert.deepEqual(dueReminders(rules, expiresAt, before(-5), []), { due: [] });
    assert.deepEqual(dueReminders([], expiresAt, before(10), []), { due: [] });
  });

  it('days remaining are whole days, rounded down, never negative', () => {
    assert.equal(daysRemaining(expiresAt, before(720)), 30);
    assert.equal(daysRemaining(expiresAt, before(47)), 1);
    assert.equal(daysRemaining(expiresAt, before(23)), 0);
    assert.equal(daysRemaining(expiresAt, before(-1)), 0);
  });
});

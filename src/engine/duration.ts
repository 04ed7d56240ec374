// Durations as Kubernetes writes them (Go's time.ParseDuration): "72h", "1h30m", "1.5h", "500ms".
const MILLISECONDS_PER_UNIT: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** The longest duration accepted anywhere (timeouts, grant validity, reminders): 87600h, 10 years. */
export const MAX_DURATION_MS = 87_600 * 3_600_000;

function invalid(text: string, why: string): Error {
  return new Error(`invalid duration ${JSON.stringify(text)}: ${why} (use e.g. "72h", "1h30m", "500ms"; units h, m, s, ms, us, ns)`);
}

/** Milliseconds in `text`. Throws on anything Go would refuse, and on negative durations. */
export function parseDuration(text: string): number {
  const body = text.trim().replace(/^\+/, '');
  if (body.startsWith('-')) throw invalid(text, 'negative durations are not allowed');
  if (body === '0') return 0;
  if (body === '') throw invalid(text, 'it is empty');
  // One number followed by its unit, matched from exactly where the previous one ended.
  const part = /(\d+(?:\.\d*)?|\.\d+)([a-zµμ]*)/y;
  let total = 0;
  while (part.lastIndex < body.length) {
    const start = part.lastIndex;
    const match = part.exec(body);
    if (!match) throw invalid(text, `unexpected ${JSON.stringify(body.slice(start))}`);
    const [, number = '', unit = ''] = match;
    if (unit === '') throw invalid(text, `missing unit after ${number}`);
    const factor = MILLISECONDS_PER_UNIT[unit];
    if (factor === undefined) throw invalid(text, `unknown unit ${JSON.stringify(unit)}`);
    total += Number(number) * factor;
  }
  if (!Number.isFinite(total) || total > MAX_DURATION_MS) throw invalid(text, 'it is longer than 87600h (10 years)');
  // Rounded to whole nanoseconds so that "1.1h" does not carry binary-fraction noise.
  return Math.round(total * 1e6) / 1e6;
}

/**
 * Milliseconds in `text`, or undefined when there is no text or it is not a valid duration. For
 * stored objects written before the schema bounded durations: their invalid value is ignored
 * rather than retried forever.
 */
export function durationOrUndefined(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

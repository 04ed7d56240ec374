// A tiny reader of the Prometheus text format (what prom-client serves on /metrics).

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export type Samples = Sample[];

export function parseMetrics(text: string): Samples {
  const samples: Samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels match `labels` (a predicate per label, or a value). */
export function sum(samples: Samples, name: string, labels: Record<string, string | ((value: string) => boolean)> = {}): number {
  let total = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    const matches = Object.entries(labels).every(([key, want]) => {
      const have = sample.labels[key] ?? '';
      return typeof want === 'function' ? want(have) : have === want;
    });
    if (matches) total += sample.value;
  }
  return total;
}

/** approval_operator_api_requests_total summed by verb (all codes). */
export function apiRequestsByVerb(samples: Samples): Record<string, number> {
  const byVerb: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name !== 'approval_operator_api_requests_total') continue;
    const verb = sample.labels.verb ?? '?';
    byVerb[verb] = (byVerb[verb] ?? 0) + sample.value;
  }
  return byVerb;
}

/** Non-GET requests (writes, plus the review POSTs that store nothing) by verb. */
export function nonGetRequests(samples: Samples): number {
  return Object.entries(apiRequestsByVerb(samples))
    .filter(([verb]) => verb !== 'GET')
    .reduce((total, [, n]) => total + n, 0);
}

/** Reconciles finished, per controller. */
export function reconciles(samples: Samples, controller: string): number {
  return sum(samples, 'approval_operator_reconcile_total', { controller });
}

/** The difference of two counter readings, by verb. */
export function diffByVerb(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const verb of new Set([...Object.keys(after), ...Object.keys(before)])) {
    const delta = (after[verb] ?? 0) - (before[verb] ?? 0);
    if (delta !== 0) out[verb] = delta;
  }
  return out;
}

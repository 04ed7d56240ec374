// The operator's V8 flags as the Helm chart sets them (values.yaml `nodeOptions`), for a process
// that runs outside a container. In a pod, `--max-old-space-size-percentage` takes its share of the
// container's memory limit; here there is no limit (V8 would take its share of the whole machine),
// so the flag is replaced by the size it gives under `memoryLimitMiB` (default: the chart's
// resources.limits.memory).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { repoRoot } from '../../hack/control-plane.ts';

interface ChartValues {
  nodeOptions?: string;
  resources?: { limits?: { memory?: string } };
}

const chartValues = (): ChartValues => parseYaml(readFileSync(join(repoRoot, 'charts', 'approval-operator', 'values.yaml'), 'utf8')) as ChartValues;

/** A Kubernetes memory quantity in MiB (Mi, Gi, M, G or bytes). */
export function quantityMiB(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(quantity.trim());
  if (!match) throw new Error(`not a memory quantity: ${quantity}`);
  const factor: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, K: 1000 / 2 ** 20, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20 };
  return Number(match[1]) * (match[2] ? factor[match[2]]! : 1 / 2 ** 20);
}

/** The chart's default memory limit in MiB. */
export function chartMemoryLimitMiB(): number {
  const limit = chartValues().resources?.limits?.memory;
  if (!limit) throw new Error('the chart sets no resources.limits.memory');
  return quantityMiB(limit);
}

/** The chart's nodeOptions with the heap's share of `memoryLimitMiB` made absolute. */
export function chartNodeOptions(memoryLimitMiB = chartMemoryLimitMiB()): string {
  const options = chartValues().nodeOptions ?? '';
  return options.replace(/--max-old-space-size-percentage=(\d+(?:\.\d+)?)/, (_, percent: string) => `--max-old-space-size=${Math.floor((Number(percent) / 100) * memoryLimitMiB)}`);
}

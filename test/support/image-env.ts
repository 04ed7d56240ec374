// The operator's process environment as the image and the Helm chart set it, for a process that
// runs outside a container (the bench, memory tests): NODE_OPTIONS from the chart's `nodeOptions`
// (chart-heap.ts) and jemalloc preloaded as the Dockerfile preloads it. Without jemalloc on this
// machine (Debian: apt-get install libjemalloc2) the process runs on glibc's malloc and its RSS
// is higher than the image's; `jemallocPath` says which it is.
import { existsSync } from 'node:fs';
import { chartNodeOptions } from './chart-heap.ts';

const CANDIDATES = ['/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2', '/usr/lib64/libjemalloc.so.2', '/usr/local/lib/libjemalloc.so.2'];

/** This machine's libjemalloc.so.2, or undefined when it has none. */
export const jemallocPath = (): string | undefined => CANDIDATES.find((path) => existsSync(path));

/** NODE_OPTIONS (the chart's, or `nodeOptions`) and LD_PRELOAD (jemalloc, when this machine has it). */
export function operatorEnv(nodeOptions = chartNodeOptions()): Record<string, string> {
  const jemalloc = jemallocPath();
  return { NODE_OPTIONS: nodeOptions, ...(jemalloc ? { LD_PRELOAD: jemalloc } : {}) };
}

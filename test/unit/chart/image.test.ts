// The Dockerfile's contract, checked as text: what the chart and the operator rely on must hold.
// (`make image` builds it without Docker, and `make test-e2e` runs the result in a real pod.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../../hack/control-plane.ts';

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
const stages = instructions.reduce<string[][]>((all, line) => {
  if (line.startsWith('FROM ')) all.push([line]);
  else all.at(-1)?.push(line);
  return all;
}, []);
const finalStage = stages.at(-1) ?? [];

describe('Dockerfile', () => {
  it('is multi-stage on node 24 (the pinned Node of the Makefile)', () => {
    assert.ok(stages.length >= 2);
    const nodeVersion = /ARG NODE_VERSION=(\S+)/.exec(dockerfile)?.[1];
    const makefile = readFileSync(join(repoRoot, 'Makefile'), 'utf8');
    assert.equal(nodeVersion, /NODE_VERSION \?= (\S+)/.exec(makefile)?.[1]);
    assert.match(nodeVersion ?? '', /^24\./);
    for (const stage of stages) assert.match(stage[0]!, /^FROM node:\$\{NODE_VERSION\}-(bookworm-slim|alpine)\b/);
  });

  it('builds with npm ci + npm run build and ships production dependencies only', () => {
    assert.ok(instructions.some((line) => /npm ci\b(?!.*--omit=dev)/.test(line)), 'a build stage runs npm ci');
    assert.ok(instructions.some((line) => /npm run build/.test(line)));
    assert.ok(instructions.some((line) => /npm ci .*--omit=dev/.test(line)));
    const copies = finalStage.filter((line) => line.startsWith('COPY'));
    const sources = copies.map((line) => line.split(/\s+/).slice(-2, -1)[0]);
    assert.deepEqual(sources.sort(), ['/app/config/crd', '/app/dist', '/app/node_modules', '/app/package.json']);
    assert.ok(copies.every((line) => line.includes('--from=')), 'the runtime stage copies only from the build stages');
  });

  it('runs node dist/main.js as user 65532, like the chart', () => {
    assert.ok(finalStage.includes('USER 65532:65532'));
    assert.ok(finalStage.includes('ENTRYPOINT ["node", "dist/main.js"]'));
    const values = readFileSync(join(repoRoot, 'charts', 'approval-operator', 'templates', 'deployment.yaml'), 'utf8');
    assert.match(values, /runAsUser: 65532/);
  });

  it('has a .dockerignore that keeps the context to the sources the build needs', () => {
    const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    assert.equal(ignore[0], '*', 'an allow-list');
    assert.deepEqual(ignore.slice(1).sort(), ['!config/crd/', '!package-lock.json', '!package.json', '!src/', '!tsconfig.build.json', '!tsconfig.json']);
    // Everything the build stage copies is allowed in.
    for (const line of stages[0]!.filter((l) => l.startsWith('COPY '))) {
      for (const source of line.split(/\s+/).slice(1, -1)) {
        assert.ok(ignore.some((entry) => entry.replace(/^!/, '').replace(/\/$/, '') === source.replace(/\/$/, '')), `${source} is in the build context`);
      }
    }
  });
});

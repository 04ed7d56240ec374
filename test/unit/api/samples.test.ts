// Every manifest in config/samples is checked against the CRD schemas (the same ones the API
// server uses): the scenario samples are valid, the ones in invalid/ fail naming their field.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { validateManifest } from '../../../src/api/validation.ts';

const samples = join(import.meta.dirname, '..', '..', '..', 'config', 'samples');
const documents = (file: string) => parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as unknown).filter(Boolean);

describe('config/samples', () => {
  for (const file of readdirSync(samples).filter((f) => f.startsWith('scenario-') && f.endsWith('.yaml'))) {
    it(`${file} is valid against the CRD schemas`, () => {
      for (const manifest of documents(join(samples, file))) {
        const result = validateManifest(manifest);
        assert.deepEqual(result.errors, [], `${file}: ${result.errors.join('; ')}`);
      }
    });
  }

  const expectations: Record<string, RegExp> = {
    'missing-requester-team.yaml': /spec\.requester.*teamName/,
    'unknown-strategy.yaml': /spec\.strategy/,
    'bad-timeout.yaml': /spec\.timeout/,
  };
  for (const [file, field] of Object.entries(expectations)) {
    it(`invalid/${file} is refused, naming the field`, () => {
      const [manifest] = documents(join(samples, 'invalid', file));
      const result = validateManifest(manifest);
      assert.equal(result.valid, false);
      assert.match(result.errors.join('\n'), field);
    });
  }
});

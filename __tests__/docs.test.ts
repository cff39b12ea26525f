/**
 * The README's reference tables match action.yml and the engine (scripts/docs.ts generates them),
 * and the descriptions name every command.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MANIFEST_FILE, readmeVersions, ROOT, type Manifest } from '../scripts/docs.js';

describe('README reference tables', () => {
  it('match action.yml and the engine (npm run docs rewrites them)', async () => {
    const { current, expected } = await readmeVersions();
    expect(current).toBe(expected);
  });

  it('name every command in the descriptions', () => {
    const manifest = parse(readFileSync(MANIFEST_FILE, 'utf8')) as Manifest & {
      description: string;
    };
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      description: string;
    };
    for (const text of [
      manifest.description,
      manifest.inputs.command?.description ?? '',
      pkg.description,
    ]) {
      for (const command of ['save', 'scan', 'restore']) expect(text).toContain(command);
    }
  });
});

/**
 * scripts/release-notes.sh gives the release workflow CHANGELOG.md's section of a version as the
 * GitHub Release's notes, and fails the release before any tag when there is none.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve(import.meta.dirname, '..', 'scripts', 'release-notes.sh');

function notes(
  version: string,
  changelog?: string,
): { status: number | null; out: string; err: string } {
  const run = spawnSync('bash', [SCRIPT, version, ...(changelog ? [changelog] : [])], {
    encoding: 'utf8',
  });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function changelog(text: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rekkord-hooks-notes-'));
  made.push(dir);
  const file = path.join(dir, 'CHANGELOG.md');
  writeFileSync(file, text);
  return file;
}

describe('scripts/release-notes.sh', () => {
  it("prints the repository's notes of the version package.json names", () => {
    const run = notes('1.0.0');
    expect(run.status).toBe(0);
    expect(run.out).toContain('First release.');
    expect(run.out).not.toMatch(/^## /m);
  });

  it('takes a dated heading, and no other version that starts the same', () => {
    const file = changelog(
      '# Changelog\n\n## [Unreleased]\n\n- next\n\n## [1.0.10] - 2027-01-02\n\n- ten\n\n## [1.0.1] - 2026-12-01\n\n### Fixed\n\n- one\n\n## [1.0.0]\n\n- zero\n',
    );
    expect(notes('1.0.1', file)).toMatchObject({ status: 0, out: '### Fixed\n\n- one\n' });
    expect(notes('1.0.10', file).out).toBe('- ten\n');
  });

  it('fails, saying so, when the version has no section or an empty one', () => {
    const file = changelog(
      '# Changelog\n\n## [Unreleased]\n\n- next\n\n## [1.1.0]\n\n## [1.0.0]\n\n- zero\n',
    );
    for (const version of ['1.1.0', '2.0.0']) {
      const run = notes(version, file);
      expect(run.status).toBe(1);
      expect(run.err).toContain(`has no notes under '## [${version}]'`);
    }
  });
});

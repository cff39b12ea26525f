/**
 * The batteries: each script's header is complete and names the script, every one is
 * shellcheck-clean, and the action's table of them (src/plan/batteries.ts) agrees with the
 * headers. The README's tables are checked with the others (__tests__/docs.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BATTERIES_DIR, readBatteries } from '../../scripts/batteries-doc.js';
import { BATTERY_TABLE } from '../../src/plan/batteries.js';
import { ROOT } from '../harness/local-runner.js';
import { cli } from '../helpers/cli.js';
import { backupWorkspace } from '../helpers/fixtures.js';
import { requireTool } from '../harness/servers.js';

describe('batteries', () => {
  it('each has a header naming it, a phase, what it does, and is executable', () => {
    const names = readdirSync(BATTERIES_DIR).sort();
    expect(readBatteries().map((b) => b.name)).toEqual(names);
    for (const name of names) {
      expect(statSync(path.join(BATTERIES_DIR, name)).mode & 0o111, name).toBe(0o111);
    }
  });

  it('are shellcheck-clean', () => {
    requireTool('shellcheck', 'shellcheck');
    const files = readdirSync(BATTERIES_DIR).map((n) => path.join(BATTERIES_DIR, n));
    const res = spawnSync('shellcheck', files, { encoding: 'utf8' });
    expect(res.stdout).toBe('');
    expect(res.status).toBe(0);
  });

  it('pass validate, linked into [Hooks] folders and as a hooks-dir', () => {
    // A scratch workspace and a clean environment: no config or hook of the machine's is read.
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre', PostSaveDirectory: 'post' });
    const folders: Record<string, string> = { 'save pre': 'pre', 'save post': 'post' };
    const names: string[] = [];
    for (const b of readBatteries()) {
      const folder = folders[b.phase];
      if (!folder) continue;
      symlinkSync(path.join(BATTERIES_DIR, b.name), path.join(ws, folder, b.name));
      names.push(b.name);
    }
    expect(names.length).toBeGreaterThan(0);
    const config = path.join(ws, '.config');
    mkdirSync(config);
    const run = cli(
      ws,
      ['validate', '--no-timestamps', '-C', 'rekkord.ini', '--hooks-dir', BATTERIES_DIR],
      { XDG_CONFIG_HOME: config },
    );
    expect(run.stdout).toContain(`pre-save (${BATTERIES_DIR} and ${path.join(ws, 'pre')}):`);
    expect(run.stdout).toContain(`post-save (${path.join(ws, 'post')} and ${BATTERIES_DIR}):`);
    // Each linked battery is listed as a hook of its folder, without the hooks-dir's arguments.
    for (const name of names) expect(run.stdout).toMatch(new RegExp(`^ +\\d+\\. ✔ ${name}$`, 'm'));
    expect(run.stdout).toContain('Every hook passed validation');
    expect(run.code).toBe(0);
  });

  it('ship executable in the package', () => {
    const res = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(res.status).toBe(0);
    const [pack] = JSON.parse(res.stdout) as [{ files: { path: string; mode: number }[] }];
    const shipped = pack.files.filter((f) => f.path.startsWith('batteries/'));
    expect(shipped.map((f) => path.basename(f.path)).sort()).toEqual(
      readdirSync(BATTERIES_DIR).sort(),
    );
    for (const f of shipped) expect(f.mode & 0o111, f.path).toBe(0o111);
  });

  it('run in the phase their header names, in the order of the source table', () => {
    const header = Object.fromEntries(readBatteries().map((b) => [b.name, b.phase]));
    expect(BATTERY_TABLE.map((b) => b.name).sort()).toEqual(Object.keys(header).sort());
    for (const b of BATTERY_TABLE) {
      const [stage, command] = b.phase.split('-');
      expect(header[b.name], b.name).toBe(`${command ?? ''} ${stage ?? ''}`);
    }
  });
});

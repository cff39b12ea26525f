/** A TKLBAM-style hooks.d folder and restore drills, through the bundled action. */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runAction, STAND_IN, type ActionRun } from './harness/local-runner.js';
import { backupWorkspace, logHook, readLines, writeFile, writeHook } from './helpers/fixtures.js';

/** A hooks.d hook that logs its arguments and SUCCESS. */
function argsHook(dir: string, name: string, exit = 0): void {
  writeHook(
    dir,
    name,
    `echo "hooks.d/${name} $1 $2 SUCCESS=\${SUCCESS-unset}" >> "$HOOK_LOG"\nexit ${exit}`,
  );
}

function run(
  ws: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<ActionRun> {
  return runAction({
    workspace: ws,
    inputs: { config: 'rekkord.ini', rekkord: STAND_IN, ...inputs },
    env: { HOOK_LOG: path.join(ws, 'hooks.log'), ...env },
  });
}

const save = { command: 'save', channel: 'nightly', paths: 'data' };
const errors = (r: ActionRun) => r.annotations.filter((a) => a.command === 'error');

describe('hooks-dir', () => {
  it('wraps the [Hooks] folders: first in a pre phase, last in a post phase, with OPERATION STATE', async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre', PostSaveDirectory: 'post' });
    argsHook(path.join(ws, 'hooks.d'), '10-clock');
    argsHook(path.join(ws, 'hooks.d'), '20-mount');
    logHook(path.join(ws, 'pre'), 'dump');
    logHook(path.join(ws, 'post'), 'notify');
    const result = await run(ws, { ...save, 'hooks-dir': 'hooks.d' });
    expect(result.exitCode).toBe(0);
    expect(readLines(path.join(ws, 'hooks.log')).map((l) => l.replace(/ OID=.*/, ''))).toEqual([
      'hooks.d/10-clock backup pre SUCCESS=unset',
      'hooks.d/20-mount backup pre SUCCESS=unset',
      'save-pre/dump SUCCESS=unset',
      'save-post/notify SUCCESS=1',
      'hooks.d/10-clock backup post SUCCESS=1',
      'hooks.d/20-mount backup post SUCCESS=1',
    ]);
    expect(result.commands.filter((c) => c.command === 'group').map((c) => c.message)).toContain(
      'pre-save › 10-clock backup pre',
    );
  });

  it('runs every hook of a phase across both folders after a failure, and SUCCESS=0 follows it', async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre', PostSaveDirectory: 'post' });
    argsHook(path.join(ws, 'hooks.d'), 'clock', 1);
    logHook(path.join(ws, 'pre'), 'dump');
    logHook(path.join(ws, 'post'), 'notify', 3);
    const result = await run(ws, { ...save, 'hooks-dir': 'hooks.d' });
    expect(result.exitCode).toBe(1);
    expect(readLines(path.join(ws, 'hooks.log')).map((l) => l.replace(/ OID=.*/, ''))).toEqual([
      'hooks.d/clock backup pre SUCCESS=unset',
      'save-pre/dump SUCCESS=unset',
      'save-post/notify SUCCESS=0',
      'hooks.d/clock backup post SUCCESS=0',
    ]);
    expect(errors(result).map((e) => e.properties.title ?? '')).toEqual([
      'pre-save hook clock failed (exit code 1)',
      'post-save hook notify failed (exit code 3)',
      'post-save hook clock failed (exit code 1)',
      '',
    ]);
  });

  it('runs around scan too, and alone when the config names no folder', async () => {
    const { ws } = backupWorkspace();
    argsHook(path.join(ws, 'hooks.d'), 'only');
    const result = await run(ws, { command: 'scan', 'hooks-dir': 'hooks.d' });
    expect(result.exitCode).toBe(0);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
      'hooks.d/only scan pre SUCCESS=unset',
      'hooks.d/only scan post SUCCESS=1',
    ]);
  });

  it('stops before anything runs when the folder does not exist', async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre' });
    logHook(path.join(ws, 'pre'), 'dump');
    const result = await run(ws, { ...save, 'hooks-dir': 'no-such-hooks.d' });
    expect(result.exitCode).toBe(1);
    expect(errors(result)[0]?.message).toBe(
      `Input 'hooks-dir': the hook directory ${path.join(ws, 'no-such-hooks.d')} does not exist`,
    );
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);
  });

  it('the fixclock example syncs the clock before save and restore only', async () => {
    const { ws } = backupWorkspace();
    cpSync(path.join(ROOT, 'examples', 'hooks.d'), path.join(ws, 'hooks.d'), { recursive: true });
    // A stand-in ntpdate on PATH records how it was called.
    writeHook(
      path.join(ws, 'bin'),
      'ntpdate',
      `echo "ntpdate $*" >> "${path.join(ws, 'ntp.log')}"`,
    );
    const env = {
      PATH: `${path.join(ws, 'bin')}:/usr/bin:/bin`,
      NTPSERVER: 'ntp.example.internal',
    };
    expect((await run(ws, { ...save, 'hooks-dir': 'hooks.d' }, env)).exitCode).toBe(0);
    expect((await run(ws, { command: 'scan', 'hooks-dir': 'hooks.d' }, env)).exitCode).toBe(0);
    const restore = await run(
      ws,
      { command: 'restore', snapshot: 'nightly', destination: 'out', 'hooks-dir': 'hooks.d' },
      env,
    );
    expect(restore.exitCode).toBe(0);
    expect(readLines(path.join(ws, 'ntp.log'))).toEqual([
      'ntpdate -u ntp.example.internal',
      'ntpdate -u ntp.example.internal',
    ]);
    expect(restore.stdout).toContain('fixclock: clock synchronized with ntp.example.internal');
  });

  it('fixclock reports a failed sync without stopping the backup', async () => {
    const { ws } = backupWorkspace();
    cpSync(path.join(ROOT, 'examples', 'hooks.d'), path.join(ws, 'hooks.d'), { recursive: true });
    writeHook(path.join(ws, 'bin'), 'ntpdate', 'echo "no server suitable" >&2; exit 1');
    const result = await run(
      ws,
      { ...save, 'hooks-dir': 'hooks.d' },
      { PATH: `${path.join(ws, 'bin')}:/usr/bin:/bin` },
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Unfortunately, something went wrong');
  });
});

describe("TKLBAM's hooks.d, as TKLBAM runs it", () => {
  /**
   * A hooks.d as TKLBAM ships it: the seed's fixclock hook, its logic unchanged (it takes exactly
   * two arguments and acts on `backup pre` and `restore pre`), a signature beside it, and a
   * disabled example and a README, which TKLBAM skips since they are not executable.
   */
  function tklbamFolder(ws: string): string {
    const dir = path.join(ws, 'hooks.d');
    writeFile(
      path.join(dir, 'fixclock'),
      [
        '#!/usr/bin/env python3',
        'import os',
        'import sys',
        '',
        'def fixclock():',
        "    with open(os.environ['HOOK_LOG'], 'a') as log:",
        "        log.write('fixclock %s\\n' % ' '.join(sys.argv[1:]))",
        '',
        'def main():',
        '    op, state = sys.argv[1:]',
        '',
        "    if op in ('restore', 'backup') and state == 'pre':",
        '        fixclock()',
        '',
        "if __name__ == '__main__':",
        '    main()',
        '',
      ].join('\n'),
      0o755,
    );
    writeFile(path.join(dir, 'fixclock.sig'), 'signature\n', 0o755);
    writeHook(dir, 'example', 'exit 1', 0o644);
    writeFile(path.join(dir, 'README'), 'Only executable hooks are executed.\n');
    return dir;
  }

  it('a save is a backup: fixclock acts on backup pre; what TKLBAM skips is listed as skipped', async () => {
    const { ws } = backupWorkspace();
    tklbamFolder(ws);
    const saved = await run(ws, { ...save, 'hooks-dir': 'hooks.d' });
    expect(saved.exitCode).toBe(0);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual(['fixclock backup pre']);
    expect(saved.stdout).toContain(
      'pre-save: 1 hook(s) in ' +
        path.join(ws, 'hooks.d') +
        '; skipped: README (not executable (mode 0644)), example (not executable (mode 0644); it has a #! line: chmod +x it to run it), fixclock.sig (signature file)',
    );
    expect(saved.summary).toContain(
      'Skipped entries: <code>pre-save/README</code> (not executable (mode 0644))',
    );
    expect(saved.summary).toContain('<code>post-save/fixclock.sig</code> (signature file)');
    expect(errors(saved)).toEqual([]);
  }, 90_000);

  it("a restore is a restore, and scan (the action's own) is not acted on", async () => {
    const { ws } = backupWorkspace();
    tklbamFolder(ws);
    expect((await run(ws, { ...save, 'hooks-dir': 'hooks.d' })).exitCode).toBe(0);
    const restored = await run(ws, {
      command: 'restore',
      snapshot: 'nightly',
      destination: 'out',
      'hooks-dir': 'hooks.d',
    });
    expect(restored.exitCode).toBe(0);
    const scanned = await run(ws, { command: 'scan', 'hooks-dir': 'hooks.d' });
    expect(scanned.exitCode).toBe(0);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
      'fixclock backup pre',
      'fixclock restore pre',
    ]);
  }, 90_000);

  it('the command line runs it the same way', () => {
    const { ws } = backupWorkspace();
    tklbamFolder(ws);
    const cli = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'dist', 'cli', 'index.js'),
        'save',
        ...['-C', 'rekkord.ini', '--rekkord', STAND_IN, '--hooks-dir', 'hooks.d'],
        ...['--channel', 'nightly', 'data'],
      ],
      {
        cwd: ws,
        env: {
          PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
          HOME: ws,
          HOOK_LOG: path.join(ws, 'hooks.log'),
        },
        encoding: 'utf8',
      },
    );
    expect(cli.status).toBe(0);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual(['fixclock backup pre']);
    expect(cli.stdout).toContain('example (not executable (mode 0644); it has a #! line');
  });

  it('validate notes the skipped files, advising chmod +x only for the one with #!', async () => {
    const { ws } = backupWorkspace();
    tklbamFolder(ws);
    const result = await run(ws, { command: 'validate', 'hooks-dir': 'hooks.d' });
    expect(result.exitCode).toBe(0);
    expect(result.annotations.filter((a) => a.command === 'error')).toEqual([]);
    expect(result.summary).toContain(
      '<code>pre-save/README</code> (not executable (mode 0644)), <code>pre-save/example</code> (not executable (mode 0644); it has a #! line: chmod +x it to run it)',
    );
    expect(result.summary).toContain('| pre-save | 1 | <code>fixclock</code> | backup pre |');
  });
});

describe('validate on a hooks-dir folder', () => {
  it("does not hold it to Rekkord's shell rules: only the action runs it, with its arguments", async () => {
    const { ws } = backupWorkspace();
    argsHook(path.join(ws, 'my hooks.d'), '10 clock');
    writeFile(path.join(ws, 'my hooks.d', '.gitkeep'), '');
    const result = await run(ws, {
      command: 'validate',
      rekkord: 'rekkord-is-not-needed',
      'hooks-dir': 'my hooks.d',
    });
    expect(result.exitCode).toBe(0);
    expect(result.annotations).toEqual([]);
    expect(result.summary).toContain(
      '| pre-save | 1 | <code>10 clock</code> | backup pre | ✅ |  |',
    );
  });
});

describe('restore', () => {
  /** A workspace with one saved snapshot of `data/dump.sql` in channel `db`. */
  async function savedDump(sql: string) {
    const ctx = backupWorkspace();
    writeFile(path.join(ctx.ws, 'data', 'dump.sql'), sql);
    const saved = await run(ctx.ws, { command: 'save', channel: 'db', paths: 'data' });
    expect(saved.exitCode).toBe(0);
    // A drill hook: it checks the restored dump after the restore (examples/restore-drill has
    // the PostgreSQL battery, tested against a real server in __tests__/batteries/).
    writeHook(
      path.join(ctx.ws, 'drill.d'),
      '50-check-dump',
      [
        '[ "$1 $2" = "restore post" ] || exit 0',
        '[ "$SUCCESS" = 1 ] || { echo "restore failed: nothing to check"; exit 0; }',
        'rows=$(grep -c "^INSERT INTO notes" "$REKKORD_HOOK_DESTINATION/data/dump.sql")',
        'echo "dump.sql: $rows rows"',
        '[ "$rows" -gt 0 ] || { echo "the check found nothing"; exit 1; }',
      ].join('\n'),
    );
    return { ...ctx, oid: saved.outputs.oid ?? '' };
  }

  it('restores the latest snapshot of a channel between restore pre and post hooks: a restore drill', async () => {
    const { ws } = await savedDump('CREATE TABLE notes (id int);\nINSERT INTO notes VALUES (1);\n');
    argsHook(path.join(ws, 'drill.d'), '10-log');
    const result = await run(ws, {
      command: 'restore',
      snapshot: 'db',
      destination: 'restored',
      'hooks-dir': 'drill.d',
    });
    expect(result.exitCode).toBe(0);
    expect(readFileSync(path.join(ws, 'restored', 'data', 'dump.sql'), 'utf8')).toContain(
      'INSERT INTO notes',
    );
    expect(result.stdout).toContain('dump.sql: 1 rows');
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
      'hooks.d/10-log restore pre SUCCESS=unset',
      'hooks.d/10-log restore post SUCCESS=1',
    ]);
    expect(
      result.commands.find((c) => c.command === 'group' && c.message.startsWith('rekkord restore'))
        ?.message,
    ).toMatch(/^rekkord restore -C \S+\/rekkord\.ini db restored$/);
    expect(result.summary).toContain('| rekkord | <code>rekkord restore</code> | ✅ success | 0 |');
  });

  it('restores by OID, and a drill that finds an empty dump fails the step', async () => {
    const { ws, oid } = await savedDump('CREATE TABLE notes (id int);\n');
    const result = await run(ws, {
      command: 'restore',
      snapshot: oid,
      destination: 'restored',
      'hooks-dir': 'drill.d',
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('the check found nothing');
    expect(errors(result)[0]?.properties.title).toBe(
      'post-restore hook 50-check-dump failed (exit code 1)',
    );
  });

  it('a snapshot Rekkord cannot find fails the step and post hooks get SUCCESS=0', async () => {
    const { ws } = await savedDump('CREATE TABLE notes (id int);\n');
    argsHook(path.join(ws, 'drill.d'), '10-log');
    const result = await run(ws, {
      command: 'restore',
      snapshot: 'no-such-channel',
      destination: 'restored',
      'hooks-dir': 'drill.d',
    });
    expect(result.exitCode).toBe(1);
    expect(errors(result)[0]?.message).toContain("Cannot find snapshot 'no-such-channel'");
    expect(readLines(path.join(ws, 'hooks.log')).at(-1)).toBe(
      'hooks.d/10-log restore post SUCCESS=0',
    );
  });

  it.each([
    [{ destination: 'restored' }, "Input 'snapshot' is required for restore"],
    [{ snapshot: 'db' }, "Input 'destination' is required for restore"],
    [
      { snapshot: 'db', destination: 'data' },
      'is not empty: Rekkord would refuse to restore into it',
    ],
    [{ snapshot: 'db', destination: 'data/dump.sql' }, 'exists and is not a folder'],
  ])('rejects %j before any hook runs', async (inputs, message) => {
    const { ws } = await savedDump('x');
    argsHook(path.join(ws, 'drill.d'), '10-log');
    const result = await run(ws, { command: 'restore', 'hooks-dir': 'drill.d', ...inputs });
    expect(result.exitCode).toBe(1);
    expect(errors(result)).toHaveLength(1);
    expect(errors(result)[0]?.message).toContain(message);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);
  });

  it('restores into a folder with files when args has --force', async () => {
    const { ws } = await savedDump('CREATE TABLE notes (id int);\nINSERT INTO notes VALUES (1);\n');
    mkdirSync(path.join(ws, 'restored'));
    writeFile(path.join(ws, 'restored', 'old.txt'), 'old');
    const result = await run(ws, {
      command: 'restore',
      snapshot: 'db',
      destination: 'restored',
      args: '--force',
    });
    expect(result.exitCode).toBe(0);
    expect(existsSync(path.join(ws, 'restored', 'data', 'dump.sql'))).toBe(true);
  });
});

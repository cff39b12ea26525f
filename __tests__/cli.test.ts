/** The command line (dist/cli/index.js): the same engine, plain text, the same exit codes. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, STAND_IN } from '../scripts/local-runner.js';
import { backupWorkspace, logHook, readLines } from './helpers/fixtures.js';
import { brokenRepository } from './helpers/broken-repository.js';

const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: cwd, ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('rekkord-hooks', () => {
  it('save: the same hooks, in the same order, with a readable report and exit 0', () => {
    const { ws, log } = backupWorkspace({ PreSaveDirectory: 'pre', PostSaveDirectory: 'post' });
    logHook(path.join(ws, 'pre'), 'dump');
    logHook(path.join(ws, 'post'), 'notify');
    const run = cli(
      ws,
      ['save', '-C', 'rekkord.ini', '--rekkord', STAND_IN, '--channel', 'nightly', 'data'],
      {
        HOOK_LOG: log,
      },
    );
    expect(run.code).toBe(0);
    const oid = /snapshot (M[0-9A-F]{64})/.exec(run.stdout)?.[1] ?? '';
    expect(readLines(log)).toEqual([
      'save-pre/dump SUCCESS=unset OID=unset',
      `save-post/notify SUCCESS=1 OID=${oid}`,
    ]);
    expect(run.stdout).toContain('── pre-save › dump');
    expect(run.stdout).toMatch(/^PHASE +HOOK +OUTCOME +EXIT +DURATION$/m);
    expect(run.stdout).toMatch(/^rekkord +rekkord save +success +0 /m);
    expect(run.stdout).toContain(`✔ rekkord save with hooks succeeded: snapshot ${oid}`);
    // No workflow commands outside Actions.
    expect(run.stdout).not.toContain('::');
  });

  it('a failing hook: exit 1 and the same failure message as the action', () => {
    const { ws, log } = backupWorkspace({ PreSaveDirectory: 'pre' });
    logHook(path.join(ws, 'pre'), 'dump', 2);
    const run = cli(
      ws,
      ['save', '--config', 'rekkord.ini', '--rekkord', STAND_IN, '--channel', 'n', 'data'],
      { HOOK_LOG: log },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      '✘ Rekkord save with hooks failed: 1 of 1 hooks failed; rekkord save did not run',
    );
  });

  it('validate: compiler-style lines for each problem, exit 1', () => {
    const ws = brokenRepository();
    const run = cli(ws, ['validate', '-C', 'rekkord.ini']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      `${path.join(ws, 'hooks/pre-save/40-crlf')}:1: error: The #! line ends with a carriage return`,
    );
    expect(run.stdout).toContain(`${path.join(ws, 'rekkord.ini')}:7: error:`);
    expect(run.stdout).toContain(`${path.join(ws, 'hooks/pre-save/70-no-shebang')}:1: warning:`);
    expect(run.stdout).toContain('  2. ✔ 10-good');
    expect(run.stdout).toContain('✘ Hook validation failed: 7 error(s)');
  });

  it('bad input: exit 1 with the same message as the action, nothing run', () => {
    const { ws, log } = backupWorkspace({ PreSaveDirectory: 'pre' });
    logHook(path.join(ws, 'pre'), 'dump');
    const run = cli(ws, ['save', '-C', 'rekkord.ini', '--rekkord', STAND_IN, 'data'], {
      HOOK_LOG: log,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("rekkord-hooks: Input 'channel' is required");
    expect(readLines(log)).toEqual([]);
  });

  it('usage: --help exits 0; an unknown option or no command exits 2', () => {
    const { ws } = backupWorkspace();
    const help = cli(ws, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: rekkord-hooks');
    const bogus = cli(ws, ['save', '--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain("Unknown option '--bogus'");
    expect(cli(ws, [])).toMatchObject({ code: 2 });
  });
});

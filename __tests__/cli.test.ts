/**
 * The command line (dist/cli/index.js): the same engine, plain text, the same exit codes; and the
 * same plan as the action (Rekkord probed, its version shown first, the repository opened before
 * any hook), checked on both edges.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runAction, STAND_IN } from './harness/local-runner.js';
import {
  actionOptions,
  backupWorkspace,
  logHook,
  readLines,
  writeHook,
} from './helpers/fixtures.js';
import { brokenRepository } from './helpers/broken-repository.js';

const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  // Lines as they are, without the timestamps a pipe would get.
  const result = spawnSync(process.execPath, [CLI, '--no-timestamps', ...args], {
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

  it('bad input: exit 2 with the message in the words of the command line, nothing run', () => {
    const { ws, log } = backupWorkspace({ PreSaveDirectory: 'pre' });
    logHook(path.join(ws, 'pre'), 'dump');
    const run = cli(ws, ['save', '-C', 'rekkord.ini', '--rekkord', STAND_IN, 'data'], {
      HOOK_LOG: log,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('rekkord-hooks: --channel is required');
    expect(readLines(log)).toEqual([]);
  });

  it('usage: --help exits 0; an unknown option or no command exits 2', () => {
    const { ws } = backupWorkspace();
    const help = cli(ws, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: rekkord-hooks');
    const bogus = cli(ws, ['save', '--bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('rekkord-hooks: unknown option --bogus');
    expect(cli(ws, [])).toMatchObject({ code: 2 });
  });
});

/** One line per event, in order: the stand-in's runs (JSON) and the hooks' lines share a file. */
function events(file: string): string[] {
  return readLines(file).map((line) =>
    line.startsWith('{')
      ? `rekkord ${(JSON.parse(line) as { argv: string[] }).argv.join(' ')}`
      : `hook ${line.split(' ')[0] ?? ''}`,
  );
}

interface EdgeRun {
  code: number | null;
  /** What the user reads: the step's log, or the command line's stdout and stderr. */
  text: string;
}

/** The two edges of the engine, each running `save` of `data` in channel `nightly`. */
type Edge = (ws: string, env: Record<string, string>, rekkord?: string) => Promise<EdgeRun>;
const EDGES: Record<string, Edge> = {
  'the action (dist/index.js)': async (ws, env, rekkord = STAND_IN) => {
    const run = await runAction(actionOptions(ws, { channel: 'nightly', rekkord }, env));
    return { code: run.exitCode, text: run.stdout };
  },
  'the command line (dist/cli/index.js)': (ws, env, rekkord = STAND_IN) => {
    const args = ['save', '-C', 'rekkord.ini', '--rekkord', rekkord, '--channel', 'nightly'];
    const run = cli(ws, [...args, 'data'], env);
    return Promise.resolve({ code: run.code, text: run.stdout + run.stderr });
  },
};

describe.each(Object.entries(EDGES))('the same plan on %s', (_, save) => {
  function workspace(): { ws: string; config: string; env: Record<string, string> } {
    const { ws, config } = backupWorkspace({ PreSaveDirectory: 'pre', PostSaveDirectory: 'post' });
    logHook(path.join(ws, 'pre'), 'dump');
    logHook(path.join(ws, 'post'), 'notify');
    const order = path.join(ws, 'order.log');
    return { ws, config, env: { HOOK_LOG: order, REKKORD_STANDIN_LOG: order } };
  }

  it('shows the Rekkord version first, and opens the repository (identify) before any hook', async () => {
    const { ws, config, env } = workspace();
    const run = await save(ws, env);
    expect(run.code).toBe(0);
    expect(run.text.split('\n')[0]).toMatch(/^Rekkord 0\.104\.2 \(stand-in\) at .*rekkord/);
    expect(events(env.HOOK_LOG ?? '')).toEqual([
      `rekkord identify -C ${config}`,
      'hook save-pre/dump',
      `rekkord save -C ${config} --no_hooks nightly data`,
      'hook save-post/notify',
    ]);
  });

  it('a repository that cannot be opened: no hook runs, the error says why, exit 1', async () => {
    const { ws, config, env } = workspace();
    rmSync(path.join(ws, 'repo', 'rekkord.repo'));
    const run = await save(ws, env);
    expect(run.code).toBe(1);
    expect(run.text).toContain(`Cannot open repository '${path.join(ws, 'repo')}'`);
    expect(events(env.HOOK_LOG ?? '')).toEqual([`rekkord identify -C ${config}`]);
  });

  it('a Rekkord that does not answer --version: no hook runs, exit 1', async () => {
    const { ws, env } = workspace();
    const broken = writeHook(ws, 'not-rekkord', 'echo "$0 $*" >> "$HOOK_LOG"\nexit 3');
    const run = await save(ws, env, broken);
    expect(run.code).toBe(1);
    expect(run.text).toContain(broken);
    expect(events(env.HOOK_LOG ?? '')).toEqual([`hook ${broken}`]);
  });
});

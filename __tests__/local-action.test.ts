/**
 * A second, independent harness: GitHub's own `@github/local-action` runs `src/action/main.ts`'s `run()`
 * (through tsx, with its own stand-ins for `@actions/core`, inputs from a dotenv file of `INPUT_*`
 * lines and action.yml's defaults), main step then post step, in one process. So the action is not
 * checked only against this project's imitation of the runner.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, STAND_IN } from './harness/local-runner.js';
import { backupWorkspace, logHook, readLines, standInRuns } from './helpers/fixtures.js';

const LOCAL_ACTION = path.join(
  ROOT,
  'node_modules',
  '@github',
  'local-action',
  'bin',
  'local-action.js',
);

/** The step outputs as local-action's `setOutput` prints them: `::set-output name=<n>::<v>`. */
function outputs(log: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of log.matchAll(/^::set-output name=([^:]+)::(.*)$/gm)) out[m[1] ?? ''] = m[2] ?? '';
  return out;
}

describe('@github/local-action', () => {
  it('runs a save with real hooks and the stand-in, then the post step, with the same outputs', () => {
    const { ws, config } = backupWorkspace({ PreSaveDirectory: 'pre', PostSaveDirectory: 'post' });
    logHook(path.join(ws, 'pre'), '10-dump');
    logHook(path.join(ws, 'post'), '90-start');
    const summary = path.join(ws, 'summary.md');
    writeFileSync(summary, '');
    const dotenv = path.join(ws, '.env');
    // Only the inputs a workflow would give; local-action supplies action.yml's defaults.
    writeFileSync(
      dotenv,
      [
        'INPUT_COMMAND=save',
        'INPUT_CONFIG=rekkord.ini',
        'INPUT_CHANNEL=nightly',
        'INPUT_PATHS=data',
        `INPUT_REKKORD=${STAND_IN}`,
        `GITHUB_WORKSPACE=${ws}`,
        `GITHUB_STEP_SUMMARY=${summary}`,
        `RUNNER_TEMP=${ws}`,
        `HOOK_LOG=${path.join(ws, 'hooks.log')}`,
        `REKKORD_STANDIN_LOG=${path.join(ws, 'rekkord.log')}`,
        '',
      ].join('\n'),
    );
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !/^(INPUT_|STATE_|GITHUB_)/.test(k)) env[k] = v;
    }
    // `local-action run <action dir> <entrypoint> <dotenv>`; it finds tsx through `npm exec`
    // from the action's folder, so it runs there.
    const result = spawnSync(
      process.execPath,
      [LOCAL_ACTION, 'run', ROOT, 'src/action/main.ts', dotenv, '--post', 'src/action/post.ts'],
      {
        cwd: ROOT,
        env: {
          ...env,
          PATH: `${path.dirname(process.execPath)}${path.delimiter}${env.PATH ?? ''}`,
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const log = result.stdout + result.stderr;
    expect(result.status, log).toBe(0);
    expect(log).toContain('Running Action');
    expect(log).not.toMatch(/^::error/m);

    const oid = outputs(log).oid ?? '';
    expect(oid).toMatch(/^M[0-9A-F]{64}$/);
    expect(outputs(log)).toMatchObject({ success: 'true', 'failed-hooks': '0' });
    const hooks = JSON.parse(outputs(log).hooks ?? '[]') as { name: string; outcome: string }[];
    expect(hooks.map((h) => [h.name, h.outcome])).toEqual([
      ['10-dump', 'success'],
      ['90-start', 'success'],
    ]);
    // Each hook once (Rekkord got --no_hooks), after identify opened the repository.
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
      'save-pre/10-dump SUCCESS=unset OID=unset',
      `save-post/90-start SUCCESS=1 OID=${oid}`,
    ]);
    expect(standInRuns(ws, 'identify').map((r) => r.argv)).toEqual([['identify', '-C', config]]);
    expect(standInRuns(ws).map((r) => r.argv)).toEqual([
      ['save', '-C', config, '--no_hooks', 'nightly', 'data'],
    ]);
    expect(readFileSync(summary, 'utf8')).toContain('## Rekkord save ✅ succeeded');
    // The post step read the main step's state and found its work done.
    expect(log).toContain('Running Post Step');
    expect(log).toContain('The main step ran the post hooks: nothing to do.');
  }, 90_000);
});

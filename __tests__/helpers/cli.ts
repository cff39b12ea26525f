/** How the tests run the command line bundle (dist/cli/index.js). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../harness/local-runner.js';

export const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

/** The bundle run in `cwd`, hooks logging to hooks.log and the stand-in to rekkord.log. */
export function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: {
      PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: cwd,
      HOOK_LOG: path.join(cwd, 'hooks.log'),
      REKKORD_STANDIN_LOG: path.join(cwd, 'rekkord.log'),
      ...env,
    },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

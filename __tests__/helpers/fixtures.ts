/** Real files for tests: scratch workspaces, hook scripts and Rekkord configs. */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { STAND_IN, type RunOptions } from '../harness/local-runner.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function scratch(prefix = 'rekkord-hooks-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function writeFile(file: string, text: string, mode = 0o644): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

export function writeHook(dir: string, name: string, body: string, mode = 0o755): string {
  return writeFile(path.join(dir, name), `#!/bin/sh\n${body}\n`, mode);
}

/**
 * A hook that appends one line to $HOOK_LOG, "<phase>/<name> SUCCESS=<value> OID=<value>", then
 * exits with `exit`.
 */
export function logHook(dir: string, name: string, exit = 0): string {
  return writeHook(
    dir,
    name,
    `echo "$REKKORD_HOOK_COMMAND-$REKKORD_HOOK_PHASE/${name} SUCCESS=\${SUCCESS-unset} OID=\${REKKORD_HOOK_OID-unset}" >> "$HOOK_LOG"\necho "${name} ran"\nexit ${exit}`,
  );
}

export function readLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

export interface StandInRun {
  argv: string[];
  config: string;
  mode: string;
  text: string;
}

/** The stand-in's runs logged in `<ws>/rekkord.log`: the Rekkord steps, or only `identify`. */
export function standInRuns(ws: string, which: 'step' | 'identify' = 'step'): StandInRun[] {
  return readLines(path.join(ws, 'rekkord.log'))
    .map((l) => JSON.parse(l) as StandInRun)
    .filter((r) => (r.argv.includes('identify') ? which === 'identify' : which === 'step'));
}

/**
 * A workspace with a stand-in repository, a key, a data folder and a config whose [Hooks] section
 * has `hooks` (folders created) followed by the `extra` lines.
 */
export function backupWorkspace(
  hooks: Record<string, string> = {},
  extra = '',
): { ws: string; config: string; log: string } {
  const ws = scratch();
  writeFile(path.join(ws, 'repo', 'rekkord.repo'), 'stand-in repository\n');
  writeFile(path.join(ws, 'backup.key'), 'key\n');
  writeFile(path.join(ws, 'data', 'file.txt'), 'data\n');
  const lines = ['[Repository]', 'URL = repo', 'KeyFile = backup.key', ''];
  if (Object.keys(hooks).length > 0 || extra !== '') lines.push('[Hooks]');
  for (const [key, dir] of Object.entries(hooks)) {
    lines.push(`${key} = ${dir}`);
    mkdirSync(path.join(ws, dir), { recursive: true });
  }
  const config = writeFile(path.join(ws, 'rekkord.ini'), `${lines.join('\n')}\n${extra}`);
  return { ws, config, log: path.join(ws, 'hooks.log') };
}

/**
 * How the end-to-end tests run the action: a save of `data` in channel `nightly` with the
 * workspace's `rekkord.ini` and the stand-in, hooks logging to `hooks.log` and the stand-in to
 * `rekkord.log`.
 */
export function actionOptions(
  ws: string,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
): RunOptions {
  return {
    workspace: ws,
    inputs: {
      command: 'save',
      config: 'rekkord.ini',
      channel: 'nightly',
      paths: 'data',
      rekkord: STAND_IN,
      ...inputs,
    },
    env: {
      HOOK_LOG: path.join(ws, 'hooks.log'),
      REKKORD_STANDIN_LOG: path.join(ws, 'rekkord.log'),
      ...env,
    },
  };
}

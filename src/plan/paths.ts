/** Path helpers shared by the plan, the Rekkord step and validate. */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** `~` and `~/…` as a shell expands them, with `HOME` from the given environment. */
export function expandHome(
  value: string,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (value === '~' || value.startsWith('~/'))
    return path.join(env.HOME || os.homedir(), value.slice(1));
  return value;
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves a command name as a shell would: a path as is, a bare name through PATH. */
export async function resolveExecutable(
  name: string,
  pathVar: string,
  cwd: string,
): Promise<string | null> {
  if (name.includes('/')) {
    const file = path.resolve(cwd, name);
    return (await isExecutableFile(file)) ? file : null;
  }
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir === '') continue;
    const file = path.resolve(cwd, dir, name);
    if (await isExecutableFile(file)) return file;
  }
  return null;
}

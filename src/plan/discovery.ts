/**
 * Hook discovery: which entries of a hook directory run, in which order, and which are skipped.
 *
 * Names are sorted by their bytes (`10` < `9` < `B` < `_x` < `a`), as a C `strcmp` sorts them.
 * Folders are skipped. In a config's `[Hooks]` folder every other entry is a hook, dotfiles
 * included, at most 1024 of them, as Rekkord lists it (`src/core/base/base.cc`, `EnumerateFiles`
 * skips only `.` and `..`; `lib/config.cc` loads each folder's entries); in a TKLBAM `hooks.d`
 * folder dotfiles are skipped, as `run-parts` does. An entry that cannot be started (not
 * executable, a broken link, not a regular file) still counts, as a failed hook, so that a dump
 * that never ran cannot pass unnoticed.
 */
import { constants } from 'node:fs';
import { access, lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { HookEntry, SkippedEntry } from './types.js';

export interface HookListing {
  hooks: HookEntry[];
  skipped: SkippedEntry[];
}

/** The most entries Rekkord takes from one hook folder (`lib/config.cc`). */
export const MAX_HOOKS_PER_FOLDER = 1024;

export interface ListingRules {
  /** `rekkord`: dotfiles are hooks, at most MAX_HOOKS_PER_FOLDER; `run-parts`: dotfiles skipped. */
  style: 'rekkord' | 'run-parts';
  /** Only these entries, in this order (the batteries), instead of all the folder holds. */
  names?: readonly string[];
}

/** Why a configured hook directory cannot be used, or null when it can. */
export async function directoryProblem(dir: string): Promise<string | null> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) return `${dir} is not a directory`;
    await access(dir, constants.R_OK | constants.X_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `${dir} does not exist`;
    if (code === 'EACCES') return `${dir} is not readable (permission denied)`;
    if (code === 'ELOOP') return `${dir} is a symbolic link loop`;
    return `${dir} cannot be read (${code ?? String(error)})`;
  }
}

/** Whether an entry is skipped (a directory) or run, and then why it cannot start, if so. */
async function classify(
  file: string,
): Promise<{ skip: string } | { problem?: HookEntry['problem'] }> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      return {
        problem: { kind: 'broken-link', message: 'it is a symbolic link to a missing file' },
      };
    if (code === 'ELOOP')
      return { problem: { kind: 'broken-link', message: 'it is a symbolic link loop' } };
    return {
      problem: { kind: 'unreadable', message: `it cannot be examined (${code ?? String(error)})` },
    };
  }
  if (info.isDirectory()) return { skip: 'directory' };
  if (!info.isFile())
    return { problem: { kind: 'not-a-file', message: 'it is not a regular file' } };
  const mode = (info.mode & 0o777).toString(8).padStart(4, '0');
  if ((info.mode & 0o111) === 0)
    return {
      problem: {
        kind: 'not-executable',
        message: `it is not executable (mode ${mode}; run chmod +x on it)`,
      },
    };
  try {
    await access(file, constants.X_OK);
  } catch {
    return {
      problem: {
        kind: 'not-executable',
        message: `it is not executable by this user (mode ${mode})`,
      },
    };
  }
  return {};
}

/** Lists one hook folder; its hooks get `args` (`OPERATION STATE` for a hooks.d folder). */
export async function listHookDirectory(
  dir: string,
  args: readonly string[] = [],
  rules: ListingRules = { style: 'rekkord' },
): Promise<HookListing> {
  const names = rules.names
    ? rules.names.map((n) => Buffer.from(n, 'utf8'))
    : (await readdir(dir, { encoding: 'buffer' })).sort((a, b) => Buffer.compare(a, b));
  const hooks: HookEntry[] = [];
  const skipped: SkippedEntry[] = [];
  for (const raw of names) {
    const name = raw.toString('utf8');
    const file = path.join(dir, name);
    if (raw[0] === 0x2e && rules.style === 'run-parts') {
      skipped.push({ name, path: file, reason: 'dotfile' });
      continue;
    }
    if (!Buffer.from(name, 'utf8').equals(raw)) {
      hooks.push({
        name,
        path: file,
        args,
        problem: {
          kind: 'bad-name',
          message: 'its name is not valid UTF-8, so it cannot be started; rename it',
        },
      });
      continue;
    }
    // A named entry that is not there (a battery missing from an incomplete copy) cannot start.
    if (rules.names && !(await lstat(file).catch(() => null))) {
      hooks.push({
        name,
        path: file,
        args,
        problem: { kind: 'not-a-file', message: `it is missing from ${dir}` },
      });
      continue;
    }
    const kind = await classify(file);
    if ('skip' in kind) skipped.push({ name, path: file, reason: kind.skip });
    else hooks.push({ name, path: file, args, ...(kind.problem ? { problem: kind.problem } : {}) });
  }
  if (rules.style === 'rekkord' && hooks.length > MAX_HOOKS_PER_FOLDER) {
    throw new Error(
      `${dir} holds ${hooks.length} hooks; Rekkord takes at most ${MAX_HOOKS_PER_FOLDER} from one folder`,
    );
  }
  return { hooks, skipped };
}

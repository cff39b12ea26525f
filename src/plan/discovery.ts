/**
 * Hook discovery: which entries of a hook directory run, in which order, and which are skipped.
 *
 * Names are sorted by their bytes (`10` < `9` < `B` < `_x` < `a`), as a C `strcmp` sorts them.
 * Folders are skipped. In a config's `[Hooks]` folder every other entry is a hook, dotfiles
 * included, at most 1024 of them, as Rekkord lists it (`src/core/base/base.cc`, `EnumerateFiles`
 * skips only `.` and `..`; `lib/config.cc` loads each folder's entries). An entry that cannot be
 * started (not executable, a broken link, not a regular file) still counts, as a failed hook, so
 * that a dump that never ran cannot pass unnoticed. Other sources change these rules by their
 * ListingRules (a TKLBAM `hooks.d` skips what is not executable and `*.sig`: hook-sources.ts).
 */
import { constants } from 'node:fs';
import { access, lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { HookEntry, SkippedEntry } from './types.js';
import { readHead } from '../kernel/files.js';
import { errnoSentence } from '../kernel/errors.js';

export interface HookListing {
  hooks: HookEntry[];
  skipped: SkippedEntry[];
  /** Entries past `limit`, in name order, not examined (0 without a limit). */
  unexamined?: number;
}

/** The most entries Rekkord takes from one hook folder (`lib/config.cc`). */
export const MAX_HOOKS_PER_FOLDER = 1024;

export interface ListingRules {
  /** Whether a name starting with `.` is a hook or skipped. */
  dotfiles: 'hook' | 'skip';
  /** The most hooks the folder may hold, or null for no limit. */
  maxHooks: number | null;
  /** A regular file not executable by this user: a failed hook, or skipped. */
  notExecutable: 'fail' | 'skip';
  /** Name endings that are skipped (a signature beside its hook). */
  skipSuffixes: readonly string[];
  /**
   * At most this many entries examined, in name order; the rest are only counted, and a folder
   * over its cap is left to the caller to report. Without it, every entry is examined.
   */
  limit?: number;
  /** Only these entries, in this order (the batteries), instead of all the folder holds. */
  names?: readonly string[];
}

/** Rekkord's own `[Hooks]` folders. */
export const REKKORD_LISTING: ListingRules = {
  dotfiles: 'hook',
  maxHooks: MAX_HOOKS_PER_FOLDER,
  notExecutable: 'fail',
  skipSuffixes: [],
};

/** Why a non-executable file is skipped; `chmod +x` advised only for a file that looks like a hook. */
async function notExecutableReason(file: string, mode: string): Promise<string> {
  const head = await readHead(file, 2);
  return head?.toString('latin1') === '#!'
    ? `not executable (mode ${mode}); it has a #! line: chmod +x it to run it`
    : `not executable (mode ${mode})`;
}

/** Why a configured hook directory cannot be used, or null when it can. */
export async function directoryProblem(dir: string): Promise<string | null> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) return `${dir} is not a directory`;
    await access(dir, constants.R_OK | constants.X_OK);
    return null;
  } catch (error) {
    return errnoSentence(dir, error, 'read');
  }
}

/**
 * Whether an entry is skipped (a directory) or run, and then why it cannot start, if so; with a
 * regular file's mode (`0644`), which a skipped non-executable file is described by.
 */
async function classify(
  file: string,
): Promise<{ skip: string } | { problem?: HookEntry['problem']; mode?: string }> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const kind = code === 'ENOENT' || code === 'ELOOP' ? 'broken-link' : 'unreadable';
    return { problem: { kind, message: errnoSentence('it', error, 'examine') } };
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
      mode,
    };
  try {
    await access(file, constants.X_OK);
  } catch {
    return {
      problem: {
        kind: 'not-executable',
        message: `it is not executable by this user (mode ${mode})`,
      },
      mode,
    };
  }
  return {};
}

/** Lists one hook folder; its hooks get `args` (`OPERATION STATE` for a hooks.d folder). */
export async function listHookDirectory(
  dir: string,
  args: readonly string[] = [],
  rules: ListingRules = REKKORD_LISTING,
): Promise<HookListing> {
  const names = rules.names
    ? rules.names.map((n) => Buffer.from(n, 'utf8'))
    : (await readdir(dir, { encoding: 'buffer' })).sort((a, b) => Buffer.compare(a, b));
  const hooks: HookEntry[] = [];
  const skipped: SkippedEntry[] = [];
  const examined = rules.limit === undefined ? names : names.slice(0, rules.limit);
  for (const raw of examined) {
    const name = raw.toString('utf8');
    const file = path.join(dir, name);
    if (raw[0] === 0x2e && rules.dotfiles === 'skip') {
      skipped.push({ name, path: file, reason: 'dotfile' });
      continue;
    }
    if (rules.skipSuffixes.some((suffix) => name.endsWith(suffix))) {
      skipped.push({ name, path: file, reason: 'signature file' });
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
    const kind = await classify(file);
    // A named entry that is not there at all, not even as a link (a battery missing from an
    // incomplete copy), cannot start; only an entry that looks like a broken link can be one.
    if (
      rules.names &&
      'problem' in kind &&
      kind.problem?.kind === 'broken-link' &&
      !(await lstat(file).catch(() => null))
    ) {
      hooks.push({
        name,
        path: file,
        args,
        problem: { kind: 'not-a-file', message: `it is missing from ${dir}` },
      });
      continue;
    }
    if ('skip' in kind) skipped.push({ name, path: file, reason: kind.skip });
    else if (kind.problem?.kind === 'not-executable' && rules.notExecutable === 'skip') {
      skipped.push({ name, path: file, reason: await notExecutableReason(file, kind.mode ?? '') });
    } else
      hooks.push({ name, path: file, args, ...(kind.problem ? { problem: kind.problem } : {}) });
  }
  if (rules.limit === undefined && rules.maxHooks !== null && hooks.length > rules.maxHooks) {
    throw new Error(
      `${dir} holds ${hooks.length} hooks; Rekkord takes at most ${rules.maxHooks} from one folder`,
    );
  }
  return { hooks, skipped, unexamined: names.length - examined.length };
}

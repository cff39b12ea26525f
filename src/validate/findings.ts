/**
 * What validate checks on one hook or hook folder, without running it: how it would start, whether
 * Rekkord's own runner can start it the same way, and who else could change it.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { readHead } from '../kernel/files.js';
import { commandLine } from '../kernel/text.js';
import { resolveExecutable } from '../plan/paths.js';

export interface Finding {
  severity: 'error' | 'warning';
  title: string;
  message: string;
  /** Absolute path of the file to fix. */
  file: string;
  /** The line at fault; the annotation says line 1 when the problem is the file itself. */
  line?: number;
}

/** The worst severity among findings: what a hook's mark shows; null when there are none. */
export function worstSeverity(findings: readonly Finding[]): Finding['severity'] | null {
  if (findings.some((f) => f.severity === 'error')) return 'error';
  return findings.length ? 'warning' : null;
}

const HEAD_BYTES = 512;

/** What is wrong with how a file would start: unreadable, a bad `#!` line, ... */
export async function startFindings(file: string, pathVar: string): Promise<Finding[]> {
  const error = (title: string, message: string, line?: number): Finding => ({
    severity: 'error',
    title,
    message,
    file,
    ...(line ? { line } : {}),
  });
  const head = await readHead(file, HEAD_BYTES);
  if (head === null) return [error('Hook not readable', `${file} cannot be read`)];
  if (head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return [];
  const text = head.toString('utf8');
  if (!text.startsWith('#!')) {
    return [
      {
        severity: 'warning',
        title: 'No #! line',
        message: `${path.basename(file)} has no #! line, so it runs with /bin/sh; start it with #!/bin/sh (or its real interpreter) to say so`,
        file,
        line: 1,
      },
    ];
  }
  const newline = text.indexOf('\n');
  const first = newline >= 0 ? text.slice(2, newline) : text.slice(2);
  if (first.endsWith('\r')) {
    return [
      error(
        'CRLF line ending in the #! line',
        'The #! line ends with a carriage return (CRLF line endings), so the kernel looks for an interpreter whose name ends in \\r: convert the file to LF line endings',
        1,
      ),
    ];
  }
  const [interpreter = '', ...words] = first.trim().split(/\s+/);
  if (!interpreter.startsWith('/')) {
    return [error('Bad #! line', `The #! interpreter "${interpreter}" is not an absolute path`, 1)];
  }
  if (!(await resolveExecutable(interpreter, '', '/'))) {
    return [
      error(
        'Interpreter not found',
        `The #! interpreter ${interpreter} does not exist or is not executable`,
        1,
      ),
    ];
  }
  if (path.basename(interpreter) === 'env') {
    const command = words.find((w) => !w.startsWith('-') && !w.includes('='));
    if (command && !(await resolveExecutable(command, pathVar, '/'))) {
      return [
        error(
          'Interpreter not found',
          `The #! line runs "${command}" through env, and there is no ${command} in PATH`,
          1,
        ),
      ];
    }
  }
  return [];
}

/**
 * Characters a POSIX shell reads as one plain word. Rekkord starts each hook as `/bin/sh -c` with
 * the hook's full path, unquoted (Koromix/rygel, src/rekkord/cli/snapshot.cc, the hook runner:
 * the command line is the path, run by ExecuteCommandLine). Anything else (a space, `$`, `;`, a
 * quote, a glob character, ...) is split, expanded or run by that shell. `~` and `=` are plain
 * here: the path starts with `/`, and only a word's start can expand or assign. Bytes above ASCII
 * are plain to sh.
 */
const SHELL_SPECIAL = /[^A-Za-z0-9_./+,:@%=~\u0080-\u{10FFFF}-]/gu;

export function shellUnsafe(text: string): string[] {
  return [...new Set(text.match(SHELL_SPECIAL) ?? [])];
}

function showChars(chars: string[]): string {
  return chars.map((c) => (c === ' ' ? 'space' : JSON.stringify(c))).join(', ');
}

/** A Rekkord hook folder whose path the shell would not read as written. */
export function folderShellFinding(dir: string, title: string, file: string, line?: number) {
  const chars = shellUnsafe(dir);
  if (!chars.length) return [];
  return [
    {
      severity: 'error',
      title: `${title}: shell characters in the hook folder`,
      message: `The hook folder ${dir} has characters the shell reads (${showChars(chars)}): Rekkord runs each hook as /bin/sh -c with its path unquoted, so under Rekkord (on a cron job, say) no hook of this folder starts, though the action runs them; rename the folder`,
      file,
      ...(line ? { line } : {}),
    } satisfies Finding,
  ];
}

/** A Rekkord hook whose name the shell would not read as written. */
export function nameShellFinding(name: string, file: string, title: string): Finding[] {
  const chars = shellUnsafe(name);
  if (!chars.length) return [];
  return [
    {
      severity: 'error',
      title: `${title}: shell characters in the name`,
      message: `${name} has characters the shell reads (${showChars(chars)}): Rekkord runs each hook as /bin/sh -c with its path unquoted, so under Rekkord (on a cron job, say) it fails or runs something else, though the action runs it; rename it`,
      file,
      line: 1,
    },
  ];
}

/**
 * A dotfile in a Rekkord hook folder: Rekkord lists every entry but `.` and `..` (Koromix/rygel,
 * src/core/base/base.cc, EnumerateDirectory) and runs each one that is not a folder as a hook.
 */
export function dotfileFinding(name: string, file: string, title: string, runnable: boolean) {
  return {
    severity: runnable ? 'warning' : 'error',
    title: `${title}: a dotfile is a hook for Rekkord`,
    message: runnable
      ? `${name} starts with a dot, but Rekkord runs every entry of a hook folder but . and .., so it runs ${name} as a hook; rename it if it is one, or move it out of the folder`
      : `Rekkord runs every entry of a hook folder but . and .., dotfiles too: ${name} would be run as a hook and fail to start, so Rekkord's own save would fail; move it out of the folder`,
    file,
    line: 1,
  } satisfies Finding;
}

function modeText(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** The real path, or the path as given when it cannot be resolved (reported elsewhere). */
export async function real(file: string): Promise<string> {
  return realpath(file).catch(() => path.resolve(file));
}

/**
 * Whoever besides the backup's user and root may write a hook, its folder or a folder above it
 * could put other code in the hook's place, which then runs with the backup's rights: that is what
 * this check guards. World-writable is an error, group-writable a warning, judged on the real path
 * (links followed) and never on the working directory. Two cases are no such opening:
 * - a sticky folder above the hook folder (/tmp, mode 1777): others may create entries in it, but
 *   not rename or delete those they do not own, so they cannot replace ours (in the hook folder
 *   itself a new entry is a new hook, so there the sticky bit is no pass);
 * - a folder or file owned by root whose group is root: only root may write it, and root can
 *   change anything anyway.
 */
async function writable(
  file: string,
  label: string,
  title: string,
  /** A folder above the hook's own, where the sticky bit protects what is ours. */
  above: boolean,
): Promise<Finding | null> {
  let info;
  try {
    info = await stat(file);
  } catch {
    return null; // Reported elsewhere (missing, unreadable).
  }
  const { mode } = info;
  if (above && (mode & 0o1000) !== 0) return null;
  const world = (mode & 0o002) !== 0;
  if (!world && ((mode & 0o020) === 0 || (info.uid === 0 && info.gid === 0))) return null;
  return {
    severity: world ? 'error' : 'warning',
    title: `${title}: ${label} is ${world ? 'world' : 'group'}-writable`,
    message: `${file} (mode ${modeText(mode)}) can be changed by ${world ? 'any user' : 'its group'}, who could then change what runs with the backup's rights: ${commandLine(['chmod', world ? 'o-w' : 'g-w', '--', file])}`,
    file,
    line: 1,
  };
}

/** `realFile`: the hook's real path (see `real`). */
export async function hookWritableFindings(realFile: string, title: string): Promise<Finding[]> {
  const finding = await writable(realFile, 'the hook', title, false);
  return finding ? [finding] : [];
}

/**
 * Folders already judged for one validate run, each once: true when judged as a hook folder (no
 * sticky pass), false when judged only as a folder above one (a hook folder check may still differ).
 */
export type CheckedFolders = Map<string, boolean>;

/**
 * The hook folder and every folder above it up to `/`: those above the folder as the config names
 * it (a link in a folder others may write can be pointed elsewhere) and those above its real path,
 * each judged by its real path, once per run (`checked`). Any of them writable by others lets them
 * replace the hook. `repository` (real path) only names its folder in the titles. Findings point
 * at `where` (the config line naming the folder), else at the folder.
 */
export async function folderWritableFindings(
  folder: { dir: string; real: string },
  repository: string,
  title: string,
  checked: CheckedFolders,
  where?: { file: string; line?: number },
): Promise<Finding[]> {
  const start = folder.real;
  const chain = [start];
  for (let d = path.dirname(start); d !== chain.at(-1); d = path.dirname(d)) chain.push(d);
  const named = path.resolve(folder.dir);
  for (let d = path.dirname(named), up = named; d !== up; up = d, d = path.dirname(d)) {
    const r = await real(d);
    if (!chain.includes(r)) chain.push(r);
  }
  const findings: Finding[] = [];
  for (const d of chain) {
    // The hook folder itself never gets the sticky pass: whoever may create an entry there adds a hook.
    const above = d !== start;
    const seen = checked.get(d);
    if (seen === true || (seen === false && above)) continue;
    checked.set(d, !above);
    const label =
      d === start
        ? 'the hook folder'
        : d === repository
          ? 'the repository folder'
          : `the folder ${d}`;
    const finding = await writable(d, label, title, above);
    if (finding) findings.push(where ? { ...finding, ...where } : finding);
  }
  return findings;
}

/**
 * The config the Rekkord step gets: the user's file as written when Rekkord takes `--no_hooks`;
 * for an older Rekkord, a private copy without `[Hooks]` (the same settings, so no hook runs twice).
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RekkordConfig } from '../plan/config.js';
import { checkpoint } from '../kernel/faults.js';

/**
 * Whether a repository URL names a local folder, as `rk_DecodeURL` (`src/rekkord/lib/config.cc`)
 * decides: the `S3` and `SFTP` keywords, `s3:http(s)://…`, `http(s)://…`, `ssh://…`, `sftp://…`
 * and `user@host:path` are remote; anything else is a local folder.
 */
export function isLocalRepository(url: string): boolean {
  if (url === 'S3' || url === 'SFTP') return false;
  if (/^(s3:)?https?:\/\//i.test(url) || /^(ssh|sftp):\/\//i.test(url)) return false;
  // user@host:path, where the part before the colon holds no slash.
  if (/^[^/@:]+@[^/:]+:/.test(url)) return false;
  return true;
}

/**
 * The text of the config the Rekkord step gets: every line as written except the `[Hooks]`
 * sections, with relative `KeyFile` and local repository `URL` made absolute so that they still
 * resolve against the original file's folder. Null when the file has no `[Hooks]` to remove.
 */
export function stepConfigText(config: RekkordConfig): string | null {
  const { doc } = config;
  if (!doc.sectionOfLine.includes('Hooks')) return null;
  const dir = path.dirname(config.path);
  const rewrites = new Map<number, string>();
  for (const e of doc.entries) {
    // Only [Repository] paths resolve against the config's folder; [SSH]/[SFTP] keys are used as written.
    const isPath =
      (e.section === 'Repository' && e.key === 'KeyFile') ||
      (e.section === 'Repository' && e.key === 'URL' && isLocalRepository(e.value));
    if (isPath && e.value !== '' && !e.value.startsWith('~') && !path.isAbsolute(e.value)) {
      rewrites.set(e.line - 1, `${e.key} = ${path.resolve(dir, e.value)}`);
    }
  }
  const kept = doc.lines.flatMap((line, i) =>
    doc.sectionOfLine[i] === 'Hooks' ? [] : [rewrites.get(i) ?? line],
  );
  return kept.join('\n') + '\n';
}

export interface StepConfig {
  /** The file to pass to Rekkord with `-C`, or null to pass none. */
  path: string | null;
  /** True when `path` is a private copy. */
  isCopy: boolean;
  cleanup(): Promise<void>;
}

const COPY_PREFIX = 'rekkord-hooks-';

/**
 * Removes private copies left in `tempRoot` by a session that was killed before it could; returns
 * how many. Only for the post step, once every main step of the job has ended.
 */
export async function removeLeftoverCopies(tempRoot: string): Promise<number> {
  const names = await readdir(tempRoot).catch(() => []);
  const left = names.filter((n) => n.startsWith(COPY_PREFIX));
  await Promise.all(left.map((n) => rm(path.join(tempRoot, n), { recursive: true, force: true })));
  return left.length;
}

/**
 * Writes the private copy (0600, in a 0700 folder) when one is needed: for a Rekkord without
 * --no_hooks, and a command it runs hooks for (`runsHooks`; restore has none in Rekkord).
 */
export async function prepareStepConfig(
  config: RekkordConfig | null,
  tempRoot: string,
  noHooks: boolean,
  runsHooks = true,
): Promise<StepConfig> {
  const none = async (): Promise<void> => {};
  if (!config) return { path: null, isCopy: false, cleanup: none };
  // Rekkord told --no_hooks, or running a command without hooks, gets the config as written.
  if (noHooks || !runsHooks) return { path: config.path, isCopy: false, cleanup: none };
  const text = stepConfigText(config);
  if (text === null) return { path: config.path, isCopy: false, cleanup: none };
  checkpoint('config-copy');
  const folder = await mkdtemp(path.join(tempRoot, COPY_PREFIX));
  const copy = path.join(folder, 'rekkord.ini');
  await writeFile(copy, text, { mode: 0o600, flag: 'wx' });
  return {
    path: copy,
    isCopy: true,
    cleanup: () => rm(folder, { recursive: true, force: true }),
  };
}

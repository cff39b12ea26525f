/**
 * The Rekkord config: found where Rekkord looks for it, read as Rekkord reads it, and turned into
 * the copy the Rekkord step gets (the same settings, without `[Hooks]`, so no hook runs twice).
 */
import { mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ini from 'ini';
import {
  IniError,
  lastEntry,
  parseRekkordIni,
  SECRET_KEYS,
  type IniDocument,
} from './rekkord-ini.js';
import { SettingsError, type PhaseName } from './types.js';

export type ConfigSource = 'input' | 'REKKORD_CONFIG_FILE' | 'default';

export interface HookDirectorySetting {
  /** The `[Hooks]` key, e.g. `PreSaveDirectory`. */
  key: string;
  /** The value as written. */
  value: string;
  /** The directory it names, absolute. */
  directory: string;
  line: number;
  /** How a common INI reader (the `ini` package) would read the value, when that differs. */
  lenientValue: string | null;
}

export interface RekkordConfig {
  path: string;
  source: ConfigSource;
  doc: IniDocument;
  hooks: Partial<Record<PhaseName, HookDirectorySetting>>;
  secrets: string[];
}

const HOOK_KEYS: Partial<Record<PhaseName, string>> = {
  'pre-save': 'PreSaveDirectory',
  'post-save': 'PostSaveDirectory',
  'pre-scan': 'PreScanDirectory',
  'post-scan': 'PostScanDirectory',
};

export interface LocateContext {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** The resolved Rekkord executable, for `rekkord.ini` beside it. */
  rekkordPath: string | null;
  platform?: NodeJS.Platform;
}

/** Rekkord's default locations, in its order, after `-C` and `REKKORD_CONFIG_FILE`. */
export async function defaultConfigCandidates(ctx: LocateContext): Promise<string[]> {
  const out: string[] = [];
  const platform = ctx.platform ?? process.platform;
  if (ctx.rekkordPath) {
    const real = await realpath(ctx.rekkordPath).catch(() => ctx.rekkordPath ?? '');
    out.push(path.join(path.dirname(real), 'rekkord.ini'));
  }
  if (platform === 'win32') {
    if (ctx.env.APPDATA) out.push(path.join(ctx.env.APPDATA, 'rekkord', 'rekkord.ini'));
  } else {
    const xdg = ctx.env.XDG_CONFIG_HOME;
    const home = ctx.env.HOME || os.homedir();
    out.push(path.join(xdg ? xdg : path.join(home, '.config'), 'rekkord', 'rekkord.ini'));
    out.push('/etc/rekkord/rekkord.ini');
  }
  return out;
}

export interface Located {
  path: string | null;
  source: ConfigSource | null;
  searched: string[];
}

export async function locateConfig(explicit: string | null, ctx: LocateContext): Promise<Located> {
  if (explicit) return { path: path.resolve(ctx.cwd, explicit), source: 'input', searched: [] };
  const fromEnv = ctx.env.REKKORD_CONFIG_FILE;
  if (fromEnv)
    return { path: path.resolve(ctx.cwd, fromEnv), source: 'REKKORD_CONFIG_FILE', searched: [] };
  const searched = await defaultConfigCandidates(ctx);
  const found = searched.find((candidate) => existsSync(candidate));
  return { path: found ?? null, source: found ? 'default' : null, searched };
}

function expandHome(value: string, env: LocateContext['env']): string {
  if (value === '~' || value.startsWith('~/'))
    return path.join(env.HOME || os.homedir(), value.slice(1));
  return value;
}

function lenientHooks(text: string): Record<string, unknown> {
  try {
    const parsed = ini.parse(text) as Record<string, unknown>;
    const hooks = parsed.Hooks;
    return typeof hooks === 'object' && hooks !== null ? (hooks as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export async function loadConfig(
  file: string,
  source: ConfigSource,
  env: LocateContext['env'],
): Promise<RekkordConfig> {
  const origin =
    source === 'input'
      ? "the 'config' input"
      : source === 'REKKORD_CONFIG_FILE'
        ? '$REKKORD_CONFIG_FILE'
        : 'the default location';
  let text: string;
  try {
    const info = await stat(file);
    if (info.isDirectory())
      throw new SettingsError(`Rekkord config ${file} (from ${origin}) is a directory, not a file`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof SettingsError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable (permission denied)'
          : `cannot be read (${String(error)})`;
    throw new SettingsError(`Rekkord config ${file} (from ${origin}) ${why}`);
  }

  let doc: IniDocument;
  try {
    doc = parseRekkordIni(text, file);
  } catch (error) {
    if (error instanceof IniError) {
      throw new SettingsError(`Rekkord would refuse its config: ${error.message}`, {
        file,
        line: error.line,
      });
    }
    throw error;
  }

  const dir = path.dirname(file);
  const lenient = lenientHooks(text);
  const hooks: RekkordConfig['hooks'] = {};
  for (const [phase, key] of Object.entries(HOOK_KEYS) as [PhaseName, string][]) {
    const entry = lastEntry(doc, 'Hooks', key);
    if (!entry) continue;
    if (entry.value === '') {
      throw new SettingsError(
        `${file}:${entry.line}: [Hooks] ${key} is empty; remove the line to run no ${phase} hooks`,
        { file, line: entry.line },
      );
    }
    const other = lenient[key];
    const lenientValue = typeof other === 'string' && other !== entry.value ? other : null;
    hooks[phase] = {
      key,
      value: entry.value,
      directory: path.resolve(dir, expandHome(entry.value, env)),
      line: entry.line,
      lenientValue,
    };
  }

  const secrets = doc.entries
    .filter((e) => SECRET_KEYS[e.section]?.includes(e.key) && e.value !== '')
    .map((e) => e.value);

  return { path: file, source, doc, hooks, secrets };
}

export function hookKey(phase: PhaseName): string {
  return HOOK_KEYS[phase] ?? '';
}

/** The `[Hooks]` folder of a phase, if the config names one (restore has none in Rekkord). */
export function hookDirectory(
  config: RekkordConfig | null,
  phase: PhaseName,
): HookDirectorySetting | null {
  return config?.hooks[phase] ?? null;
}

// A repository URL with a scheme of two letters or more is remote (`s3:`, `ssh://`, ...); a single
// letter is a Windows drive.
function isLocalPath(value: string): boolean {
  return !/^[A-Za-z][A-Za-z0-9+.-]+:/.test(value);
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
    const isPath =
      e.key === 'KeyFile' ||
      (e.section === 'Repository' && e.key === 'URL' && isLocalPath(e.value));
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

/** Writes the private copy (0600, in a 0700 folder) when one is needed: for a Rekkord without --no_hooks. */
export async function prepareStepConfig(
  config: RekkordConfig | null,
  tempRoot: string,
  noHooks: boolean,
): Promise<StepConfig> {
  const none = async (): Promise<void> => {};
  if (!config) return { path: null, isCopy: false, cleanup: none };
  // Rekkord told --no_hooks gets the user's config as written.
  if (noHooks) return { path: config.path, isCopy: false, cleanup: none };
  const text = stepConfigText(config);
  if (text === null) return { path: config.path, isCopy: false, cleanup: none };
  const folder = await mkdtemp(path.join(tempRoot, COPY_PREFIX));
  const copy = path.join(folder, 'rekkord.ini');
  await writeFile(copy, text, { mode: 0o600, flag: 'wx' });
  return {
    path: copy,
    isCopy: true,
    cleanup: () => rm(folder, { recursive: true, force: true }),
  };
}

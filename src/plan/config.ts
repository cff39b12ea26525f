/**
 * The Rekkord config: found where Rekkord looks for it, read as Rekkord reads it, with its hook
 * folders and its secrets. What the Rekkord step gets is in step-config.ts.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
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
import { commandSpec, COMMANDS } from './commands.js';
import { expandHome } from './paths.js';
import { PreflightError } from '../kernel/errors.js';
import type { PhaseName } from './types.js';

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
  /** Each phase's `[Hooks]` folders in file order: a repeated key adds a folder, as Rekkord does. */
  hooks: Partial<Record<PhaseName, HookDirectorySetting[]>>;
  secrets: string[];
}

/** The `[Hooks]` key of each phase, from the command table. */
const HOOK_KEYS: Partial<Record<PhaseName, string>> = Object.fromEntries(
  COMMANDS.flatMap((command) => {
    const keys = commandSpec(command).hookKeys;
    return keys
      ? [[`pre-${command}`, keys.pre] as const, [`post-${command}`, keys.post] as const]
      : [];
  }),
);

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
      throw new PreflightError(
        `Rekkord config ${file} (from ${origin}) is a directory, not a file`,
      );
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof PreflightError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable (permission denied)'
          : `cannot be read (${String(error)})`;
    throw new PreflightError(`Rekkord config ${file} (from ${origin}) ${why}`);
  }

  let doc: IniDocument;
  try {
    doc = parseRekkordIni(text, file);
  } catch (error) {
    if (error instanceof IniError) {
      throw new PreflightError(`Rekkord would refuse its config: ${error.message}`, {
        file,
        line: error.line,
      });
    }
    throw error;
  }

  const dir = path.dirname(file);
  const lenient = lenientHooks(text);
  const hooks: RekkordConfig['hooks'] = {};
  const phaseOf = new Map(
    Object.entries(HOOK_KEYS).map(([phase, key]) => [key, phase as PhaseName]),
  );
  // Every occurrence counts: Rekkord lists the folder of each one (`lib/config.cc`, LoadIni).
  for (const entry of doc.entries) {
    const phase = entry.section === 'Hooks' ? phaseOf.get(entry.key) : undefined;
    if (!phase) continue;
    if (entry.value === '') {
      throw new PreflightError(
        `${file}:${entry.line}: [Hooks] ${entry.key} is empty; remove the line to run no ${phase} hooks`,
        { file, line: entry.line },
      );
    }
    const other = lenient[entry.key];
    const lenientValue = typeof other === 'string' && other !== entry.value ? other : null;
    (hooks[phase] ??= []).push({
      key: entry.key,
      value: entry.value,
      directory: path.resolve(dir, expandHome(entry.value, env)),
      line: entry.line,
      lenientValue,
    });
  }
  const secrets = configSecrets(doc, env);
  return { path: file, source, doc, hooks, secrets };
}

/** The `[Hooks]` folders of a phase, in file order (restore has none in Rekkord). */
export function hookDirectories(
  config: RekkordConfig | null,
  phase: PhaseName,
): HookDirectorySetting[] {
  return config?.hooks[phase] ?? [];
}

/** Every `[Hooks]` folder the config names, whatever the command: Rekkord loads them all. */
export function allHookDirectories(config: RekkordConfig | null): HookDirectorySetting[] {
  return Object.values(config?.hooks ?? {}).flat();
}

/** The user-info secrets of a URL (`https://ID:SECRET@host/…`, `sftp://user:PASS@host/…`). */
function urlSecrets(url: string): string[] {
  const match = /^[a-z0-9+.-]+:\/\/([^@/]*)@/i.exec(url.replace(/^s3:/i, ''));
  if (!match?.[1]) return [];
  const [user = '', password = ''] = match[1].split(':');
  // An S3 URL carries the key ID as the user: masked as the [S3] KeyID is.
  return [password, /^(s3:)?https?:/i.test(url) ? user : ''].filter((v) => v !== '');
}

/** Environment variables Rekkord reads secrets from (`lib/config.cc`, the env fallbacks). */
const SECRET_VARIABLES = [
  'REKKORD_LINK_KEY',
  'REKKORD_AGENT_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'S3_SECRET_KEY',
  'S3_KEY_ID',
  'SSH_PASSWORD',
  'SSH_KEY',
];

/** Every secret the config holds or Rekkord would take from the environment, to be masked. */
export function configSecrets(doc: IniDocument, env: LocateContext['env']): string[] {
  const values = doc.entries.flatMap((e) => {
    if (SECRET_KEYS[e.section]?.includes(e.key)) return [e.value];
    if (e.key === 'URL') return urlSecrets(e.value);
    return [];
  });
  for (const name of SECRET_VARIABLES) values.push(env[name] ?? '');
  for (const url of [env.REKKORD_REPOSITORY ?? '']) values.push(...urlSecrets(url));
  return [...new Set(values.filter((v) => v.trim() !== ''))];
}

/**
 * The key file variables, newest first: the newest docs name `REKKORD_KEY_FILE`, the builds whose
 * source is readable read `REKKORD_KEYFILE` (lib/config.cc@69a10b31, `rk_Config::Complete`); a
 * build reads one of them, so the action looks at both.
 */
export const KEY_FILE_VARIABLES = ['REKKORD_KEY_FILE', 'REKKORD_KEYFILE'] as const;

/** Where Rekkord takes the repository or its key file from, in its order. */
export interface RepositorySetting {
  value: string;
  from: 'args' | 'config' | 'environment';
  /** The option, config key or variable it comes from, for a message. */
  name: string;
}

export interface RepositoryAccess {
  url: RepositorySetting | null;
  keyFile: RepositorySetting | null;
}

/**
 * The repository and key file Rekkord would use: `-R`/`-K` in `args` first, then the config, then
 * the environment (cli/rekkord.cc and `rk_Config::Complete`: the environment fills only what both
 * left empty).
 */
export function repositoryAccess(
  config: RekkordConfig | null,
  options: { repository: string | null; keyFile: string | null },
  env: LocateContext['env'],
): RepositoryAccess {
  const fromConfig = (key: string): RepositorySetting | null => {
    const entry = config ? lastEntry(config.doc, 'Repository', key) : undefined;
    return entry?.value
      ? { value: entry.value, from: 'config', name: `[Repository] ${key}` }
      : null;
  };
  const fromEnv = (names: readonly string[]): RepositorySetting | null => {
    const name = names.find((n) => env[n]);
    return name ? { value: env[name] ?? '', from: 'environment', name } : null;
  };
  return {
    url:
      (options.repository ? { value: options.repository, from: 'args', name: '-R' } : null) ??
      fromConfig('URL') ??
      fromEnv(['REKKORD_REPOSITORY']),
    keyFile:
      (options.keyFile ? { value: options.keyFile, from: 'args', name: '-K' } : null) ??
      fromConfig('KeyFile') ??
      fromEnv(KEY_FILE_VARIABLES),
  };
}

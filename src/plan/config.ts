/**
 * The Rekkord config: found where Rekkord looks for it, read as Rekkord reads it, with its hook
 * folders and its secrets. What the Rekkord step gets is in step-config.ts.
 */
import { open, realpath } from 'node:fs/promises';
import { constants, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ini from 'ini';
import {
  IniError,
  KNOWN_KEYS,
  isPlainName,
  knownKeys,
  lastEntry,
  parseRekkordIni,
  SECRET_KEYS,
  type IniDocument,
} from './rekkord-ini.js';
import { commandSpec, COMMANDS } from './commands.js';
import { expandHome } from './paths.js';
import { errnoSentence, PreflightError, type Words } from '../kernel/errors.js';
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
  /** The secrets the file holds (see `runSecrets` for those of the environment). */
  secrets: Secret[];
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

/** No Rekkord config comes near this; a bigger file is refused unread. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The text of a config that is a regular file. A FIFO, a device (`/dev/zero`) or a socket could
 * block the read or never end it: it is opened without blocking, judged on what was opened (no
 * window between a check and the read), and refused unread unless it is a regular file of sane
 * size.
 */
async function readRegularFile(file: string, origin: Words): Promise<string> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    const refuse = (what: string) =>
      new PreflightError((w) => `Rekkord config ${file} (from ${origin(w)}) ${what}`);
    if (info.isDirectory()) throw refuse('is a directory, not a file');
    if (!info.isFile()) {
      const kind = info.isFIFO()
        ? 'a named pipe (FIFO)'
        : info.isCharacterDevice() || info.isBlockDevice()
          ? 'a device'
          : info.isSocket()
            ? 'a socket'
            : 'not a regular file';
      throw refuse(`is ${kind.startsWith('not') ? kind : `${kind}, not a regular file`}`);
    }
    if (info.size > MAX_CONFIG_BYTES) {
      throw refuse(`is ${info.size} bytes: a Rekkord config is far smaller (at most 1 MiB read)`);
    }
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_CONFIG_BYTES) throw refuse('grew over 1 MiB while read');
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

export async function loadConfig(
  file: string,
  source: ConfigSource,
  env: LocateContext['env'],
): Promise<RekkordConfig> {
  const origin: Words = (w) =>
    source === 'input'
      ? w.edge === 'action'
        ? "the 'config' input"
        : w.setting('config')
      : source === 'REKKORD_CONFIG_FILE'
        ? '$REKKORD_CONFIG_FILE'
        : 'the default location';
  let text: string;
  try {
    text = await readRegularFile(file, origin);
  } catch (error) {
    if (error instanceof PreflightError) throw error;
    throw new PreflightError((w) =>
      errnoSentence(`Rekkord config ${file} (from ${origin(w)})`, error, 'read'),
    );
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
  const secrets = configSecrets(doc);
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

/** A value to hide from the log, and what to call it when it cannot be (never the value). */
export interface Secret {
  name: string;
  value: string;
}

/**
 * The shortest value registered as a mask: the runner hides a mask everywhere in the job's log,
 * so a two-letter one would wreck it. A shorter secret is named in a warning instead.
 */
export const MIN_MASK_LENGTH = 4;

/**
 * The secrets that can be masks, and the names of those too short to be. The runner masks its log
 * one line at a time, and `add-mask` registers the value whole (actions/runner,
 * src/Runner.Worker/ActionCommandManager.cs, `AddMaskCommandExtension`): a multi-line value such as
 * a PEM key in `$SSH_KEY` would match no line. So each of its lines, trimmed, is a mask of its own
 * as well, as the runner does for the job's secrets (src/Runner.Worker/Worker.cs).
 */
export function masksOf(secrets: readonly Secret[]): { masks: string[]; tooShort: string[] } {
  const masks = new Set<string>();
  const tooShort = new Set<string>();
  const add = (name: string, value: string): void => {
    if (value.trim().length >= MIN_MASK_LENGTH) masks.add(value);
    else if (value.trim() !== '') tooShort.add(name);
  };
  for (const { name, value } of secrets) {
    add(name, value);
    const lines = value.split(/\r\n|\r|\n/);
    if (lines.length < 2) continue;
    lines.forEach((line, i) => {
      add(`${name} (line ${i + 1} of its value)`, line.trim());
    });
  }
  return { masks: [...masks], tooShort: [...tooShort] };
}

/**
 * The user-info secrets of a URL (`https://ID:SECRET@host/…`, `sftp://user:PASS@host/…`): the
 * password whole, from the first `:` after the user name to the `@`, whatever it holds. Which `@`
 * ends the user-info is ambiguous when a password holds `@` or a path does: both readings are
 * masked, the first and the last `@`.
 */
function urlSecrets(url: string, name: string, repository = true): Secret[] {
  const rest = /^(?:s3:)?[a-z0-9+.-]+:\/\/(.*)$/is.exec(url)?.[1];
  if (!rest?.includes('@')) return [];
  const out: Secret[] = [];
  for (const at of new Set([rest.indexOf('@'), rest.lastIndexOf('@')])) {
    const userInfo = rest.slice(0, at);
    const colon = userInfo.indexOf(':');
    const user = colon < 0 ? userInfo : userInfo.slice(0, colon);
    if (colon >= 0) out.push({ name: `the password in ${name}`, value: userInfo.slice(colon + 1) });
    // An S3 repository URL carries the key ID as the user: masked as the [S3] KeyID is.
    if (repository && /^(s3:)?https?:/i.test(url))
      out.push({ name: `the user in ${name}`, value: user });
  }
  return out;
}

/**
 * Environment variables Rekkord reads secrets from, as its source (Koromix/rygel) names them:
 * - `REKKORD_AGENT_KEY`: src/rekkord/lib/config.cc@69a10b31, `rk_Config::Complete`;
 *   `REKKORD_PASSWORD`: lib/config.cc@0d577808, in the builds with a repository user and password.
 * - `S3_` then `AWS_`, each with `ACCESS_KEY_ID` and `SECRET_ACCESS_KEY`: src/core/request/s3.cc
 *   @94b49f2f, `GetS3Env` in `s3_Config::Complete`. The key ID names the account: masked as the
 *   [S3] KeyID is.
 * - `SSH_PASSWORD`, and `SSH_KEY`, a private key itself (PEM, several lines): src/core/request/ssh.cc
 *   @e4fa7670, `ssh_Config::Complete` (`SSH_KEYFILE` and `SSH_FINGERPRINT` are no secrets).
 * - `REKKORD_LINK_KEY`: no readable source reads it (the [Link] builds' config.cc is not
 *   readable); masked in case a build does.
 */
const SECRET_VARIABLES = [
  'REKKORD_LINK_KEY',
  'REKKORD_AGENT_KEY',
  'REKKORD_PASSWORD',
  'S3_SECRET_ACCESS_KEY',
  'S3_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'SSH_PASSWORD',
  'SSH_KEY',
];

/** Every secret the config holds, each named by section, key and line. */
function configSecrets(doc: IniDocument): Secret[] {
  return doc.entries.flatMap((e) => {
    if (!knownKeys(KNOWN_KEYS, e.section).includes(e.key)) return unknownKeySecrets(e);
    const name = `[${e.section}] ${e.key} (line ${e.line})`;
    if (knownKeys(SECRET_KEYS, e.section).includes(e.key)) return [{ name, value: e.value }];
    // The [Link] URL leads to the account that watches the repository: hidden whole.
    const whole = e.section === 'Link' ? [{ name, value: e.value }] : [];
    if (e.key === 'URL') return [...whole, ...urlSecrets(e.value, name, whole.length === 0)];
    return [];
  });
}

/**
 * A key the action does not know is Rekkord's to judge, and Rekkord's refusal quotes it. A line
 * such as `SecretKey: Zm9v…=` reads as one key holding the secret, and a mistyped `secretkey = …`
 * holds one as its value: both are masked before Rekkord can print them.
 */
function unknownKeySecrets(e: IniDocument['entries'][number]): Secret[] {
  const name = `an unknown key in [${e.section}] (line ${e.line})`;
  const out: Secret[] = [];
  if (!isPlainName(e.key)) out.push({ name, value: e.key });
  if (/secret|pass|key|token|credential/i.test(e.key)) out.push({ name, value: e.value });
  if (e.key === 'URL') out.push(...urlSecrets(e.value, name, true));
  return out.filter((s) => s.value.trim() !== '');
}

/** What Rekkord takes from the environment and from `-R URL` / `--repository URL` in args. */
export function runSecrets(env: LocateContext['env'], args: readonly string[] = []): Secret[] {
  const out: Secret[] = SECRET_VARIABLES.map((v) => ({ name: `$${v}`, value: env[v] ?? '' }));
  out.push(...urlSecrets(env.REKKORD_REPOSITORY ?? '', '$REKKORD_REPOSITORY'));
  args.forEach((arg, i) => {
    const joined = /^(?:-R|--repository)=?(.+)$/.exec(arg)?.[1];
    const url = joined ?? (arg === '-R' || arg === '--repository' ? args[i + 1] : undefined);
    if (url) out.push(...urlSecrets(url, `the repository URL in 'args'`));
  });
  return out.filter((s) => s.value.trim() !== '');
}

/**
 * Rekkord's options for the repository, taken anywhere on its command line and overriding the
 * config (Koromix/rygel src/rekkord/cli/rekkord.cc, newest, `HandleCommonOption`): every Rekkord
 * call the action makes for the repository gets the same ones from `args`.
 */
const REPOSITORY_OPTIONS = {
  repository: ['-R', '--repository'],
  keyFile: ['-K', '--key_file'],
  threads: ['-j', '--threads'],
} as const;

interface RepositoryOptions {
  /** The options as written in `args`, each with its value, in their order. */
  argv: string[];
  /** Whether a `-K` names a key file. */
  keyFile: boolean;
}

/** The repository options in `args` (`-K FILE`, `-KFILE`, `--key_file FILE`, `--key_file=FILE`). */
function repositoryOptions(args: readonly string[]): RepositoryOptions {
  const out: RepositoryOptions = { argv: [], keyFile: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--') break;
    for (const [name, [short, long]] of Object.entries(REPOSITORY_OPTIONS)) {
      let value: string | undefined;
      if (arg === short || arg === long) {
        value = args[i + 1];
        if (value === undefined) continue;
        out.argv.push(arg, value);
        i++;
      } else if (arg.startsWith(`${long}=`) || (arg.startsWith(short) && arg.length > 2)) {
        value = arg.startsWith(`${long}=`) ? arg.slice(long.length + 1) : arg.slice(2);
        out.argv.push(arg);
      } else continue;
      if (name === 'keyFile' && value !== '') out.keyFile = true;
      break;
    }
  }
  return out;
}

/**
 * The key file variables, newest first: the newest docs name `REKKORD_KEY_FILE`, the builds whose
 * source is readable read `REKKORD_KEYFILE` (lib/config.cc@69a10b31, `rk_Config::Complete`); a
 * build reads one of them, so the action looks at both.
 */
export const KEY_FILE_VARIABLES = ['REKKORD_KEY_FILE', 'REKKORD_KEYFILE'] as const;

export interface RepositoryAccess {
  /** Whether a key file is named anywhere Rekkord looks: `-K` in `args`, the config, the environment. */
  keyFileNamed: boolean;
  /** The repository options of `args` (`-R`, `-K`, `-j`) as written, which identify gets too. */
  options: readonly string[];
}

/**
 * What every Rekkord call for the repository shares: the repository options of `args`, and whether
 * a key file is named (`-K` in `args`, then the config, then the environment: cli/rekkord.cc and
 * `rk_Config::Complete`).
 */
export function repositoryAccess(
  config: RekkordConfig | null,
  args: readonly string[],
  env: LocateContext['env'],
): RepositoryAccess {
  const options = repositoryOptions(args);
  const inConfig = config ? !!lastEntry(config.doc, 'Repository', 'KeyFile')?.value : false;
  return {
    keyFileNamed: options.keyFile || inConfig || KEY_FILE_VARIABLES.some((n) => env[n]),
    options: options.argv,
  };
}

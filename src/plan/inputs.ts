/** Inputs: every input validated once, with a clear error, into one immutable settings object. */
import {
  isOperation,
  OPERATION_TABLE,
  OPERATIONS,
  rekkordArguments,
  savesRaw,
  type CommandInput,
} from './commands.js';
import type { Operation } from './commands.js';
import { expandHome } from './paths.js';
import { expandBatteries, findBatteriesFolder, type BatteryName } from './batteries.js';
import { OID } from './types.js';
import { capitalized, PreflightError, type Words } from '../kernel/errors.js';

export interface Settings {
  /** `save`, `scan` or `restore` with hooks around them, or `validate` (runs no Rekkord). */
  readonly command: Operation;
  /** The `config` input, or null to find the config as Rekkord does. */
  readonly config: string | null;
  readonly channel: string | null;
  readonly paths: readonly string[];
  /** For restore: an OID or a channel, optionally with `:path/inside`. */
  readonly snapshot: string | null;
  readonly destination: string | null;
  /** A TKLBAM-style `hooks.d` folder: its hooks run around every command with `OPERATION STATE`. */
  readonly hooksDir: string | null;
  /** The batteries enabled (families expanded), in table order; they join the phases as hooks. */
  readonly batteries: readonly BatteryName[];
  /** The batteries folder shipped beside the code; null when no battery is enabled. */
  readonly batteriesDir: string | null;
  /** For validate: also run each phase as a rehearsal. */
  readonly exercise: boolean;
  readonly rekkord: string;
  readonly args: readonly string[];
  /** Per-hook limit in milliseconds; 0 for none. */
  readonly hookTimeoutMs: number;
  /** How long to wait for another run on the same config, in seconds; 0 tries once. */
  readonly lockWaitSeconds: number;
  /** Whether hooks and Rekkord may issue workflow commands (`::error::`, ...) in their output. */
  readonly allowWorkflowCommands: boolean;
  /** Skip `rekkord identify` before the pre hooks (offline rehearsals). */
  readonly skipIdentify: boolean;
  /** Where hooks and Rekkord run, and what relative inputs resolve against. */
  readonly workspace: string;
  /** Where the private config copy is written. */
  readonly tempDir: string;
  /** The environment the action runs in; children get a cleaned copy of it. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The raw inputs by name, as the runner passes them (empty string when not set). */
export type InputReader = (name: string) => string;

export interface SettingsContext {
  workspace: string;
  tempDir: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The batteries folder; by default the one shipped beside this code (batteries.ts). */
  batteriesDir?: string | null;
}

export const CHANNEL_MAX_BYTES = 256;
/** The longest `hook-timeout`: 24 days, comfortably inside what a timer can hold. */
export const MAX_HOOK_TIMEOUT_S = 24 * 24 * 3600;

// Options that choose a config: the action must know which config Rekkord reads.
const CONFIG_OPTIONS = /^(-C.*|--config_file(=.*)?|--no_config|--no_hooks)$/;
const OID_PATTERN = new RegExp(`^${OID}$`);
// The values `core.getBooleanInput` accepts (the YAML 1.2 core schema's booleans).
const TRUE = ['true', 'True', 'TRUE'];
const FALSE = ['false', 'False', 'FALSE'];

/** One value per line; each line's surrounding spaces are dropped, empty lines ignored. */
function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** A setting is wrong: the message names it in the words of the edge that shows it. */
function fail(message: Words): never {
  throw new PreflightError(message, undefined, true);
}

/** `Input 'name'` for the action, `--name` (or the operand) for the command line. */
const named =
  (name: string): Words =>
  (w) =>
    capitalized(w.setting(name));

function boolean(name: string, text: string): boolean {
  if (text === '' || FALSE.includes(text)) return false;
  if (TRUE.includes(text)) return true;
  return fail((w) => `${named(name)(w)} is '${text}'; expected true or false`);
}

/** A channel as Rekkord accepts it: not empty, at most 256 bytes, one line, not an option. */
function checkChannel(name: string, channel: string): void {
  if (channel === '')
    fail((w) => `${named(name)(w)} is required: Rekkord says 'Snapshot channel cannot be empty'`);
  const bytes = Buffer.byteLength(channel, 'utf8');
  if (bytes > CHANNEL_MAX_BYTES) {
    fail(
      (w) =>
        `${named(name)(w)} is ${bytes} bytes long; Rekkord's limit is ${CHANNEL_MAX_BYTES} bytes`,
    );
  }
  if (channel.startsWith('-')) {
    fail((w) => `${named(name)(w)} must not start with '-' (Rekkord would read it as an option)`);
  }
  if (/[\r\n]/.test(channel)) fail((w) => `${named(name)(w)} must be a single line`);
}

function notAnOption(what: string, value: string): void {
  if (value.startsWith('-'))
    fail(() => `${what} '${value}' starts with '-'; write it as './${value}'`);
}

function hookTimeoutMs(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) {
    fail(
      (w) =>
        `${named('hook-timeout')(w)} is '${text}'; expected a number of seconds (0 for no limit)`,
    );
  }
  const seconds = Number(text);
  if (seconds > MAX_HOOK_TIMEOUT_S) {
    fail(
      (w) =>
        `${named('hook-timeout')(w)} is ${text} s; the most is ${MAX_HOOK_TIMEOUT_S} s (24 days)`,
    );
  }
  const ms = Math.round(seconds * 1000);
  if (seconds > 0 && ms === 0) {
    fail(
      (w) =>
        `${named('hook-timeout')(w)} is ${text} s, less than a millisecond; use 0 for no limit`,
    );
  }
  return ms;
}

/**
 * The `batteries` input: names separated by commas, spaces or lines; checked before anything runs.
 * The folder is only looked for when a battery is named (`findDir`), not on every start.
 */
function batteries(
  text: string,
  findDir: () => string | null,
): { batteries: BatteryName[]; dir: string | null } {
  const names = text.split(/[\s,]+/).filter((n) => n !== '');
  if (names.length === 0) return { batteries: [], dir: null };
  const expanded = expandBatteries(names);
  if ('error' in expanded) fail((w) => `${named('batteries')(w)}: ${expanded.error}`);
  const dir = findDir();
  if (dir === null) {
    fail(
      (w) =>
        `${named('batteries')(w)}: the batteries folder was not found beside the code (a batteries/ folder next to dist/)`,
    );
  }
  return { batteries: expanded.batteries, dir };
}

/** A scheduled backup colliding with a manual one waits this long by default: 10 minutes. */
export const DEFAULT_LOCK_WAIT_S = 600;

function lockWaitSeconds(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) > MAX_HOOK_TIMEOUT_S) {
    fail(
      (w) =>
        `${named('lock-wait')(w)} is '${text}'; expected a number of seconds up to ${MAX_HOOK_TIMEOUT_S} (0: do not wait)`,
    );
  }
  return Number(text);
}

type Raw = (name: string) => string;
type CommandValues = Pick<Settings, 'channel' | 'paths' | 'snapshot' | 'destination' | 'exercise'>;

/**
 * How each command-specific input is read, and whether it was given at all (a default such as
 * `false` is not a choice). A new input is a compile error until it has its line here.
 */
const COMMAND_INPUTS: Record<
  CommandInput,
  { given(raw: Raw): boolean; read(raw: Raw, env: SettingsContext['env']): Partial<CommandValues> }
> = {
  channel: {
    given: (raw) => raw('channel').trim() !== '',
    read(raw) {
      // Rekkord takes the channel verbatim; only a trailing newline from a YAML block is dropped.
      const channel = raw('channel').replace(/\r?\n$/, '');
      checkChannel('channel', channel);
      return { channel };
    },
  },
  paths: {
    given: (raw) => raw('paths').trim() !== '',
    read(raw, env) {
      const paths = lines(raw('paths')).map((p) => expandHome(p, env));
      if (paths.length === 0)
        fail((w) =>
          w.edge === 'action'
            ? "Input 'paths' is required for save: one path per line"
            : 'save needs the paths to save: PATH operands after the command',
        );
      paths.forEach((p) => {
        notAnOption('Path', p);
      });
      return { paths };
    },
  },
  snapshot: {
    given: (raw) => raw('snapshot').trim() !== '',
    read(raw) {
      const snapshot = raw('snapshot').trim();
      if (snapshot === '')
        fail((w) => `${named('snapshot')(w)} is required for restore: an OID or a channel`);
      // `OID:path/inside` and `channel:path/inside` pick a sub-tree; the part before is checked.
      const colon = snapshot.indexOf(':');
      const base = colon >= 0 ? snapshot.slice(0, colon) : snapshot;
      if (/^[MRmr][0-9A-Fa-f]{64}$/.test(base) && !OID_PATTERN.test(base)) {
        fail((w) => `${named('snapshot')(w)} looks like an OID but is not upper case: '${base}'`);
      }
      checkChannel('snapshot', base);
      return { snapshot };
    },
  },
  destination: {
    given: (raw) => raw('destination').trim() !== '',
    read(raw, env) {
      const destination = expandHome(raw('destination').trim(), env);
      if (destination === '')
        fail((w) => `${named('destination')(w)} is required for restore: a folder`);
      notAnOption('Destination', destination);
      return { destination };
    },
  },
  exercise: {
    given: (raw) => boolean('exercise', raw('exercise').trim()),
    read: (raw) => ({ exercise: boolean('exercise', raw('exercise').trim()) }),
  },
};

function commandValues(
  command: Operation,
  read: Raw,
  env: SettingsContext['env'],
  args: readonly string[],
): CommandValues {
  const spec = OPERATION_TABLE[command];
  // `save --no_snapshot`: one path, no channel (Rekkord takes none in that mode); the other
  // inputs are refused as for any save.
  const raw = command === 'save' && savesRaw(args);
  if (raw && COMMAND_INPUTS.channel.given(read))
    fail(
      (w) =>
        `${named('channel')(w)} is not used with --no_snapshot: Rekkord saves the path with no channel`,
    );
  const values: CommandValues = {
    channel: null,
    paths: [],
    snapshot: null,
    destination: null,
    exercise: false,
  };
  for (const [name, input] of Object.entries(COMMAND_INPUTS) as [
    CommandInput,
    (typeof COMMAND_INPUTS)[CommandInput],
  ][]) {
    if (spec.inputs.includes(name)) {
      const required = spec.required.includes(name) && !(raw && name === 'channel');
      if (required || input.given(read)) Object.assign(values, input.read(read, env));
    } else if (input.given(read)) {
      const users = OPERATIONS.filter((o) => OPERATION_TABLE[o].inputs.includes(name));
      fail((w) => `${named(name)(w)} is only used by ${users.join(', ')}, not ${command}`);
    }
  }
  if (raw && values.paths.length !== 1)
    fail(
      (w) =>
        `${named('paths')(w)} must hold one path with --no_snapshot: Rekkord saves one object in that mode`,
    );
  return values;
}

export function parseSettings(input: InputReader, context: SettingsContext): Settings {
  const get = (name: string): string => input(name).trim();
  const path = (name: string): string | null => {
    const value = get(name);
    return value === '' ? null : expandHome(value, context.env);
  };

  const command = get('command');
  if (command === '')
    fail((w) => `${named('command')(w)} is required: one of ${OPERATIONS.join(', ')}`);
  if (!isOperation(command)) {
    fail((w) => `${named('command')(w)} is '${command}'; expected one of ${OPERATIONS.join(', ')}`);
  }
  const args = lines(input('args'));
  const values = commandValues(command, input, context.env, args);

  const configArg = args.find((a) => CONFIG_OPTIONS.test(a));
  if (configArg) {
    fail((w) =>
      w.edge === 'action'
        ? `Input ${rekkordArguments(w)} must not choose the config or its hooks ('${configArg}'): use the 'config' input; the action passes --no_hooks itself`
        : `${capitalized(rekkordArguments(w))} must not choose the config or its hooks ('${configArg}'): use ${w.setting('config')}; rekkord-hooks passes --no_hooks itself`,
    );
  }

  const enabled = batteries(input('batteries'), () =>
    context.batteriesDir !== undefined
      ? context.batteriesDir
      : findBatteriesFolder(import.meta.url),
  );

  return Object.freeze({
    command,
    config: path('config'),
    ...values,
    paths: Object.freeze([...values.paths]),
    hooksDir: path('hooks-dir'),
    batteries: Object.freeze(enabled.batteries),
    batteriesDir: enabled.dir,
    rekkord: path('rekkord') ?? 'rekkord',
    args: Object.freeze(args),
    hookTimeoutMs: hookTimeoutMs(get('hook-timeout') || '0'),
    lockWaitSeconds: lockWaitSeconds(get('lock-wait') || String(DEFAULT_LOCK_WAIT_S)),
    allowWorkflowCommands: boolean('allow-workflow-commands', get('allow-workflow-commands')),
    skipIdentify: !boolean('identify', get('identify') || 'true'),
    workspace: context.workspace,
    tempDir: context.tempDir,
    env: context.env,
  });
}

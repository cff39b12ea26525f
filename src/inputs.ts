/** Inputs: every input validated once, with a clear error, into one immutable settings object. */
import { OID, OPERATIONS, SettingsError, type Operation } from './types.js';

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
  /** For validate: also run each phase as a rehearsal. */
  readonly exercise: boolean;
  readonly rekkord: string;
  readonly args: readonly string[];
  /** Per-hook limit in milliseconds; 0 for none. */
  readonly hookTimeoutMs: number;
  /** Whether hooks and Rekkord may issue workflow commands (`::error::`, ...) in their output. */
  readonly allowWorkflowCommands: boolean;
  /** Where hooks and Rekkord run, and what relative inputs resolve against. */
  readonly workspace: string;
  /** Where the private config copy is written. */
  readonly tempDir: string;
  /** The environment hooks and Rekkord inherit. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The raw inputs by name, as the runner passes them (empty string when not set). */
export type InputReader = (name: string) => string;

export interface SettingsContext {
  workspace: string;
  tempDir: string;
  env: Readonly<Record<string, string | undefined>>;
}

export const CHANNEL_MAX_BYTES = 256;

// Options that choose a config: the action must know which config Rekkord reads.
const CONFIG_OPTIONS = /^(-C.*|--config_file(=.*)?|--no_config)$/;
const FORCE_OPTIONS = /^(-f|--force)$/;
const OID_PATTERN = new RegExp(`^${OID}$`);

function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function fail(message: string): never {
  throw new SettingsError(message);
}

function boolean(name: string, text: string): boolean {
  const value = text || 'false';
  if (value !== 'true' && value !== 'false') {
    fail(`Input '${name}' is '${value}'; expected true or false`);
  }
  return value === 'true';
}

/** A channel as Rekkord accepts it: not empty, at most 256 bytes, one line, not an option. */
function checkChannel(name: string, channel: string): void {
  if (channel === '')
    fail(`Input '${name}' is required: Rekkord says 'Snapshot channel cannot be empty'`);
  const bytes = Buffer.byteLength(channel, 'utf8');
  if (bytes > CHANNEL_MAX_BYTES) {
    fail(`Input '${name}' is ${bytes} bytes long; Rekkord's limit is ${CHANNEL_MAX_BYTES} bytes`);
  }
  if (channel.startsWith('-')) {
    fail(`Input '${name}' must not start with '-' (Rekkord would read it as an option)`);
  }
  if (/[\r\n]/.test(channel)) fail(`Input '${name}' must be a single line`);
}

/** Inputs that only some commands take, and which. */
const ONLY_FOR: Record<string, readonly Operation[]> = {
  channel: ['save'],
  paths: ['save'],
  snapshot: ['restore'],
  destination: ['restore'],
  exercise: ['validate'],
};

export function parseSettings(input: InputReader, context: SettingsContext): Settings {
  const get = (name: string): string => input(name).trim();

  const commandText = get('command');
  if (commandText === '') fail(`Input 'command' is required: one of ${OPERATIONS.join(', ')}`);
  if (!(OPERATIONS as readonly string[]).includes(commandText)) {
    fail(`Input 'command' is '${commandText}'; expected one of ${OPERATIONS.join(', ')}`);
  }
  const command = commandText as Operation;
  for (const [name, commands] of Object.entries(ONLY_FOR)) {
    if (get(name) !== '' && !commands.includes(command)) {
      fail(`Input '${name}' is only used by ${commands.join(', ')}, not ${command}`);
    }
  }

  const args = lines(input('args'));
  const configArg = args.find((a) => CONFIG_OPTIONS.test(a));
  if (configArg) {
    fail(
      `Input 'args' must not choose the config ('${configArg}'): use the 'config' input instead`,
    );
  }

  let channel: string | null = null;
  const paths = lines(input('paths'));
  if (command === 'save') {
    // Rekkord takes the channel verbatim; only a trailing newline from a YAML block is dropped.
    channel = input('channel').replace(/\r?\n$/, '');
    checkChannel('channel', channel);
    if (paths.length === 0) fail("Input 'paths' is required for save: one path per line");
    const dashed = paths.find((p) => p.startsWith('-'));
    if (dashed) fail(`Path '${dashed}' starts with '-'; write it as './${dashed}'`);
  }

  let snapshot: string | null = null;
  let destination: string | null = null;
  if (command === 'restore') {
    snapshot = get('snapshot');
    if (snapshot === '') fail("Input 'snapshot' is required for restore: an OID or a channel");
    // `OID:path/inside` and `channel:path/inside` pick a sub-tree; the part before is checked.
    const colon = snapshot.indexOf(':');
    const base = colon >= 0 ? snapshot.slice(0, colon) : snapshot;
    if (/^[MRmr][0-9A-Fa-f]{64}$/.test(base) && !OID_PATTERN.test(base)) {
      fail(`Input 'snapshot' looks like an OID but is not upper case: '${base}'`);
    }
    checkChannel('snapshot', base);
    destination = get('destination');
    if (destination === '') fail("Input 'destination' is required for restore: a folder");
    if (destination.startsWith('-'))
      fail(`Destination '${destination}' starts with '-'; write it as './${destination}'`);
  }

  const timeoutText = get('hook-timeout') || '0';
  if (!/^\d+(\.\d+)?$/.test(timeoutText)) {
    fail(`Input 'hook-timeout' is '${timeoutText}'; expected a number of seconds (0 for no limit)`);
  }

  return Object.freeze({
    command,
    config: get('config') || null,
    channel,
    paths: Object.freeze(paths),
    snapshot,
    destination,
    hooksDir: get('hooks-dir') || null,
    exercise: boolean('exercise', get('exercise')),
    rekkord: get('rekkord') || 'rekkord',
    args: Object.freeze(args),
    hookTimeoutMs: Math.round(Number(timeoutText) * 1000),
    allowWorkflowCommands: boolean('allow-workflow-commands', get('allow-workflow-commands')),
    workspace: context.workspace,
    tempDir: context.tempDir,
    env: context.env,
  });
}

/** Whether `args` lets Rekkord overwrite a destination that is not empty. */
export function forcesRestore(settings: Settings): boolean {
  return settings.args.some((a) => FORCE_OPTIONS.test(a));
}

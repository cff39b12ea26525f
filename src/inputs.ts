/** Inputs: every input validated once, with a clear error, into one immutable settings object. */
import { COMMANDS, SettingsError, type Command } from './types.js';

export interface Settings {
  readonly command: Command;
  /** The `config` input, or null to find the config as Rekkord does. */
  readonly config: string | null;
  readonly channel: string | null;
  readonly paths: readonly string[];
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

function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

export function parseSettings(input: InputReader, context: SettingsContext): Settings {
  const get = (name: string): string => input(name).trim();

  const commandText = get('command');
  if (commandText === '')
    throw new SettingsError(`Input 'command' is required: one of ${COMMANDS.join(', ')}`);
  if (!(COMMANDS as readonly string[]).includes(commandText)) {
    throw new SettingsError(
      `Input 'command' is '${commandText}'; expected one of ${COMMANDS.join(', ')}`,
    );
  }
  const command = commandText as Command;

  const channelText = input('channel');
  const paths = lines(input('paths'));
  let channel: string | null = null;
  if (command === 'save') {
    // Rekkord takes the channel verbatim; only a trailing newline from a YAML block is dropped.
    channel = channelText.replace(/\r?\n$/, '');
    if (channel === '')
      throw new SettingsError(
        "Input 'channel' is required for save: Rekkord says 'Snapshot channel cannot be empty'",
      );
    const bytes = Buffer.byteLength(channel, 'utf8');
    if (bytes > CHANNEL_MAX_BYTES) {
      throw new SettingsError(
        `Input 'channel' is ${bytes} bytes long; Rekkord's limit is ${CHANNEL_MAX_BYTES} bytes`,
      );
    }
    if (channel.startsWith('-'))
      throw new SettingsError(
        `Input 'channel' must not start with '-' (Rekkord would read it as an option)`,
      );
    if (/[\r\n]/.test(channel)) throw new SettingsError("Input 'channel' must be a single line");
    if (paths.length === 0)
      throw new SettingsError("Input 'paths' is required for save: one path per line");
    const dashed = paths.find((p) => p.startsWith('-'));
    if (dashed)
      throw new SettingsError(`Path '${dashed}' starts with '-'; write it as './${dashed}'`);
  } else {
    if (channelText.trim() !== '')
      throw new SettingsError(`Input 'channel' is only used by save, not ${command}`);
    if (paths.length > 0)
      throw new SettingsError(`Input 'paths' is only used by save, not ${command}`);
  }

  const args = lines(input('args'));
  const configArg = args.find((a) => CONFIG_OPTIONS.test(a));
  if (configArg) {
    throw new SettingsError(
      `Input 'args' must not choose the config ('${configArg}'): use the 'config' input instead`,
    );
  }

  const timeoutText = get('hook-timeout') || '0';
  if (!/^\d+(\.\d+)?$/.test(timeoutText)) {
    throw new SettingsError(
      `Input 'hook-timeout' is '${timeoutText}'; expected a number of seconds (0 for no limit)`,
    );
  }

  const allowText = get('allow-workflow-commands') || 'false';
  if (allowText !== 'true' && allowText !== 'false') {
    throw new SettingsError(
      `Input 'allow-workflow-commands' is '${allowText}'; expected true or false`,
    );
  }

  return Object.freeze({
    command,
    config: get('config') || null,
    channel,
    paths: Object.freeze(paths),
    rekkord: get('rekkord') || 'rekkord',
    args: Object.freeze(args),
    hookTimeoutMs: Math.round(Number(timeoutText) * 1000),
    allowWorkflowCommands: allowText === 'true',
    workspace: context.workspace,
    tempDir: context.tempDir,
    env: context.env,
  });
}

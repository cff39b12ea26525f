/**
 * The command line's options, operands and exit codes, each said once: `--help`, the parser, the
 * words errors use for a setting, and the README's CLI section (scripts/docs.ts) all read these
 * tables. A new option is one row of OPTIONS; a hook source's option comes from its entry in the
 * hook-source table.
 */
import { OPERATIONS } from '../plan/commands.js';
import { HOOK_SOURCE_KINDS, hookSourceSpec } from '../plan/hook-sources.js';

export interface CliOption {
  long: string;
  short?: string;
  /** The value's placeholder; none for a flag. */
  value?: string;
  /** The engine setting (the action's input) it sets, and to what for a flag. */
  setting?: string;
  flagValue?: string;
  /** Repeatable: each value is one more line of the setting. */
  multiple?: boolean;
  help: string;
}

export const OPTIONS: readonly CliOption[] = [
  {
    long: 'config',
    short: 'C',
    value: 'FILE',
    setting: 'config',
    help: 'Rekkord config (default: found as Rekkord finds it)',
  },
  { long: 'channel', value: 'NAME', setting: 'channel', help: 'snapshot channel (save)' },
  {
    long: 'snapshot',
    value: 'ID',
    setting: 'snapshot',
    help: 'OID or channel to restore (restore)',
  },
  {
    long: 'destination',
    value: 'DIR',
    setting: 'destination',
    help: 'folder to restore into (restore)',
  },
  // The hook sources' own inputs (hooks-dir, batteries), from the hook-source table.
  ...HOOK_SOURCE_KINDS.flatMap((kind): CliOption[] => {
    const { input, option } = hookSourceSpec(kind);
    return option ? [{ long: input, setting: input, ...option }] : [];
  }),
  {
    long: 'rekkord',
    value: 'PATH',
    setting: 'rekkord',
    help: 'Rekkord executable (default: rekkord in PATH)',
  },
  {
    long: 'arg',
    value: 'ARG',
    setting: 'args',
    multiple: true,
    help: 'one more Rekkord argument, repeatable; a value may start with a dash (--arg --threads --arg 4); or put them all after --',
  },
  {
    long: 'hook-timeout',
    value: 'SEC',
    setting: 'hook-timeout',
    help: 'seconds each hook may run (default: 0, no limit)',
  },
  {
    long: 'lock-wait',
    value: 'SEC',
    setting: 'lock-wait',
    help: 'seconds to wait for another run on the same config (default: 600)',
  },
  {
    long: 'exercise',
    setting: 'exercise',
    flagValue: 'true',
    help: 'validate: also run every phase as a rehearsal',
  },
  {
    long: 'no-identify',
    setting: 'identify',
    flagValue: 'false',
    help: 'do not open the repository (rekkord identify) before the hooks',
  },
  {
    long: 'timestamps',
    help: 'a timestamp on every line (the default when stdout is not a terminal)',
  },
  { long: 'no-timestamps', help: 'no timestamps, even when stdout is not a terminal' },
  {
    long: 'json',
    help: 'print one JSON object with the result on stdout at the end; the log goes to stderr',
  },
  { long: 'version', help: 'print rekkord-hooks and its version' },
  { long: 'help', short: 'h', help: 'this help' },
];

/** The operands: the command, the paths to save, and Rekkord's own arguments after `--`. */
export const OPERANDS = [
  { name: 'COMMAND', setting: 'command', help: OPERATIONS.join(', ') },
  { name: 'PATH', setting: 'paths', help: 'files and folders to save (save), after the command' },
  { name: '-- ARG...', setting: 'args', help: 'everything after -- goes to Rekkord as it is' },
] as const;

/**
 * The exit codes, from the most to the least telling: a cron job or a systemd unit can tell
 * "nothing saved" from "saved, but something failed afterwards".
 */
export const EXIT = {
  success: { code: 0, meaning: 'success: every hook and Rekkord succeeded' },
  failed: {
    code: 1,
    meaning:
      'nothing saved (restored, scanned): a pre hook, Rekkord, the config or a check before the hooks failed; validate found an error',
  },
  usage: {
    code: 2,
    meaning: 'usage: the command line or a setting is wrong (nothing ran)',
  },
  failedAfterRekkord: {
    code: 3,
    meaning:
      'the snapshot is saved, but a post hook failed afterwards, or Rekkord failed after writing it (a failed [Link] report)',
  },
  interrupted: {
    code: 130,
    meaning: 'cancelled by SIGINT (the post hooks ran to their end with SUCCESS=0)',
  },
  terminated: {
    code: 143,
    meaning: 'cancelled by SIGTERM (the post hooks ran to their end with SUCCESS=0)',
  },
} as const;

export type ExitName = keyof typeof EXIT;

/** An exit code's name as `--json` gives it: `failed-after-rekkord`. */
export function verdictName(name: ExitName): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** How the command line names a setting in its errors: the option or operand that sets it. */
export function settingWords(setting: string): string {
  if (setting === 'paths') return 'the PATH operands';
  if (setting === 'command') return 'the COMMAND operand';
  const option = OPTIONS.find((o) => o.setting === setting);
  return option ? `--${option.long}` : setting;
}

const OPTION_WIDTH = 24;

function optionLabel(o: CliOption): string {
  const long = `--${o.long}${o.value ? ` ${o.value}` : ''}`;
  return o.short ? `-${o.short}, ${long}` : `    ${long}`;
}

/** Text in lines of at most `width` characters, the first after `first`, the others indented. */
function wrapped(first: string, text: string, indent: number, width = 100): string {
  const lines = [first];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    const current = lines[last] ?? '';
    if (current.length + 1 + word.length > width && current.trim() !== '')
      lines.push(`${' '.repeat(indent)}${word}`);
    else lines[last] = `${current}${current.length === indent ? '' : ' '}${word}`;
  }
  return lines.join('\n');
}

export function usage(): string {
  const options = OPTIONS.map((o) =>
    wrapped(`  ${optionLabel(o).padEnd(OPTION_WIDTH)}`, o.help, OPTION_WIDTH + 3),
  );
  const exits = Object.values(EXIT).map((e) =>
    wrapped(`  ${String(e.code).padEnd(4)}`, e.meaning, 7),
  );
  return [
    `Usage: rekkord-hooks <${OPERATIONS.join('|')}> [options] [PATH...] [-- ARG...]`,
    '',
    'Runs the hooks of a Rekkord config (and of a hooks.d folder) around rekkord save, scan or',
    'restore, exactly as the GitHub Action does; validate checks the hooks without running Rekkord.',
    'The paths to save follow the command; Rekkord arguments follow -- (or --arg, repeated).',
    '',
    'Options:',
    ...options,
    '',
    'Exit codes:',
    ...exits,
    '',
    'Examples:',
    '  rekkord-hooks validate --config /etc/rekkord/rekkord.ini',
    '  rekkord-hooks save --channel nightly /var/backups/db /srv/www -- --threads 4',
    '  rekkord-hooks restore --snapshot nightly --destination /tmp/drill --hooks-dir hooks.d',
  ].join('\n');
}

/**
 * Thrown for a command line that cannot be read: exit code 2, with the usage. It carries the
 * command and whether --json was given, as far as the words could be read, so that a cron job
 * that asked for JSON still gets an object naming the command.
 */
export class UsageError extends Error {
  override name = 'UsageError';
  // Plain fields, not parameter properties: scripts/docs.ts runs this file with types stripped.
  readonly command: string;
  readonly json: boolean;

  constructor(message: string, command = '', json = false) {
    super(message);
    this.command = command;
    this.json = json;
  }
}

export interface CommandLine {
  /** The engine's settings, by the action's input names. */
  inputs: Record<string, string>;
  /** The options without a setting that were given (help, version, json, timestamps...). */
  flags: Set<string>;
}

/**
 * The command line read by the table. An option's value is the next word whatever it starts with
 * (`--arg --threads`), or follows `=` (`--arg=--threads`, `-Cfile`); everything after `--` is
 * Rekkord's. After a word that cannot be read the rest is still read (an unknown option as one
 * without a value), and the first problem is thrown.
 */
export function readCommandLine(argv: readonly string[]): CommandLine {
  const values = new Map<CliOption, string[]>();
  const flags = new Set<string>();
  const operands: string[] = [];
  const rekkordArgs: string[] = [];
  let problem: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--') {
      rekkordArgs.push(...argv.slice(i + 1));
      break;
    }
    let short = false;
    let name: string;
    let inline: string | undefined;
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      name = eq < 0 ? word.slice(2) : word.slice(2, eq);
      if (eq >= 0) inline = word.slice(eq + 1);
    } else if (word.startsWith('-') && word.length > 1) {
      short = true;
      name = word.slice(1, 2);
      if (word.length > 2) inline = word.slice(2);
    } else {
      operands.push(word);
      continue;
    }
    const option = OPTIONS.find((o) => (short ? o.short === name : o.long === name));
    if (!option) {
      problem ??= `unknown option ${short ? '-' : '--'}${name}`;
      continue;
    }
    const label = `--${option.long}`;
    if (!option.value) {
      if (inline !== undefined) problem ??= `${label} takes no value`;
      else flags.add(option.long);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) {
      problem ??= `${label} needs a value (${option.value})`;
      break;
    }
    const given = values.get(option) ?? [];
    if (given.length && !option.multiple) problem ??= `${label} is given twice`;
    else values.set(option, [...given, value]);
  }
  if (flags.has('timestamps') && flags.has('no-timestamps'))
    problem ??= '--timestamps and --no-timestamps contradict each other';
  if (problem !== null) throw new UsageError(problem, operands[0] ?? '', flags.has('json'));

  const [command = '', ...paths] = operands;
  const inputs: Record<string, string> = { command, paths: paths.join('\n') };
  for (const option of OPTIONS) {
    if (!option.setting) continue;
    if (option.value) {
      const given = values.get(option);
      if (given) inputs[option.setting] = given.join('\n');
    } else if (flags.has(option.long) && option.flagValue) {
      inputs[option.setting] = option.flagValue;
    }
  }
  if (rekkordArgs.length)
    inputs.args = [inputs.args ?? '', ...rekkordArgs].filter(Boolean).join('\n');
  return { inputs, flags };
}

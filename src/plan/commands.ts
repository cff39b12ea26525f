/**
 * The command table: everything the action knows about each Rekkord command, in one place. The
 * inputs, the plan, the Rekkord step and the command line read it, so a new command is one entry
 * here (the compiler asks for every field) plus its behaviour in the Rekkord stand-in.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PreflightError, type Vocabulary } from '../kernel/errors.js';

/** Inputs that only some operations take. */
export type CommandInput = 'channel' | 'paths' | 'snapshot' | 'destination' | 'exercise';

/** What Rekkord checks the repository key for before it runs its pre hooks. */
export type KeyMode = 'read' | 'write';

export interface OperationSpec {
  /** One line, for the command line's usage text. */
  summary: string;
  /** The command-specific inputs it takes; any other one given is an error. */
  inputs: readonly CommandInput[];
  /** Of those, the ones it cannot do without. */
  required: readonly CommandInput[];
}

/** What the operands are made of: the settings the command-specific inputs became. */
export interface OperandValues {
  channel: string | null;
  paths: readonly string[];
  snapshot: string | null;
  destination: string | null;
  args: readonly string[];
  workspace: string;
}

export interface CommandSpec extends OperationSpec {
  /**
   * The `[Hooks]` keys of its phases (Rekkord's `lib/config.cc`), or null when Rekkord has none
   * for it; a `hooks-dir` folder still runs around it.
   */
  hookKeys: { pre: string; post: string } | null;
  /** Rekkord opens the repository and checks the key for this before its pre hooks. */
  keyMode: KeyMode;
  /** Whether Rekkord 0.104+ takes `--no_hooks` for it (the installed one is asked too). */
  noHooksOption: boolean;
  /**
   * The operation a TKLBAM hook (`hooks-dir`) is told (turnkeylinux/tklbam hooks.py,
   * `Hooks("backup")`, `Hooks("restore")`): a save is TKLBAM's backup. TKLBAM has no scan: `scan`
   * is the action's own.
   */
  tklbamOperation: string;
  /** What follows the options on Rekkord's command line. */
  operands(values: OperandValues): string[];
  /** Checks that only this command needs, before any hook runs; throws a PreflightError. */
  preflight?(values: OperandValues): Promise<void>;
}

const FORCE_OPTIONS = /^(-f|--force)$/;

/**
 * `save --no_snapshot` (`--raw` in some builds) saves one path as a bare object: no channel, one
 * path only, and Rekkord prints `Data OID:` (cli/snapshot.cc, newest: `if (!raw) save.channel =
 * opt.ConsumeNonOption();`, `Only one object can be saved up in raw mode`).
 */
const RAW_OPTIONS = /^(--no_snapshot|--raw)$/;

export function savesRaw(args: readonly string[]): boolean {
  return args.some((a) => RAW_OPTIONS.test(a));
}

/**
 * Where Rekkord's own arguments are given, in an edge's words: the action's `'args'` input, the
 * command line's arguments after `--` (with an example, shown as `-- example`).
 */
export function rekkordArguments(w: Vocabulary, example?: string): string {
  if (w.edge === 'action') return "'args'";
  return example ? `the Rekkord arguments (-- ${example})` : 'the Rekkord arguments';
}

/** Rekkord restores into a new or empty folder; a folder with files needs `-f` in `args`. */
async function checkDestination(values: OperandValues): Promise<void> {
  const destination = path.resolve(values.workspace, values.destination ?? '');
  const info = await stat(destination).catch(() => null);
  if (!info) return;
  if (!info.isDirectory())
    throw new PreflightError(`Destination ${destination} exists and is not a folder`);
  const forced = values.args.some((a) => FORCE_OPTIONS.test(a));
  if (!forced && (await readdir(destination)).length > 0) {
    throw new PreflightError(
      (w) =>
        `Destination ${destination} is not empty: Rekkord would refuse to restore into it. Empty it, choose another folder, or add --force to ${rekkordArguments(w, '--force')}`,
    );
  }
}

export const COMMAND_TABLE = {
  save: {
    summary: 'pre-save hooks, rekkord save <channel> <path>..., post-save hooks',
    inputs: ['channel', 'paths'],
    required: ['channel', 'paths'],
    hookKeys: { pre: 'PreSaveDirectory', post: 'PostSaveDirectory' },
    keyMode: 'write',
    noHooksOption: true,
    tklbamOperation: 'backup',
    operands: (v) => (savesRaw(v.args) ? [...v.paths] : [v.channel ?? '', ...v.paths]),
  },
  scan: {
    summary: 'pre-scan hooks, rekkord scan, post-scan hooks',
    inputs: [],
    required: [],
    hookKeys: { pre: 'PreScanDirectory', post: 'PostScanDirectory' },
    keyMode: 'read',
    noHooksOption: true,
    tklbamOperation: 'scan',
    operands: () => [],
  },
  restore: {
    summary: 'rekkord restore <snapshot> <destination>, with hooks-dir hooks around it',
    inputs: ['snapshot', 'destination'],
    required: ['snapshot', 'destination'],
    hookKeys: null,
    keyMode: 'read',
    noHooksOption: false,
    tklbamOperation: 'restore',
    operands: (v) => [v.snapshot ?? '', v.destination ?? ''],
    preflight: checkDestination,
  },
} as const satisfies Record<string, CommandSpec>;

/** The Rekkord commands the action runs between hooks. */
export type Command = keyof typeof COMMAND_TABLE;
export const COMMANDS = Object.keys(COMMAND_TABLE) as Command[];

/** What the action can be asked to do: a command with hooks, or `validate` (no Rekkord). */
export type Operation = Command | 'validate';

export const OPERATION_TABLE: Readonly<Record<Operation, OperationSpec>> = {
  ...COMMAND_TABLE,
  validate: {
    summary: 'check every hook without running Rekkord (exercise: rehearse every phase)',
    inputs: ['exercise'],
    required: [],
  },
};
export const OPERATIONS = Object.keys(OPERATION_TABLE) as Operation[];

export function commandSpec(command: Command): CommandSpec {
  return COMMAND_TABLE[command];
}

export function isOperation(text: string): text is Operation {
  return Object.hasOwn(OPERATION_TABLE, text);
}

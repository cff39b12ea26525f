/**
 * The hook sources, as a table: where each kind of hook folder comes from and the rules its hooks
 * follow. The plan, the phase runner, `validate` and the command line's options read it, so a new
 * source is one entry here (and its input in action.yml and inputs.ts).
 */
import path from 'node:path';
import { commandSpec, type Command } from './commands.js';
import { phaseBatteries } from './batteries.js';
import { hookDirectories, type HookDirectorySetting, type RekkordConfig } from './config.js';
import { REKKORD_LISTING, type ListingRules } from './discovery.js';
import type { Settings } from './inputs.js';
import type { PhaseName, Stage } from './types.js';

/** One folder of a source, for one phase. */
export interface SourceFolder {
  directory: string;
  /** For a folder named by the config: where the config names it. */
  setting?: HookDirectorySetting;
  /** Only these entries of the folder, in this order (the batteries); else all it holds. */
  names?: readonly string[];
}

export interface HookSourceSpec {
  /** The input that names its folders (the config names the `[Hooks]` folders). */
  input: 'config' | 'hooks-dir' | 'batteries';
  /**
   * The command line's option for that input (`--<input>`): its value's placeholder, whether it
   * may be repeated, and its help line; none for the config, which has `--config`.
   */
  option?: { value: string; multiple?: boolean; help: string };
  /** Its folders for a phase, in the order they run. */
  folders(settings: Settings, config: RekkordConfig | null, phase: PhaseName): SourceFolder[];
  /** How its folder is listed: which entries are hooks, which are skipped (discovery.ts). */
  listing: ListingRules;
  /** The arguments each of its hooks gets. */
  args(command: Command, stage: Stage): string[];
  /** Its place within a phase, by stage: the lower runs first. */
  order: Readonly<Record<Stage, number>>;
  /**
   * Whether `validate` checks it as Rekkord runs it: through a shell, by a command line built
   * from the folder and the hook's name, dotfiles included.
   */
  shellRules: boolean;
}

/**
 * A TKLBAM `hooks.d` as TKLBAM lists it (hooks.py@1f7f98ca, `_run_hooks`): only files this user may
 * execute (`os.access(X_OK)`), never `*.sig`; the others are skipped, not failures. Dotfiles are
 * skipped too, as `run-parts` does (TKLBAM would run an executable one).
 */
const TKLBAM_LISTING: ListingRules = {
  dotfiles: 'skip',
  maxHooks: null,
  notExecutable: 'skip',
  skipSuffixes: ['.sig'],
};

const HOOK_SOURCES = {
  /** Rekkord's own `[Hooks]` folders, named by the config. */
  config: {
    input: 'config',
    folders: (_settings, config, phase) =>
      hookDirectories(config, phase).map((setting) => ({ directory: setting.directory, setting })),
    listing: REKKORD_LISTING,
    args: () => [],
    order: { pre: 2, post: 0 },
    shellRules: true,
  },
  /** A TKLBAM `hooks.d`: around Rekkord's own, each hook given `OPERATION STATE` (`backup pre`). */
  'hooks-dir': {
    input: 'hooks-dir',
    option: { value: 'DIR', help: 'TKLBAM-style hooks.d folder (hooks get OPERATION STATE)' },
    folders: (settings) =>
      settings.hooksDir ? [{ directory: path.resolve(settings.workspace, settings.hooksDir) }] : [],
    listing: TKLBAM_LISTING,
    args: (command, stage) => [commandSpec(command).tklbamOperation, stage],
    order: { pre: 0, post: 2 },
    shellRules: false,
  },
  /**
   * The batteries the `batteries` input enables, from the folder shipped with the action: hooks
   * as in a `[Hooks]` folder (no arguments), between `hooks-dir` and `[Hooks]`, so a dump is there
   * for the user's own hooks and the heartbeat wraps them; their order is batteries.ts's.
   */
  batteries: {
    input: 'batteries',
    option: {
      value: 'NAMES',
      multiple: true,
      help: 'ready hooks to run: postgresql, mariadb, sqlite, services, heartbeat or a script name (comma-separated or repeated)',
    },
    folders(settings, _config, phase) {
      const names = phaseBatteries(settings.batteries, phase);
      return names.length > 0 && settings.batteriesDir
        ? [{ directory: settings.batteriesDir, names }]
        : [];
    },
    listing: REKKORD_LISTING,
    args: () => [],
    order: { pre: 1, post: 1 },
    shellRules: false,
  },
} as const satisfies Record<string, HookSourceSpec>;

export type HookSourceKind = keyof typeof HOOK_SOURCES;

export const HOOK_SOURCE_KINDS = Object.keys(HOOK_SOURCES) as HookSourceKind[];

export function hookSourceSpec(kind: HookSourceKind): HookSourceSpec {
  return HOOK_SOURCES[kind];
}

/**
 * The hook sources, as a table: where each kind of hook folder comes from and the rules its hooks
 * follow. The plan, the phase runner and `validate` read it, so a new source is one entry here
 * (and its input in action.yml and inputs.ts).
 */
import path from 'node:path';
import type { Command } from './commands.js';
import { phaseBatteries } from './batteries.js';
import { hookDirectories, type HookDirectorySetting, type RekkordConfig } from './config.js';
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
  /** Its folders for a phase, in the order they run. */
  folders(settings: Settings, config: RekkordConfig | null, phase: PhaseName): SourceFolder[];
  /**
   * How its folder is listed: Rekkord's rules (dotfiles run, entries capped) or run-parts' (dotfiles
   * skipped). Executability and `.sig` files are judged alike for both (discovery.ts).
   */
  listing: 'rekkord' | 'run-parts';
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

export const HOOK_SOURCES = {
  /** Rekkord's own `[Hooks]` folders, named by the config. */
  config: {
    input: 'config',
    folders: (_settings, config, phase) =>
      hookDirectories(config, phase).map((setting) => ({ directory: setting.directory, setting })),
    listing: 'rekkord',
    args: () => [],
    order: { pre: 2, post: 0 },
    shellRules: true,
  },
  /** A TKLBAM-style `hooks.d`: around Rekkord's own, each hook given `OPERATION STATE`. */
  'hooks-dir': {
    input: 'hooks-dir',
    folders: (settings) =>
      settings.hooksDir ? [{ directory: path.resolve(settings.workspace, settings.hooksDir) }] : [],
    listing: 'run-parts',
    args: (command, stage) => [command, stage],
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
    folders(settings, _config, phase) {
      const names = phaseBatteries(settings.batteries, phase);
      return names.length > 0 && settings.batteriesDir
        ? [{ directory: settings.batteriesDir, names }]
        : [];
    },
    listing: 'rekkord',
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

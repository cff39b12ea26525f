/**
 * The plan: everything checked before any hook runs. Rekkord is found, the config found and read,
 * and every hook folder of the command exists; anything wrong is a PreflightError and nothing runs.
 *
 * A phase can have three sources of hooks: the config's `[Hooks]` folder (hooks run with no
 * arguments, as Rekkord runs them), the batteries the `batteries` input enables (the same way),
 * and the `hooks-dir` folder (TKLBAM style, with `OPERATION STATE`). The `hooks-dir` hooks wrap
 * the others, the batteries wrap the `[Hooks]` ones: they run first in a pre phase and last in a
 * post phase, so that what they set up (a clock, a mount, a dump) is there for everything inside.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { commandSpec, COMMANDS, rekkordArguments, type Command } from './commands.js';
import {
  allHookDirectories,
  KEY_FILE_VARIABLES,
  loadConfig,
  locateConfig,
  runSecrets,
  repositoryAccess,
  type HookDirectorySetting,
  type RepositoryAccess,
  type RekkordConfig,
  type Secret,
} from './config.js';
import { directoryProblem } from './discovery.js';
import { childEnvironment } from './child-env.js';
import type { Settings } from './inputs.js';
import { resolveExecutable } from './paths.js';
import { identify, probeRekkord, type Execute } from './rekkord-probe.js';
import { capitalized, PreflightError, type Vocabulary, type Words } from '../kernel/errors.js';
import type { PhaseName, Stage } from './types.js';
import { HOOK_SOURCE_KINDS, hookSourceSpec, type HookSourceKind } from './hook-sources.js';

export interface HookSource {
  kind: HookSourceKind;
  directory: string;
  /** The arguments each hook of this folder gets. */
  args: readonly string[];
  /** For a config folder: where the config names it. */
  setting?: HookDirectorySetting;
  /** Only these entries of the folder, in this order (the batteries). */
  names?: readonly string[];
}

export interface PhasePlan {
  phase: PhaseName;
  stage: Stage;
  command: Command;
  /** The folders whose hooks run in this phase, in order; empty when there are none. */
  sources: HookSource[];
}

export interface Plan {
  settings: Settings;
  command: Command;
  rekkordPath: string;
  rekkordVersion: string | null;
  /** Whether Rekkord is told `--no_hooks` and reads the user's config itself, as written. */
  noHooks: boolean;
  /** The role of the repository key, as `rekkord identify` said it; null when not asked. */
  keyRole: string | null;
  config: RekkordConfig | null;
  /** Where Rekkord's default locations were searched, when no config was named. */
  configSearched: string[];
  /** Every secret of the config, the environment and the args. */
  secrets: Secret[];
  /** The environment hooks and Rekkord get (the runner's own variables removed). */
  childEnv: Readonly<Record<string, string | undefined>>;
  pre: PhasePlan;
  post: PhasePlan;
  /** Things worth telling the user that do not stop the run. */
  warnings: string[];
}

export interface PlanOptions {
  /**
   * Runs short commands (the edge decides how), to ask Rekkord its version, whether it takes
   * `--no_hooks`, and to open the repository with `rekkord identify`. Without it, Rekkord is not
   * asked: it gets the config copy without `[Hooks]`.
   */
  execute?: Execute;
  /**
   * For the post step of a killed main step: only the post hooks will run, so nothing that only
   * matters to the pre hooks or Rekkord (their folders, Rekkord itself, the destination) may stop
   * them.
   */
  recovery?: boolean;
  /**
   * Told every secret as soon as they are known: after the config is read, before the first
   * process (`--version`, `--help`, `identify`) starts, since their words may quote the config.
   */
  maskSecrets?: (secrets: readonly Secret[]) => void;
  /**
   * Called once the config is known and before Rekkord is first run (the engine takes the run's
   * lock here); its rejection stops the plan.
   */
  beforeProbe?: (configPath: string | null) => Promise<void>;
}

/** A command's phases, in the order they run. */
const STAGES: readonly Stage[] = ['pre', 'post'];

export const INSTALL_HINT: Words = (w) =>
  w.edge === 'action'
    ? "Install Rekkord in an earlier step (Debian/Ubuntu and RPM repositories, Windows and macOS builds: see rekkord.org), or set the 'rekkord' input to its path"
    : `Install Rekkord (Debian/Ubuntu and RPM repositories, Windows and macOS builds: see rekkord.org), or give its path with ${w.setting('rekkord')}`;

function lenientNote(setting: HookDirectorySetting): string {
  if (setting.lenientValue === null) return '';
  return ` (most INI readers would read "${setting.lenientValue}", but Rekkord keeps the value verbatim: no inline comments, no quote removal)`;
}

function rekkordMissing(settings: Settings): PreflightError {
  const file = path.resolve(settings.workspace, settings.rekkord);
  const why = !settings.rekkord.includes('/')
    ? `no executable '${settings.rekkord}' in PATH`
    : existsSync(file)
      ? `${file} is not an executable file`
      : `${file} does not exist`;
  return new PreflightError((w) => `Rekkord was not found: ${why}. ${INSTALL_HINT(w)}`);
}

/**
 * What every plan starts from: Rekkord looked for (a PreflightError when it is required and
 * missing), the config found and read as Rekkord would (or
 * null when there is none), every secret of the config, the environment and the args, and the
 * environment children get.
 */
async function planBase(settings: Settings, rekkordRequired: boolean) {
  const rekkordPath = await resolveExecutable(
    settings.rekkord,
    settings.env.PATH ?? '',
    settings.workspace,
  );
  if (!rekkordPath && rekkordRequired) throw rekkordMissing(settings);
  const located = await locateConfig(settings.config, {
    env: settings.env,
    cwd: settings.workspace,
    rekkordPath,
  });
  const config =
    located.path && located.source
      ? await loadConfig(located.path, located.source, settings.env)
      : null;
  return {
    rekkordPath,
    config,
    searched: located.searched,
    secrets: [...(config?.secrets ?? []), ...runSecrets(settings.env, settings.args)],
    childEnv: childEnvironment(settings.env, settings.allowWorkflowCommands),
  };
}

/** A problem with a phase's folder, or null; with the file and line to point at. */
export interface SourceProblem {
  message: Words;
  /** The message without the place, for a finding that carries its file and line. */
  detail: string;
  where?: { file: string; line?: number };
}

export async function sourceProblem(
  source: Pick<HookSource, 'kind' | 'directory' | 'setting'>,
  config: RekkordConfig | null,
): Promise<SourceProblem | null> {
  const problem = await directoryProblem(source.directory);
  if (!problem) return null;
  const setting = source.setting;
  if (setting && config) {
    const detail = `[Hooks] ${setting.key} = ${setting.value}: the hook directory ${problem}${lenientNote(setting)}`;
    return {
      message: () => `${config.path}:${setting.line}: ${detail}`,
      detail,
      where: { file: config.path, line: setting.line },
    };
  }
  return {
    message: (w) =>
      `${capitalized(w.setting(hookSourceSpec(source.kind).input))}: the hook directory ${problem}`,
    detail: `the hook directory ${problem}`,
  };
}

/** The folders of one phase, in the order they run (see the top of this file). */
export function phasePlan(
  settings: Settings,
  config: RekkordConfig | null,
  command: Command,
  stage: Stage,
): PhasePlan {
  const phase: PhaseName = `${stage}-${command}`;
  // Each source's folders, the sources in their order for this stage (see hook-sources.ts).
  const kinds = [...HOOK_SOURCE_KINDS].sort(
    (a, b) => hookSourceSpec(a).order[stage] - hookSourceSpec(b).order[stage],
  );
  const sources: HookSource[] = kinds.flatMap((kind) => {
    const spec = hookSourceSpec(kind);
    return spec.folders(settings, config, phase).map((folder) => ({
      kind,
      ...folder,
      args: spec.args(command, stage),
    }));
  });
  return { phase, stage, command, sources };
}

function lenientWarnings(plan: PhasePlan, config: RekkordConfig | null): string[] {
  return plan.sources.flatMap((s) =>
    s.setting?.lenientValue != null && config
      ? [
          `${config.path}:${s.setting.line}: [Hooks] ${s.setting.key} = ${s.setting.value}: Rekkord reads the directory as "${s.setting.value}"${lenientNote(s.setting)}`,
        ]
      : [],
  );
}

/** When no key file is named anywhere: where Rekkord looks for one, newest variable first. */
function keyHint(repository: RepositoryAccess, w: Vocabulary): string {
  if (repository.keyFileNamed) return '';
  const [newest, older] = KEY_FILE_VARIABLES;
  return ` No key file is named: set [Repository] KeyFile in the config, -K FILE in ${rekkordArguments(w, '-K FILE')}, or ${newest} (${older} for builds that read the older name).`;
}

export async function makePlan(settings: Settings, options: PlanOptions = {}): Promise<Plan> {
  const command = settings.command;
  if (command === 'validate') throw new PreflightError('validate has no Rekkord step to plan');
  const base = await planBase(settings, !options.recovery);
  const { config, childEnv } = base;
  const rekkordPath = base.rekkordPath ?? settings.rekkord;
  options.maskSecrets?.(base.secrets);
  await options.beforeProbe?.(config?.path ?? null);

  const [pre, post] = STAGES.map((stage) => phasePlan(settings, config, command, stage)) as [
    PhasePlan,
    PhasePlan,
  ];
  const repository = repositoryAccess(config, settings.args, childEnv);
  if (!options.recovery) {
    // Every [Hooks] folder, whatever the command: Rekkord refuses a config whose folder it cannot
    // list (`lib/config.cc`), so a scan fails on a missing pre-save folder too.
    const configured = allHookDirectories(config).map((setting) => ({
      kind: 'config' as const,
      directory: setting.directory,
      setting,
    }));
    // The other sources' folders: the same for pre and post, so each is checked once.
    const others = new Map<string, HookSource>();
    for (const s of [...pre.sources, ...post.sources]) {
      if (hookSourceSpec(s.kind).input !== 'config' && !others.has(s.directory))
        others.set(s.directory, s);
    }
    const sources = [...configured, ...others.values()];
    for (const source of sources) {
      const problem = await sourceProblem(source, config);
      if (problem) throw new PreflightError(problem.message, problem.where);
    }
    await commandSpec(command).preflight?.(settings);
  }

  let rekkordVersion: string | null = null;
  let noHooks = false;
  let keyRole: string | null = null;
  if (options.execute && !options.recovery) {
    const execute = options.execute;
    try {
      const info = await probeRekkord(execute, rekkordPath, command, childEnv);
      rekkordVersion = info.version;
      noHooks = info.noHooks;
    } catch (error) {
      throw new PreflightError(
        (w) =>
          `Rekkord at ${rekkordPath} does not run: ${(error as Error).message}. ${INSTALL_HINT(w)}`,
      );
    }
    if (!settings.skipIdentify) {
      // Rekkord opens the repository before its pre hooks: when it cannot, no hook may run.
      const ctx = {
        configPath: config?.path ?? null,
        options: repository.options,
        cwd: settings.workspace,
        env: childEnv,
      };
      keyRole = await identify(execute, rekkordPath, command, ctx).catch((error: unknown) => {
        throw new PreflightError(
          (w) =>
            `No hook ran: ${(error as Error).message}.${keyHint(repository, w)} ${w.edge === 'action' ? "Set 'identify: false'" : 'Use --no-identify'} to rehearse without the repository`,
        );
      });
    }
  }

  return {
    settings,
    command,
    rekkordPath,
    rekkordVersion,
    noHooks,
    keyRole,
    config,
    configSearched: base.searched,
    secrets: base.secrets,
    childEnv,
    pre,
    post,
    warnings: [...lenientWarnings(pre, config), ...lenientWarnings(post, config)],
  };
}

/** What validate looks at: every phase of every command that has a hook folder. */
export interface ValidationPlan {
  settings: Settings;
  config: RekkordConfig | null;
  configSearched: string[];
  secrets: Secret[];
  childEnv: Readonly<Record<string, string | undefined>>;
  phases: PhasePlan[];
}

export async function makeValidationPlan(settings: Settings): Promise<ValidationPlan> {
  // Rekkord is not needed to validate, but its folder is one place the config may be.
  const { config, searched, secrets, childEnv } = await planBase(settings, false);
  const phases = COMMANDS.flatMap((command) =>
    STAGES.map((stage) => phasePlan(settings, config, command, stage)),
  ).filter((p) => p.sources.length > 0);
  if (!config && phases.length === 0) {
    // The inputs that name hook folders of their own, read from the hook-source table.
    const inputs = HOOK_SOURCE_KINDS.map((k) => hookSourceSpec(k).input).filter(
      (i) => i !== 'config',
    );
    throw new PreflightError(
      `Nothing to validate: no Rekkord config (searched ${searched.join(', ')}) and no ${inputs.map((i) => `'${i}'`).join(' or ')}`,
    );
  }
  return { settings, config, configSearched: searched, secrets, childEnv, phases };
}

/**
 * The plan: everything checked before any hook runs. Rekkord is found, the config found and read,
 * and both hook directories of the command exist; anything wrong is a SettingsError and nothing runs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  hookKey,
  loadConfig,
  locateConfig,
  phasesOf,
  type HookDirectorySetting,
  type RekkordConfig,
} from './config.js';
import { directoryProblem } from './discovery.js';
import type { Settings } from './inputs.js';
import { resolveExecutable } from './rekkord-step.js';
import { SettingsError, type PhaseName } from './types.js';

export interface PhasePlan {
  phase: PhaseName;
  /** The configured directory, or null when the config names none for this phase. */
  directory: HookDirectorySetting | null;
}

export interface Plan {
  settings: Settings;
  rekkordPath: string;
  rekkordVersion: string | null;
  config: RekkordConfig | null;
  /** Where Rekkord's default locations were searched, when no config was named. */
  configSearched: string[];
  pre: PhasePlan;
  post: PhasePlan;
  /** Things worth telling the user that do not stop the run. */
  warnings: string[];
}

export interface PlanOptions {
  /** Runs `rekkord --version` (the edge decides how); a rejection means Rekkord cannot run. */
  probeVersion?: (rekkordPath: string) => Promise<string>;
}

export const INSTALL_HINT =
  "Install Rekkord in an earlier step (Debian/Ubuntu and RPM repositories, Windows and macOS builds: see rekkord.org), or set the 'rekkord' input to its path";

function lenientNote(setting: HookDirectorySetting): string {
  if (setting.lenientValue === null) return '';
  return ` (most INI readers would read "${setting.lenientValue}", but Rekkord keeps the value verbatim: no inline comments, no quote removal)`;
}

export async function makePlan(settings: Settings, options: PlanOptions = {}): Promise<Plan> {
  const rekkordPath = await resolveExecutable(
    settings.rekkord,
    settings.env.PATH ?? '',
    settings.workspace,
  );
  if (!rekkordPath) {
    const file = path.resolve(settings.workspace, settings.rekkord);
    const why = !settings.rekkord.includes('/')
      ? `no executable '${settings.rekkord}' in PATH`
      : existsSync(file)
        ? `${file} is not an executable file`
        : `${file} does not exist`;
    throw new SettingsError(`Rekkord was not found: ${why}. ${INSTALL_HINT}`);
  }

  const located = await locateConfig(settings.config, {
    env: settings.env,
    cwd: settings.workspace,
    rekkordPath,
  });
  const config =
    located.path && located.source
      ? await loadConfig(located.path, located.source, settings.env)
      : null;

  const warnings: string[] = [];
  const phase = async (name: PhaseName): Promise<PhasePlan> => {
    const directory = config?.hooks[name] ?? null;
    if (directory && config) {
      const where = `${config.path}:${directory.line}: [Hooks] ${hookKey(name)} = ${directory.value}`;
      const problem = await directoryProblem(directory.directory);
      if (problem)
        throw new SettingsError(`${where}: the hook directory ${problem}${lenientNote(directory)}`);
      if (directory.lenientValue !== null)
        warnings.push(
          `${where}: Rekkord reads the directory as "${directory.value}"${lenientNote(directory)}`,
        );
    }
    return { phase: name, directory };
  };
  const [preName, postName] = phasesOf(settings.command);
  const pre = await phase(preName);
  const post = await phase(postName);

  let rekkordVersion: string | null = null;
  if (options.probeVersion) {
    try {
      rekkordVersion = await options.probeVersion(rekkordPath);
    } catch (error) {
      throw new SettingsError(
        `Rekkord at ${rekkordPath} does not run: ${(error as Error).message}. ${INSTALL_HINT}`,
      );
    }
  }

  return {
    settings,
    rekkordPath,
    rekkordVersion,
    config,
    configSearched: located.searched,
    pre,
    post,
    warnings,
  };
}

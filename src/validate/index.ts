/**
 * validate: what every phase would run and skip, and what is wrong with each hook, without running
 * Rekkord, a hook, or anything from the repository it checks. Each finding names the file (and
 * line) to fix. The checks on one file or folder are in validate-findings.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { listHookDirectory } from '../plan/discovery.js';
import { sourceProblem, type HookSource, type ValidationPlan } from '../plan/index.js';
import { hookSourceSpec } from '../plan/hook-sources.js';
import type { HookEntry, PhaseName, SkippedEntry } from '../plan/types.js';
import {
  dotfileFinding,
  folderShellFinding,
  folderWritableFindings,
  hookWritableFindings,
  nameShellFinding,
  startFindings,
  type Finding,
} from './findings.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface ValidatedHook {
  name: string;
  path: string;
  args: readonly string[];
  findings: Finding[];
}

export interface ValidatedPhase {
  phase: PhaseName;
  directories: string[];
  /** Folders of the phase that cannot be used, in words. */
  errors: string[];
  /** What is wrong with a folder that can be used (shell characters, who may write it). */
  folderFindings: Finding[];
  hooks: ValidatedHook[];
  skipped: SkippedEntry[];
}

export interface Validation {
  configPath: string | null;
  phases: ValidatedPhase[];
  /** Every finding, folders' and hooks', in order. */
  findings: Finding[];
}

/**
 * The modes git records for the files of a hook folder, by name; empty when the folder is not in
 * the workspace's own repository.
 *
 * validate runs on untrusted content (a pull request), so git must never read a config from the
 * checked folders: started inside a hook folder laid out as a bare repository (HEAD, objects/,
 * refs/, a config with core.worktree and core.fsmonitor), git discovers that folder as its
 * repository and runs its fsmonitor command. Hence git runs from the workspace root with the
 * workspace's own `.git` named explicitly (no discovery at all), fsmonitor and hooks off, implicit
 * bare repositories refused, no system config, discovery stopped above the workspace, and no GIT_*
 * variable inherited that could point it elsewhere.
 */
async function gitModes(workspace: string, dir: string, env: Env): Promise<Map<string, string>> {
  const modes = new Map<string, string>();
  const gitDir = path.join(workspace, '.git');
  const rel = path.relative(workspace, dir);
  if (rel.startsWith('..') || path.isAbsolute(rel) || !existsSync(gitDir)) return modes;
  const cleanEnv: Env = Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith('GIT_')),
  );
  const args = [
    ...['--git-dir', gitDir, '--work-tree', workspace, '--literal-pathspecs'],
    ...['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null'],
    ...['-c', 'safe.bareRepository=explicit'],
    ...['ls-files', '-s', '-z', '--', rel || '.'],
  ];
  try {
    const { stdout } = await promisify(execFile)('git', args, {
      cwd: workspace,
      env: {
        ...cleanEnv,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CEILING_DIRECTORIES: path.dirname(workspace),
        GIT_OPTIONAL_LOCKS: '0',
        GIT_TERMINAL_PROMPT: '0',
      },
      maxBuffer: 16 * 1024 * 1024,
    });
    const prefix = rel ? `${rel}/` : '';
    for (const record of stdout.split('\0')) {
      const tab = record.indexOf('\t');
      const file = record.slice(tab + 1);
      if (tab < 0 || !file.startsWith(prefix)) continue;
      const name = file.slice(prefix.length);
      if (!name.includes('/')) modes.set(name, record.slice(0, 6));
    }
  } catch {
    // No git, or not a repository git can read: nothing to compare with.
  }
  return modes;
}

/** The entries of a folder that run as hooks (dotfiles too in Rekkord's own folders), and those skipped. */
function entries(source: HookSource) {
  const style = hookSourceSpec(source.kind).listing;
  return listHookDirectory(source.directory, source.args, {
    style,
    ...(source.names ? { names: source.names } : {}),
  });
}

async function isRunnable(hook: HookEntry): Promise<boolean> {
  if (hook.problem) return false;
  const mode = await stat(hook.path).then(
    (s) => s.mode,
    () => 0,
  );
  return (mode & 0o111) !== 0;
}

/** Findings on a usable folder, once per folder however many phases use it. */
async function folderFindings(
  source: HookSource,
  plan: ValidationPlan,
  title: string,
): Promise<Finding[]> {
  const { shellRules } = hookSourceSpec(source.kind);
  const setting = plan.config ? source.setting : undefined;
  const where = setting && plan.config ? { file: plan.config.path, line: setting.line } : undefined;
  return [
    ...(shellRules
      ? folderShellFinding(source.directory, title, where?.file ?? source.directory, where?.line)
      : []),
    ...(await folderWritableFindings(source.directory, plan.settings.workspace, title, where)),
  ];
}

async function hookFindings(
  hook: HookEntry,
  source: HookSource,
  phase: PhaseName,
  ctx: { modes: Map<string, string>; pathVar: string; workspace: string },
): Promise<Finding[]> {
  const title = `${phase} hook ${hook.name}`;
  const found: Finding[] = [];
  const { shellRules } = hookSourceSpec(source.kind);
  if (shellRules && hook.name.startsWith('.')) {
    const runnable = await isRunnable(hook);
    found.push(dotfileFinding(hook.name, hook.path, title, runnable));
    // A .gitkeep is no script: the dotfile finding says all, how it would start adds nothing.
    if (!runnable) return [...found, ...(await hookWritableFindings(hook.path, title))];
  }
  if (hook.problem) {
    found.push({
      severity: 'error',
      title: `${title} cannot start`,
      message: `${hook.name}: ${hook.problem.message}`,
      file: hook.path,
    });
  }
  if (shellRules) {
    found.push(...nameShellFinding(hook.name, hook.path, title));
  }
  if (ctx.modes.get(hook.name) === '100644') {
    found.push({
      severity: 'error',
      title: `${title} not executable in git`,
      message: `git records ${hook.name} as not executable (mode 100644), so a fresh checkout cannot run it: git update-index --chmod=+x ${path.relative(ctx.workspace, hook.path)}`,
      file: hook.path,
    });
  }
  found.push(...(await hookWritableFindings(hook.path, title)));
  if (!hook.problem || hook.problem.kind === 'not-executable') {
    found.push(...(await startFindings(hook.path, ctx.pathVar)));
  }
  return found;
}

/** The real paths of the batteries the input enables, by path, with their names. */
async function enabledBatteries(plan: ValidationPlan): Promise<Map<string, string>> {
  const { batteries, batteriesDir } = plan.settings;
  const found = new Map<string, string>();
  if (!batteriesDir) return found;
  for (const name of batteries) {
    const real = await realpath(path.join(batteriesDir, name)).catch(() => null);
    if (real) found.set(real, name);
  }
  return found;
}

/** A `[Hooks]` entry that is an enabled battery (a link or the same file) would run twice. */
async function twiceFinding(
  hook: HookEntry,
  phase: PhaseName,
  batteries: Map<string, string>,
): Promise<Finding[]> {
  const real = await realpath(hook.path).catch(() => null);
  const battery = real ? batteries.get(real) : undefined;
  if (!battery) return [];
  return [
    {
      severity: 'warning',
      title: `${phase} hook ${hook.name} runs twice`,
      message: `${hook.name} is the battery ${battery}, which the 'batteries' input also enables: it would run twice. Remove it from the folder or from 'batteries'`,
      file: hook.path,
    },
  ];
}

export async function validatePlan(plan: ValidationPlan): Promise<Validation> {
  const pathVar = plan.settings.env.PATH ?? '';
  const workspace = plan.settings.workspace;
  const batteries = await enabledBatteries(plan);
  const findings: Finding[] = [];
  const phases: ValidatedPhase[] = [];
  const foldersSeen = new Set<string>();
  for (const phase of plan.phases) {
    const validated: ValidatedPhase = {
      phase: phase.phase,
      directories: phase.sources.map((s) => s.directory),
      hooks: [],
      skipped: [],
      errors: [],
      folderFindings: [],
    };
    for (const source of phase.sources) {
      const problem = await sourceProblem(source, plan.config);
      if (problem) {
        validated.errors.push(problem.message);
        findings.push({
          severity: 'error',
          title: `${phase.phase} hook folder missing`,
          message: problem.message,
          file: problem.where?.file ?? source.directory,
          ...(problem.where?.line ? { line: problem.where.line } : {}),
        });
        continue;
      }
      if (!foldersSeen.has(source.directory)) {
        foldersSeen.add(source.directory);
        const found = await folderFindings(source, plan, `${phase.phase} hook folder`);
        validated.folderFindings.push(...found);
        findings.push(...found);
      }
      const listing = await entries(source);
      const ctx = {
        modes: await gitModes(workspace, source.directory, plan.settings.env),
        pathVar,
        workspace,
      };
      validated.skipped.push(...listing.skipped);
      for (const hook of listing.hooks) {
        const found = await hookFindings(hook, source, phase.phase, ctx);
        if (source.kind === 'config')
          found.push(...(await twiceFinding(hook, phase.phase, batteries)));
        validated.hooks.push({
          name: hook.name,
          path: hook.path,
          args: hook.args,
          findings: found,
        });
        findings.push(...found);
      }
    }
    phases.push(validated);
  }
  return { configPath: plan.config?.path ?? null, phases, findings };
}

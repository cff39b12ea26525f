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
import { listHookDirectory, MAX_HOOKS_PER_FOLDER, type HookListing } from '../plan/discovery.js';
import { sourceProblem, type HookSource, type ValidationPlan } from '../plan/index.js';
import { hookSourceSpec } from '../plan/hook-sources.js';
import { isPlainName } from '../plan/rekkord-ini.js';
import type { HookEntry, PhaseName, SkippedEntry } from '../plan/types.js';
import { commandLine } from '../kernel/text.js';
import {
  dotfileFinding,
  folderShellFinding,
  folderWritableFindings,
  hookWritableFindings,
  nameShellFinding,
  real,
  startFindings,
  type CheckedFolders,
  type Finding,
} from './findings.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface ValidatedHook {
  name: string;
  path: string;
  args: readonly string[];
  /** Shared by every phase its folder serves: a hook is checked once. */
  findings: Finding[];
  /** The first phase that lists it, where its findings are shown; later phases refer to it. */
  shownIn: PhaseName;
}

export interface ValidatedPhase {
  phase: PhaseName;
  directories: string[];
  /** Folders of the phase that cannot be used, in words (each folder in its first phase only). */
  errors: string[];
  /** What is wrong with a folder that can be used (in its first phase only). */
  folderFindings: Finding[];
  hooks: ValidatedHook[];
  skipped: SkippedEntry[];
}

export interface Validation {
  configPath: string | null;
  phases: ValidatedPhase[];
  /** Every finding, folders' and hooks', in order, each once. */
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

/**
 * The entries of a folder, up to Rekkord's own cap, listed by its source's rules: validate runs on
 * untrusted content, so its work must not grow with what a pull request puts in a folder.
 */
function entries(source: HookSource): Promise<HookListing> {
  const rules = hookSourceSpec(source.kind).listing;
  return listHookDirectory(source.directory, source.args, {
    ...rules,
    limit: MAX_HOOKS_PER_FOLDER,
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
  use: FolderUse,
  plan: ValidationPlan,
  title: string,
  ctx: { repository: string; checked: CheckedFolders },
): Promise<Finding[]> {
  const { source } = use;
  const { shellRules } = hookSourceSpec(source.kind);
  const setting = plan.config ? source.setting : undefined;
  const where = setting && plan.config ? { file: plan.config.path, line: setting.line } : undefined;
  return [
    ...(shellRules
      ? folderShellFinding(source.directory, title, where?.file ?? source.directory, where?.line)
      : []),
    ...(await folderWritableFindings(
      { dir: source.directory, real: use.real },
      ctx.repository,
      title,
      ctx.checked,
      where,
    )),
  ];
}

async function hookFindings(
  hook: HookEntry,
  /** The hook's real path (see `real`). */
  realPath: string,
  source: HookSource,
  label: string,
  ctx: { modes: Map<string, string>; pathVar: string; workspace: string },
): Promise<Finding[]> {
  const title = `${label} hook ${hook.name}`;
  const found: Finding[] = [];
  const { shellRules } = hookSourceSpec(source.kind);
  if (shellRules && hook.name.startsWith('.')) {
    const runnable = await isRunnable(hook);
    found.push(dotfileFinding(hook.name, hook.path, title, runnable));
    // A .gitkeep is no script: the dotfile finding says all, how it would start adds nothing.
    if (!runnable) return [...found, ...(await hookWritableFindings(realPath, title))];
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
    const file = commandLine([path.relative(ctx.workspace, hook.path)]);
    found.push({
      severity: 'error',
      title: `${title} not executable in git`,
      message: `git records ${hook.name} as not executable (mode 100644), so a fresh checkout cannot run it: git update-index --chmod=+x -- ${file}`,
      file: hook.path,
    });
  }
  found.push(...(await hookWritableFindings(realPath, title)));
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

/** A `[Hooks]` entry that is an enabled battery (a link or the same file): a run skips it. */
function twiceFinding(
  hook: HookEntry,
  realPath: string,
  phase: string,
  batteries: Map<string, string>,
): Finding[] {
  const battery = batteries.get(realPath);
  if (!battery) return [];
  return [
    {
      severity: 'warning',
      title: `${phase} hook ${hook.name} is named twice`,
      message: `${hook.name} is the battery ${battery}, which the 'batteries' input also enables: a run skips this entry and runs the battery once, at its place. Remove it from the folder or from 'batteries'`,
      file: hook.path,
    },
  ];
}

/** One folder as the plan names it, by its source's kind and real path, with where it is used. */
interface FolderUse {
  source: HookSource;
  /** The folder's real path (see `real`). */
  real: string;
  /** The phases it serves, in plan order, and the config lines naming it for each. */
  phases: Map<PhaseName, number[]>;
}

/** What checking a folder once found; every phase it serves shows this. */
interface FolderCheck {
  problem: string | null;
  folderFindings: Finding[];
  listing: HookListing;
  hookFindings: Finding[][];
}

/** The phases a folder serves, for titles: `pre-save`, or `pre-save, post-save`. */
function phaseLabel(use: FolderUse): string {
  return [...use.phases.keys()].join(', ');
}

/** Where a line list is cut in a message: a repeated key may name a folder hundreds of times. */
const MAX_LINES_NAMED = 10;

function lineList(lines: number[]): string {
  const shown = lines.slice(0, MAX_LINES_NAMED).join(', ');
  return lines.length > MAX_LINES_NAMED
    ? `${shown}, … ${lines.length - MAX_LINES_NAMED} more`
    : shown;
}

async function checkFolder(
  use: FolderUse,
  plan: ValidationPlan,
  ctx: {
    pathVar: string;
    workspace: string;
    repository: string;
    batteries: Map<string, string>;
    checked: CheckedFolders;
  },
): Promise<{ check: FolderCheck; findings: Finding[] }> {
  const { source } = use;
  const label = phaseLabel(use);
  const findings: Finding[] = [];
  const configPath = plan.config?.path;
  // A folder named again for the same phase runs again under Rekkord; validate checks it once.
  for (const [phase, lines] of use.phases) {
    if (lines.length < 2 || !configPath) continue;
    findings.push({
      severity: 'warning',
      title: `${phase} hook folder named ${lines.length} times`,
      message: `[Hooks] names ${source.directory} ${lines.length} times for ${phase} (lines ${lineList(lines)}): Rekkord runs its hooks once for each; name it once`,
      file: configPath,
      line: lines[1] ?? 1,
    });
  }
  const empty: HookListing = { hooks: [], skipped: [], unexamined: 0 };
  const problem = await sourceProblem(source, plan.config);
  if (problem) {
    findings.push({
      severity: 'error',
      title: `${label} hook folder missing`,
      message: problem.detail,
      file: problem.where?.file ?? source.directory,
      ...(problem.where?.line ? { line: problem.where.line } : {}),
    });
    return {
      check: { problem: problem.detail, folderFindings: [], listing: empty, hookFindings: [] },
      findings,
    };
  }
  const folder = await folderFindings(use, plan, `${label} hook folder`, ctx);
  const listing = await entries(source);
  if (listing.unexamined) {
    const rule =
      hookSourceSpec(source.kind).listing.maxHooks !== null
        ? `Rekkord takes at most ${MAX_HOOKS_PER_FOLDER} entries from one folder`
        : `validate examines at most ${MAX_HOOKS_PER_FOLDER} entries of one folder`;
    folder.push({
      severity: 'error',
      title: `${label} hook folder: too many entries`,
      message: `${source.directory} holds ${MAX_HOOKS_PER_FOLDER + listing.unexamined} entries: ${rule}; the first ${MAX_HOOKS_PER_FOLDER} in name order were checked, ${listing.unexamined} more were not`,
      file: configPath && source.setting ? configPath : source.directory,
      ...(configPath && source.setting ? { line: source.setting.line } : {}),
    });
  }
  findings.push(...folder);
  const hookCtx = {
    ...ctx,
    modes: await gitModes(ctx.workspace, source.directory, plan.settings.env),
  };
  const hookFindingsList: Finding[][] = [];
  for (const hook of listing.hooks) {
    const realPath = await real(hook.path);
    const found = await hookFindings(hook, realPath, source, label, hookCtx);
    if (source.kind === 'config') {
      found.push(...twiceFinding(hook, realPath, label, ctx.batteries));
    }
    hookFindingsList.push(found);
    findings.push(...found);
  }
  return {
    check: { problem: null, folderFindings: folder, listing, hookFindings: hookFindingsList },
    findings,
  };
}

/**
 * Keys and sections the newest Rekkord source known does not have: a newer Rekkord may take them,
 * an older one may refuse them. validate has no Rekkord to ask, so it warns; a save asks Rekkord.
 */
function unknownNameFindings(plan: ValidationPlan): Finding[] {
  const config = plan.config;
  if (!config) return [];
  return config.doc.unknown.map((u) => {
    // A name that is no plain name is not repeated: a line such as `SecretKey: …=` reads as one
    // unknown key that holds a secret.
    const name =
      u.key === null
        ? isPlainName(u.section)
          ? `section [${u.section}]`
          : 'a section'
        : isPlainName(u.key)
          ? `key ${u.key} in [${u.section}]`
          : `a key in [${u.section}]`;
    return {
      severity: 'warning',
      title: `Rekkord config: unknown ${u.key === null ? 'section' : 'key'}`,
      message: `${name} is unknown to the newest Rekkord source known (it knows ${u.known.join(', ')}); a newer Rekkord may take it, an older one refuses the file: run 'rekkord identify' with this config to check`,
      file: config.path,
      line: u.line,
    } satisfies Finding;
  });
}

/**
 * Checks every folder of the plan once, by real path, however many phases or `[Hooks]` lines
 * name it; each phase then lists what its folders hold, each hook's findings shown once.
 */
export async function validatePlan(plan: ValidationPlan): Promise<Validation> {
  const ctx = {
    pathVar: plan.settings.env.PATH ?? '',
    workspace: plan.settings.workspace,
    repository: await real(plan.settings.workspace),
    batteries: await enabledBatteries(plan),
    // Folders above several hook folders (the repository, /) are judged once per run.
    checked: new Map<string, boolean>() satisfies CheckedFolders,
  };
  const uses = new Map<string, FolderUse>();
  /** Each phase's folders, by key, with the phase's own source for each (its arguments). */
  const keysOfPhase: { key: string; source: HookSource }[][] = [];
  for (const phase of plan.phases) {
    const keys: { key: string; source: HookSource }[] = [];
    for (const source of phase.sources) {
      const where = await real(source.directory);
      const key = `${source.kind}\0${where}\0${source.names?.join('\0') ?? ''}`;
      const use = uses.get(key) ?? {
        source,
        real: where,
        phases: new Map<PhaseName, number[]>(),
      };
      uses.set(key, use);
      const lines = use.phases.get(phase.phase) ?? [];
      use.phases.set(phase.phase, lines);
      if (source.setting) lines.push(source.setting.line);
      if (!keys.some((k) => k.key === key)) keys.push({ key, source });
    }
    keysOfPhase.push(keys);
  }

  const findings: Finding[] = [...unknownNameFindings(plan)];
  const checks = new Map<string, FolderCheck>();
  for (const [key, use] of uses) {
    const { check, findings: found } = await checkFolder(use, plan, ctx);
    checks.set(key, check);
    findings.push(...found);
  }

  const shown = new Set<string>();
  const phases = plan.phases.map((phase, index): ValidatedPhase => {
    const validated: ValidatedPhase = {
      phase: phase.phase,
      directories: [...new Set(phase.sources.map((s) => s.directory))],
      hooks: [],
      skipped: [],
      errors: [],
      folderFindings: [],
    };
    for (const { key, source } of keysOfPhase[index] ?? []) {
      const check = checks.get(key);
      const use = uses.get(key);
      if (!check || !use) continue;
      const first = !shown.has(key);
      shown.add(key);
      if (check.problem) {
        if (first) validated.errors.push(check.problem);
        continue;
      }
      const [firstPhase = phase.phase] = use.phases.keys();
      if (first) {
        validated.folderFindings.push(...check.folderFindings);
        validated.skipped.push(...check.listing.skipped);
      }
      check.listing.hooks.forEach((hook, i) => {
        validated.hooks.push({
          name: hook.name,
          path: hook.path,
          args: source.args,
          findings: check.hookFindings[i] ?? [],
          shownIn: firstPhase,
        });
      });
    }
    return validated;
  });
  return { configPath: plan.config?.path ?? null, phases, findings };
}

/**
 * What the action asks the installed Rekkord before any hook runs: its version, whether the
 * command takes `--no_hooks` (Rekkord 0.104+ runs the `[Hooks]` itself unless told not to), and
 * whether the repository opens with a key that may do the command (`rekkord identify`), as Rekkord
 * itself checks before its pre hooks. The edge decides how a process is run (`Execute`).
 */
import { commandSpec, type Command } from './commands.js';

/** Rekkord's log lines in English, whatever the runner's locale: the action reads them. */
export function inEnglish(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  return { ...env, LANGUAGE: 'en' };
}

export interface ExecuteResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a short command to completion (in `cwd` when given); rejects only when it cannot start. */
export type Execute = (
  file: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd?: string,
) => Promise<ExecuteResult>;

export interface RekkordInfo {
  version: string;
  /** Whether this Rekkord's `<command> --help` lists `--no_hooks`. */
  noHooks: boolean;
}

export class ProbeError extends Error {
  override name = 'ProbeError';
}

/** The last lines a failed command printed, for the error. */
function lastWords(out: ExecuteResult): string {
  const text = `${out.stderr}\n${out.stdout}`.trim();
  return text.split('\n').slice(-5).join('\n');
}

export async function probeRekkord(
  execute: Execute,
  rekkordPath: string,
  command: Command,
  env: Readonly<Record<string, string | undefined>>,
): Promise<RekkordInfo> {
  const version = await execute(rekkordPath, ['--version'], inEnglish(env));
  if (version.exitCode !== 0) {
    throw new ProbeError(
      `'rekkord --version' exited with code ${version.exitCode}: ${lastWords(version)}`,
    );
  }
  const first = version.stdout.split('\n')[0]?.trim() ?? '';
  let noHooks = false;
  if (commandSpec(command).noHooksOption) {
    const help = await execute(rekkordPath, [command, '--help'], inEnglish(env));
    noHooks = help.exitCode === 0 && /(^|[\s,])--no_hooks\b/m.test(help.stdout);
  }
  return { version: first.replace(/^rekkord\s+/i, ''), noHooks };
}

/** What `identify` shares with the Rekkord step, so that both open the same repository. */
export interface IdentifyContext {
  configPath: string | null;
  /** The repository options of `args` (`-R`, `-K`, `-j`): identify would refuse the others. */
  options: readonly string[];
  /** The Rekkord step's working folder: `-K` and `-R` paths are relative to it. */
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * `rekkord identify`: opens the repository and says which key it holds. Rejects with Rekkord's own
 * words when the repository does not open or the key may not do what the command needs.
 */
export async function identify(
  execute: Execute,
  rekkordPath: string,
  command: Command,
  ctx: IdentifyContext,
): Promise<string> {
  const args = ['identify', ...(ctx.configPath ? ['-C', ctx.configPath] : []), ...ctx.options];
  const out = await execute(rekkordPath, args, inEnglish(ctx.env), ctx.cwd);
  if (out.exitCode !== 0) {
    throw new ProbeError(
      `'rekkord identify' could not open the repository (exit code ${out.exitCode}): ${lastWords(out)}`,
    );
  }
  const text = `${out.stdout}\n${out.stderr}`;
  const mode = commandSpec(command).keyMode;
  // Rekkord names the key's role; a role without the mode the command needs is refused by it too.
  const role = /\b(Master|ReadWrite|WriteOnly|LogOnly)\b/.exec(text)?.[1] ?? '';
  if (role && !roleAllows(role, mode)) {
    throw new ProbeError(
      `rekkord ${command} needs a key that may ${mode}, and the repository's key has the ${role} role`,
    );
  }
  return role;
}

/** Rekkord's key types: Master and ReadWrite read and write, WriteOnly writes, LogOnly neither. */
function roleAllows(role: string, mode: 'read' | 'write'): boolean {
  const r = role.toLowerCase();
  if (r === 'master' || r === 'readwrite') return true;
  if (r === 'writeonly') return mode === 'write';
  return false;
}

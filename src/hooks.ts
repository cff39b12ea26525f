/** Hook execution: one hook, with its environment, turned into a result. */
import type { Cancellation } from './cancel.js';
import { checkpoint } from './faults.js';
import { classifyExit } from './outcome.js';
import { runProcess, type OutputSink } from './process.js';
import type { Command, HookEntry, HookResult, PhaseName, Stage } from './types.js';

/** What a hook learns from its environment, beyond the runner's own variables. */
export interface HookContext {
  command: Command;
  stage: Stage;
  phase: PhaseName;
  configPath: string | null;
  channel: string | null;
  snapshot: string | null;
  destination: string | null;
  /** Set by validate's rehearsal: nothing real is backed up, the hook should change nothing. */
  rehearsal?: boolean;
  /** Post phases only: whether the command succeeded and no hook has failed so far. */
  success: boolean;
  /** Post phases only: Rekkord's exit code, null when it did not run. */
  exitCode: number | null;
  oid: string | null;
  /** Post phases only: the session was cancelled (or the main step was killed). */
  cancelled: boolean;
}

export function hookEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  ctx: HookContext,
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...base };
  // Only post hooks get SUCCESS; one inherited from the runner must not mislead a pre hook.
  delete env.SUCCESS;
  env.REKKORD_HOOK_COMMAND = ctx.command;
  env.REKKORD_HOOK_PHASE = ctx.stage;
  env.REKKORD_HOOK_CONFIG = ctx.configPath ?? '';
  env.REKKORD_HOOK_CHANNEL = ctx.channel ?? '';
  env.REKKORD_HOOK_SNAPSHOT = ctx.snapshot ?? '';
  env.REKKORD_HOOK_DESTINATION = ctx.destination ?? '';
  if (ctx.rehearsal) env.REKKORD_HOOK_REHEARSAL = '1';
  else delete env.REKKORD_HOOK_REHEARSAL;
  if (ctx.stage === 'post') {
    env.SUCCESS = ctx.success ? '1' : '0';
    env.REKKORD_HOOK_EXIT_CODE = ctx.exitCode === null ? '' : String(ctx.exitCode);
    env.REKKORD_HOOK_OID = ctx.oid ?? '';
    env.REKKORD_HOOK_CANCELLED = ctx.cancelled ? '1' : '0';
  }
  return env;
}

export interface HookRunOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  timeoutMs: number;
  onOutput: OutputSink;
  cancel?: Cancellation;
  onCancel?: 'interrupt' | 'deadline';
  onSpawn?: (pgid: number) => void;
}

export function notRunResult(phase: PhaseName, hook: HookEntry, reason: string): HookResult {
  return {
    phase,
    name: hook.name,
    path: hook.path,
    exitCode: null,
    signal: null,
    durationMs: 0,
    outcome: 'not-run',
    message: reason,
    tail: [],
  };
}

/** A hook whose process could not even be asked for (the spawn threw): it did not start. */
export function startFailure(phase: PhaseName, hook: HookEntry, error: unknown): HookResult {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const text = error instanceof Error ? error.message : String(error);
  return {
    ...notRunResult(
      phase,
      hook,
      `not started: ${code && !text.includes(code) ? `${code}: ` : ''}${text}`,
    ),
    outcome: 'not-started',
  };
}

export async function runHook(
  phase: PhaseName,
  hook: HookEntry,
  options: HookRunOptions,
): Promise<HookResult> {
  const base = { phase, name: hook.name, path: hook.path };
  if (hook.problem) {
    return {
      ...base,
      exitCode: null,
      signal: null,
      durationMs: 0,
      outcome: 'not-started',
      message: `not started: ${hook.problem}`,
      tail: [],
    };
  }
  checkpoint('spawn', hook.name);
  const exit = await runProcess({
    file: hook.path,
    args: hook.args,
    cwd: options.cwd,
    env: options.env,
    onOutput: options.onOutput,
    timeoutMs: options.timeoutMs,
    cancel: options.cancel,
    onCancel: options.onCancel,
    onSpawn: options.onSpawn,
  });
  const ending = classifyExit(exit, {
    timeoutMs: options.timeoutMs,
    onCancel: options.onCancel ?? 'interrupt',
  });
  return {
    ...base,
    exitCode: exit.exitCode,
    signal: exit.signal,
    durationMs: exit.durationMs,
    tail: exit.tail,
    outcome: ending.outcome,
    message: ending.reason,
  };
}

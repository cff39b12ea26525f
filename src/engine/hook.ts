/** Hook execution: one hook, with its environment, turned into a result. */
import type { Cancellation } from '../kernel/cancel.js';
import { checkpoint } from '../kernel/faults.js';
import { classifyExit } from './outcome.js';
import { runProcess } from '../process/index.js';
import type { OutputSink } from '../process/output-relay.js';
import type { HookEntry, PhaseName } from '../plan/types.js';
import type { HookResult } from './results.js';

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
      message: `not started: ${hook.problem.message}`,
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
  const ctx = { timeoutMs: options.timeoutMs, onCancel: options.onCancel ?? 'interrupt' } as const;
  const leftovers = exit.leftovers.length ? { leftovers: exit.leftovers } : {};
  return { ...base, ...classifyExit(exit, ctx), ...leftovers };
}

/** The step outputs: `success`, `oid`, `hooks` (one object per hook run) and `failed-hooks`. */
import type { Outcome } from '../engine/outcome.js';
import type { HookResult, PhaseReport, SessionResult } from '../engine/results.js';

/** A hook as the `hooks` output shows it: its result without the tail, any outcome. */
export type HookOutput = Omit<HookResult, 'phase' | 'outcome' | 'tail'> & {
  /** The phase, or its label in a rehearsal (`post-save (SUCCESS=0)`). */
  phase: string;
  outcome: Outcome;
};

/** The `hooks` output's objects, one per hook run. */
export function hookOutputs(phases: PhaseReport[]): HookOutput[] {
  return phases.flatMap((p) =>
    p.hooks.map((h) => ({
      phase: p.label ?? h.phase,
      name: h.name,
      path: h.path,
      exitCode: h.exitCode,
      signal: h.signal,
      durationMs: Math.round(h.durationMs),
      outcome: h.outcome,
      message: h.message,
    })),
  );
}

/**
 * The runner refuses a step output over 1 MiB, and a repository decides how many hooks there are:
 * the `hooks` output is cut to this budget, plus the one small object that closes a cut list.
 */
export const HOOKS_OUTPUT_BUDGET = 512 * 1024;

/** What closes a `hooks` output cut to its budget: how many hooks it leaves out. */
export interface OmittedHooks {
  omitted: number;
  message: string;
}

/**
 * The `hooks` output: whole objects, as many as fit the budget, so that it stays valid JSON; when
 * some do not fit, a last object says how many, in place of a silent cut.
 */
export function hooksOutput(hooks: readonly HookOutput[], budget = HOOKS_OUTPUT_BUDGET): string {
  const kept: (HookOutput | OmittedHooks)[] = [];
  let size = 2;
  for (const hook of hooks) {
    size += Buffer.byteLength(JSON.stringify(hook)) + 1;
    if (size > budget) break;
    kept.push(hook);
  }
  const omitted = hooks.length - kept.length;
  if (omitted > 0) {
    const message = `… ${omitted} more hooks not listed: the output has a size limit`;
    kept.push({ omitted, message });
  }
  return JSON.stringify(kept);
}

export function stepOutputs(result: SessionResult): Record<string, string> {
  return {
    success: String(result.success),
    oid: result.oid ?? '',
    hooks: hooksOutput(hookOutputs(result.phases)),
    'failed-hooks': String(result.failures.hooks.length),
  };
}

/** The outputs of a step that ended before any hook ran. */
export const ABORT_OUTPUTS: Readonly<Record<string, string>> = {
  success: 'false',
  oid: '',
  hooks: '[]',
  'failed-hooks': '0',
};

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

export function stepOutputs(result: SessionResult): Record<string, string> {
  return {
    success: String(result.success),
    oid: result.oid ?? '',
    hooks: JSON.stringify(hookOutputs(result.phases)),
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

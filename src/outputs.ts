/** The step outputs: `success`, `oid`, `hooks` (one object per hook run) and `failed-hooks`. */
import type { Outcome } from './outcome.js';
import { failedHooks } from './report.js';
import type { PhaseReport, SessionResult } from './types.js';

export interface HookOutput {
  phase: string;
  name: string;
  path: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  outcome: Outcome;
  message: string;
}

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
    'failed-hooks': String(failedHooks(result).length),
  };
}

/** The outputs of a step that ended before any hook ran. */
export const ABORT_OUTPUTS: Readonly<Record<string, string>> = {
  success: 'false',
  oid: '',
  hooks: '[]',
  'failed-hooks': '0',
};

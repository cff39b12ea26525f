/**
 * The verdicts, each computed once here: whether a phase, a session and a validation failed, and
 * what failed. Every reporter, the outputs and the command line's exit code read them.
 */
import type { Validation } from '../validate/index.js';
import { worstSeverity } from '../validate/findings.js';
import { isFailure } from './outcome.js';
import type { PhaseReport, SessionFailures, SessionResult, ValidationResult } from './results.js';

/** A phase failed when its folders could not be read or any of its hooks did not succeed. */
export function phaseFailed(report: PhaseReport): boolean {
  return report.error !== '' || report.hooks.some((h) => h.outcome !== 'success');
}

/**
 * A session's result with its verdict: it succeeds when nothing was cancelled, every phase ran
 * and every hook in it succeeded, the Rekkord step succeeded (recovery runs none) and the action
 * had no error of its own.
 */
export function sessionResult(
  r: Omit<SessionResult, 'success' | 'failures' | 'rekkordDone'>,
): SessionResult {
  const failures: SessionFailures = {
    hooks: r.phases.flatMap((p) => p.hooks.filter((h) => isFailure(h.outcome))),
    phases: r.phases.filter((p) => p.error !== ''),
    step: isFailure(r.step.outcome) ? r.step : null,
  };
  const success =
    r.cancelled === null &&
    !r.phases.some(phaseFailed) &&
    (r.recovery || r.step.outcome === 'success') &&
    r.errors.length === 0;
  const rekkordDone = r.step.outcome === 'success' || r.step.oid !== null;
  return { ...r, success, rekkordDone, failures };
}

/** The verdict of `validate`, counted once here for every edge. */
export function validationResult(
  validation: Validation,
  rehearsal: PhaseReport[] | null,
): ValidationResult {
  const errors = validation.findings.filter((f) => f.severity === 'error').length;
  const rehearsalFailed = (rehearsal ?? []).flatMap((p) =>
    p.hooks.filter((h) => isFailure(h.outcome)),
  );
  const invalidHooks = validation.phases
    .flatMap((p) => p.hooks)
    .filter((h) => worstSeverity(h.findings) === 'error').length;
  return {
    validation,
    rehearsal,
    success: errors === 0 && rehearsalFailed.length === 0,
    errors,
    warnings: validation.findings.length - errors,
    invalidHooks,
    rehearsalFailed,
  };
}

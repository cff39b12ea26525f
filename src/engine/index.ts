/**
 * One run of the engine, whatever the edge: settings in, a reporter told everything. The action's
 * main step and the command line both go through here, so they cannot differ.
 */
import type { Cancellation } from '../kernel/cancel.js';
import type { Settings } from '../plan/inputs.js';
import type { Secret } from '../plan/config.js';
import { makePlan, makeValidationPlan, type Plan, type PlanOptions } from '../plan/index.js';
import { rehearse, runRecovery, runSession, type RecoveryState } from './session.js';
import type { SessionObserver } from './observer.js';
import { PreflightError } from '../kernel/errors.js';
import type { PhaseReport, SessionResult, ValidationResult } from './results.js';
import { isFailure } from './outcome.js';
import { validatePlan, type Validation } from '../validate/index.js';

export interface Reporter extends SessionObserver {
  /** Values to hide from every later line of output; the short ones are named, not masked. */
  maskSecrets(secrets: readonly Secret[]): void;
  planned(plan: Plan): void;
  finish(result: SessionResult): Promise<void>;
  finishValidation(result: ValidationResult): Promise<void>;
}

export interface RunOptions extends Omit<PlanOptions, 'recovery' | 'maskSecrets'> {
  cancel: Cancellation;
  /**
   * Recovery, for the post step of a main step that died before its post hooks ran: only the
   * post hooks still owed run, with `SUCCESS=0`.
   */
  recover?: RecoveryState;
}

export async function runOperation(
  settings: Settings,
  reporter: Reporter,
  options: RunOptions,
): Promise<SessionResult | ValidationResult> {
  const { cancel } = options;
  if (settings.command === 'validate') {
    const plan = await makeValidationPlan(settings);
    reporter.maskSecrets(plan.secrets);
    const validation = await validatePlan(plan);
    const rehearsal = settings.exercise ? await rehearse(plan, reporter, { cancel }) : null;
    const result = validationResult(validation, rehearsal);
    await reporter.finishValidation(result);
    return result;
  }
  const { recover } = options;
  // Masks first, inside the plan: before its probes start, since their words may quote a secret.
  const plan = await makePlan(settings, {
    ...options,
    recovery: recover !== undefined,
    maskSecrets: (secrets) => {
      reporter.maskSecrets(secrets);
    },
  });
  if (cancel.cancelled && !recover) {
    throw new PreflightError(`Cancelled by ${cancel.signal ?? ''} before any hook ran`);
  }
  reporter.planned(plan);
  const result = recover
    ? await runRecovery(plan, reporter, recover, { cancel })
    : await runSession(plan, reporter, { cancel });
  await reporter.finish(result);
  return result;
}

/** The verdict of `validate`, counted once here for every edge. */
function validationResult(
  validation: Validation,
  rehearsal: PhaseReport[] | null,
): ValidationResult {
  const errors = validation.findings.filter((f) => f.severity === 'error').length;
  const rehearsalFailed = (rehearsal ?? []).flatMap((p) =>
    p.hooks.filter((h) => isFailure(h.outcome)),
  );
  const invalidHooks = validation.phases
    .flatMap((p) => p.hooks)
    .filter((h) => h.findings.some((f) => f.severity === 'error')).length;
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

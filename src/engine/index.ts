/**
 * One run of the engine, whatever the edge: settings in, a reporter told everything. The action's
 * main step and the command line both go through here, so they cannot differ.
 */
import type { Cancellation } from '../kernel/cancel.js';
import type { Settings } from '../plan/inputs.js';
import { makePlan, makeValidationPlan, type Plan, type PlanOptions } from '../plan/index.js';
import { rehearse, runRecovery, runSession, type RecoveryState } from './session.js';
import { bothObservers, type SessionObserver } from './observer.js';
import { PreflightError } from '../kernel/errors.js';
import type { PhaseReport, SessionResult, ValidationResult } from './results.js';
import { isFailure } from './outcome.js';
import { acquireLock, describeHolder, LockBusyError, LockError, type Lock } from './lock.js';
import { validatePlan, type Validation } from '../validate/index.js';

export interface Reporter extends SessionObserver {
  /** Values to hide from every later line of output. */
  maskSecrets(values: readonly string[]): void;
  planned(plan: Plan): void;
  finish(result: SessionResult): Promise<void>;
  finishValidation(result: ValidationResult): Promise<void>;
  /** A line of the run's own (waiting for another run's lock). */
  note?(text: string): void;
}

export interface RunOptions extends Omit<PlanOptions, 'recovery'> {
  cancel: Cancellation;
  /**
   * Recovery, for the post step of a main step that died before its post hooks ran: only the
   * post hooks still owed run, with `SUCCESS=0`.
   */
  recover?: RecoveryState;
  /** Told the session's events after the reporter: what the main step records for the post step. */
  ledger?: SessionObserver;
}

export async function runOperation(
  settings: Settings,
  reporter: Reporter,
  options: RunOptions,
): Promise<SessionResult | ValidationResult> {
  const { cancel } = options;
  if (settings.command === 'validate') {
    const plan = await makeValidationPlan(settings);
    reporter.maskSecrets(plan.config?.secrets ?? []);
    const validation = await validatePlan(plan);
    const rehearsal = settings.exercise ? await rehearse(plan, reporter, { cancel }) : null;
    const result = validationResult(validation, rehearsal);
    await reporter.finishValidation(result);
    return result;
  }
  const { recover } = options;
  let lock: HeldLock | null = null;
  try {
    const beforeProbe = async (configPath: string | null): Promise<void> => {
      // One run per config (or per hooks folder when there is no config) at a time.
      const key = configPath ?? settings.hooksDir;
      if (key) lock = await takeLock(key, settings.lockWaitSeconds, reporter, cancel);
    };
    const plan = await makePlan(settings, {
      ...options,
      recovery: recover !== undefined,
      beforeProbe,
    });
    if (cancel.cancelled && !recover) {
      throw new PreflightError(`Cancelled by ${cancel.signal ?? ''} before any hook ran`);
    }
    // Masks first: nothing a hook or Rekkord prints may show a secret from the config.
    reporter.maskSecrets(plan.config?.secrets ?? []);
    reporter.planned(plan);
    const observer = options.ledger ? bothObservers(reporter, options.ledger) : reporter;
    const result = recover
      ? await runRecovery(plan, observer, recover, { cancel })
      : await runSession(plan, observer, { cancel });
    const held = lock as HeldLock | null;
    if (held?.waitedMs) result.lockWaitMs = held.waitedMs;
    await reporter.finish(result);
    return result;
  } finally {
    await (lock as HeldLock | null)?.lock.release();
  }
}

/**
 * Takes the config's lock: at once when it is free, else after telling who holds it and waiting
 * up to `waitSeconds`. No hook has run yet, so failing here is a preflight error.
 */
interface HeldLock {
  lock: Lock;
  /** How long the run waited for another one; 0 when the lock was free. */
  waitedMs: number;
}

async function takeLock(
  key: string,
  waitSeconds: number,
  reporter: Reporter,
  cancel: Cancellation,
): Promise<HeldLock> {
  const started = performance.now();
  const controller = new AbortController();
  const stopWatching = cancel.onCancel(() => {
    controller.abort();
  });
  try {
    try {
      return {
        lock: await acquireLock(key, { waitSeconds: 0, signal: controller.signal }),
        waitedMs: 0,
      };
    } catch (error) {
      if (!(error instanceof LockBusyError) || waitSeconds === 0) throw error;
      reporter.note?.(
        `Waiting up to ${waitSeconds} s for another run on ${error.config}: ${describeHolder(error.holder)}`,
      );
    }
    const lock = await acquireLock(key, { waitSeconds, signal: controller.signal });
    return { lock, waitedMs: Math.max(1, Math.round(performance.now() - started)) };
  } catch (error) {
    if (error instanceof LockBusyError || error instanceof LockError) {
      throw new PreflightError(`No hook ran: ${error.message}`);
    }
    throw error;
  } finally {
    stopWatching();
  }
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

/**
 * The `validate` operation: every hook folder checked as Rekkord would run it, and with
 * `exercise` every phase rehearsed for real. No Rekkord runs and no lock is taken.
 */
import { Cancellation } from '../kernel/cancel.js';
import { makeValidationPlan, type ValidationPlan } from '../plan/index.js';
import { validatePlan } from '../validate/index.js';
import { guardObserver, type Reporter, type SessionObserver } from './observer.js';
import type { RunOptions } from './operation.js';
import type { Settings } from '../plan/inputs.js';
import { runPhase } from './phase.js';
import { sharedContext } from './session.js';
import type { PhaseReport, ValidationResult } from './results.js';
import { validationResult } from './verdict.js';

export async function runValidation(
  settings: Settings,
  reporter: Reporter,
  { cancel }: RunOptions,
): Promise<ValidationResult> {
  const plan = await makeValidationPlan(settings);
  reporter.maskSecrets(plan.secrets);
  const validation = await validatePlan(plan);
  const rehearsal = settings.exercise ? await rehearse(plan, reporter, cancel) : null;
  const result = validationResult(validation, rehearsal);
  await reporter.finishValidation(result);
  return result;
}

/**
 * The rehearsal: every phase of the plan runs for real, pre phases once, post phases with
 * `SUCCESS=1` then with `SUCCESS=0`, all with `REKKORD_HOOK_REHEARSAL=1`. No Rekkord runs.
 */
export async function rehearse(
  plan: ValidationPlan,
  observer: SessionObserver,
  cancel: Cancellation = new Cancellation(),
): Promise<PhaseReport[]> {
  const { settings } = plan;
  const safe = guardObserver(observer, []);
  const reports: PhaseReport[] = [];
  for (const phase of plan.phases) {
    const shared = {
      ...sharedContext(settings, phase.command, plan.config),
      exitCode: null,
      oid: null,
      rehearsal: true,
    };
    const runs = phase.stage === 'pre' ? [true] : [true, false];
    for (const success of runs) {
      if (cancel.cancelled) return reports;
      const label =
        phase.stage === 'pre' ? undefined : `${phase.phase} (SUCCESS=${success ? 1 : 0})`;
      const context = { ...shared, success, exitCode: success ? 0 : 1 };
      const run = { settings, env: plan.childEnv, phase, context, observer: safe, cancel };
      reports.push(await runPhase({ ...run, ...(label ? { label } : {}) }));
    }
  }
  return reports;
}

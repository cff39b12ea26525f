/**
 * The session: runs a plan. Pre hooks (all of them, even after a failure), then the Rekkord step
 * unless a pre hook failed, then the post hooks (always, once the pre phase has started) with
 * `SUCCESS` set, and it tells an observer everything as it happens.
 *
 * One rule for every failure: what can fail before a hook (the config for Rekkord) is prepared
 * first, and failing there runs nothing; past that, whatever throws is the failing hook's or the
 * Rekkord step's result, or a recorded error of the session, and the post hooks still run.
 *
 * On cancel, the running pre hook or Rekkord gets the signal, nothing else starts but the post
 * hooks, and they get `SUCCESS=0`, `REKKORD_HOOK_CANCELLED=1` and what is left of the budget.
 *
 * The session is an operation of the engine; the post step's recovery is the same operation with
 * the main step's record, so both take the lock, plan and report the same way.
 */
import { Cancellation } from '../kernel/cancel.js';
import { commandSpec, type Command } from '../plan/commands.js';
import { prepareStepConfig, type StepConfig } from './step-config.js';
import { listPhase, runPhase, type PhaseListing, type PhaseRun } from './phase.js';
import { phaseFailed, sessionResult } from './verdict.js';
import { makePlan, type Plan } from '../plan/index.js';
import type { RekkordConfig } from '../plan/config.js';
import { commandLine, copyNote } from '../kernel/text.js';
import { runStep, stepArguments, type StepSpec } from './rekkord-step.js';
import { bothObservers, guardObserver, type Reporter, type SessionObserver } from './observer.js';
import type { RecoveryState, RunOptions } from './operation.js';
import { takeLock, type HeldLock } from './lock.js';
import type { Settings } from '../plan/inputs.js';
import { describeError, PreflightError } from '../kernel/errors.js';
import type { PhaseReport, SessionResult, StepResult } from './results.js';

export interface SessionOptions {
  cancel?: Cancellation;
}

function stepNotRun(
  command: Command,
  message: string,
  outcome: 'skipped' | 'not-started' = 'skipped',
): StepResult {
  return {
    command,
    display: `rekkord ${command}`,
    exitCode: null,
    signal: null,
    durationMs: 0,
    outcome,
    message,
    oid: null,
    tail: [],
  };
}

/** What every hook of a session (or a rehearsal) learns of it. */
export function sharedContext(settings: Settings, command: Command, config: RekkordConfig | null) {
  return {
    command,
    configPath: config?.path ?? null,
    channel: settings.channel,
    snapshot: settings.snapshot,
    destination: settings.destination,
  };
}

/**
 * What can fail before a hook, done before any hook so that failing stops nothing: the pre and
 * post folders listed (a post folder that cannot be read would leave a stopped service down),
 * then the config Rekkord gets.
 */
async function prepare(plan: Plan): Promise<{ pre: PhaseListing; stepConfig: StepConfig }> {
  const [pre, post] = (await Promise.all([plan.pre, plan.post].map((p) => listPhase(p)))) as [
    PhaseListing,
    PhaseListing,
  ];
  const unreadable = [pre.error, post.error].filter((e) => e !== '');
  if (unreadable.length) throw new PreflightError(`No hook ran: ${unreadable.join('; ')}`);
  try {
    const runsHooks = commandSpec(plan.command).hookKeys !== null;
    const stepConfig = await prepareStepConfig(
      plan.config,
      plan.settings.tempDir,
      plan.noHooks,
      runsHooks,
    );
    return { pre, stepConfig };
  } catch (error) {
    throw new PreflightError(
      `No hook ran: the config for Rekkord could not be prepared in ${plan.settings.tempDir}: ${describeError(error)}`,
    );
  }
}

/** A phase run so that a throw is the phase's error, never the session's end. */
async function guardedPhase(run: PhaseRun): Promise<PhaseReport> {
  try {
    return await runPhase(run);
  } catch (error) {
    return {
      phase: run.phase.phase,
      directories: run.phase.sources.map((s) => s.directory),
      hooks: [],
      skipped: [],
      error: `the phase stopped: ${describeError(error)}`,
    };
  }
}

export async function runSession(
  plan: Plan,
  observer: SessionObserver,
  options: SessionOptions = {},
): Promise<SessionResult> {
  const { settings, command } = plan;
  const cancel = options.cancel ?? new Cancellation();
  const errors: string[] = [];
  const safe = guardObserver(observer, errors);
  const shared = sharedContext(settings, command, plan.config);
  const prepared = await prepare(plan);
  const { stepConfig } = prepared;
  try {
    // Whatever throws from here on, the post hooks still run (with SUCCESS=0).
    const run = { settings, env: plan.childEnv, observer: safe, cancel };
    const pre = await guardedPhase({
      ...run,
      phase: plan.pre,
      context: { ...shared, success: true, exitCode: null, oid: null },
      listed: prepared.pre,
    });
    let step: StepResult;
    if (cancel.cancelled) {
      step = stepNotRun(
        command,
        `rekkord ${command} did not run: cancelled by ${cancel.signal ?? ''}`,
      );
    } else if (phaseFailed(pre)) {
      step = stepNotRun(
        command,
        `rekkord ${command} did not run because the ${pre.phase} phase failed`,
      );
    } else {
      step = await runRekkord(plan, stepConfig, safe, cancel);
    }

    const stepOk = step.outcome === 'success';
    // SUCCESS=1 only for a run that is a success so far: an error of the session (its state
    // or its log could not be written) fails the step, so the post hooks hear it too.
    const success = stepOk && errors.length === 0;
    const post = await guardedPhase({
      ...run,
      phase: plan.post,
      context: { ...shared, success, exitCode: step.exitCode, oid: step.oid },
    });
    return sessionResult({
      command,
      cancelled: cancel.signal,
      recovery: false,
      oid: step.oid,
      phases: [pre, post],
      step,
      configPath: plan.config?.path ?? null,
      errors,
    });
  } finally {
    await stepConfig.cleanup().catch(() => undefined);
  }
}

/**
 * For the post step after the main step died without running the post hooks: runs the post
 * phase with `SUCCESS=0` and `REKKORD_HOOK_CANCELLED=1`, except hooks that had already finished.
 */
export async function runRecovery(
  plan: Plan,
  observer: SessionObserver,
  state: RecoveryState,
  options: SessionOptions = {},
): Promise<SessionResult> {
  const { settings, command } = plan;
  const errors: string[] = [];
  const post = await runPhase({
    settings,
    env: plan.childEnv,
    phase: plan.post,
    context: {
      ...sharedContext(settings, command, plan.config),
      success: false,
      exitCode: state.exitCode,
      oid: state.oid,
    },
    observer: guardObserver(observer, errors),
    cancel: options.cancel ?? new Cancellation(),
    alreadyRun: state.alreadyRun,
  });
  return sessionResult({
    command,
    cancelled: null,
    recovery: true,
    oid: null,
    phases: [post],
    step: stepNotRun(command, 'the main step ended before its post hooks ran'),
    configPath: plan.config?.path ?? null,
    errors,
  });
}

async function runRekkord(
  plan: Plan,
  stepConfig: StepConfig,
  observer: Required<SessionObserver>,
  cancel: Cancellation,
): Promise<StepResult> {
  const { settings, command } = plan;
  const spec: StepSpec = {
    command,
    rekkordPath: plan.rekkordPath,
    configPath: stepConfig.path,
    noHooks: plan.noHooks,
    args: settings.args,
    operands: commandSpec(command).operands(settings),
  };
  const display = commandLine(['rekkord', ...stepArguments(spec)]);
  observer.stepStart(display, stepConfig.isCopy ? copyNote(plan.config?.path ?? '') : '');
  let result: StepResult;
  try {
    result = await runStep(spec, {
      cwd: settings.workspace,
      env: plan.childEnv,
      onOutput: (chunk) => observer.output(chunk),
      display,
      cancel,
      onSpawn: (pgid) => {
        observer.processGroup(pgid);
      },
    });
  } catch (error) {
    const message = `rekkord ${command}: not started: ${describeError(error)}`;
    result = { ...stepNotRun(command, message, 'not-started'), display };
  }
  observer.processGroup(null);
  observer.stepEnd(result);
  return result;
}

/**
 * The session operation (and the post step's recovery): the run is planned under the config's
 * lock, taken once the config is known and before Rekkord is first asked anything, and held until
 * the result is told.
 */
export async function runSessionOperation(
  settings: Settings,
  reporter: Reporter,
  options: RunOptions,
): Promise<SessionResult> {
  const { cancel, recover } = options;
  let held: HeldLock | null = null;
  try {
    const plan = await makePlan(settings, {
      ...(options.execute ? { execute: options.execute } : {}),
      recovery: recover !== undefined,
      // Masks first, inside the plan: before its probes start, since their words may quote a
      // secret.
      maskSecrets: (secrets) => {
        reporter.maskSecrets(secrets);
      },
      // One run per config (or per hooks folder when there is no config) at a time.
      beforeProbe: async (configPath) => {
        const key = configPath ?? settings.hooksDir;
        if (key) {
          held = await takeLock(key, settings.lockWaitSeconds, cancel, (text) => {
            reporter.note?.(text);
          });
        }
      },
    });
    if (cancel.cancelled && !recover) {
      throw new PreflightError(`Cancelled by ${cancel.signal ?? ''} before any hook ran`);
    }
    reporter.planned(plan);
    const observer = options.ledger ? bothObservers(reporter, options.ledger) : reporter;
    const result = recover
      ? await runRecovery(plan, observer, recover, { cancel })
      : await runSession(plan, observer, { cancel });
    const waited = (held as HeldLock | null)?.waitedMs;
    if (waited) result.lockWaitMs = waited;
    await reporter.finish(result);
    return result;
  } finally {
    await (held as HeldLock | null)?.lock.release();
  }
}

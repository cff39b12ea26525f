/**
 * The session: runs a plan. Pre hooks (all of them, even after a failure), then the Rekkord step
 * unless a pre hook failed, then the post hooks (always, once the pre phase has started) with
 * `SUCCESS` set, and it tells an observer everything as it happens.
 *
 * On cancel, the running pre hook or Rekkord gets the signal, nothing else starts but the post
 * hooks, and they get `SUCCESS=0`, `REKKORD_HOOK_CANCELLED=1` and what is left of the budget.
 */
import { Cancellation } from './cancel.js';
import { prepareStepConfig } from './config.js';
import { listHookDirectory, type HookListing } from './discovery.js';
import { hookEnvironment, notRunResult, runHook, type HookContext } from './hooks.js';
import type { Settings } from './inputs.js';
import type { PhasePlan, Plan, ValidationPlan } from './plan.js';
import type { OutputSink } from './process.js';
import { runStep, stepArguments, stepOperands } from './rekkord-step.js';
import type {
  Command,
  HookEntry,
  HookResult,
  PhaseReport,
  SessionResult,
  StepResult,
} from './types.js';

export interface SessionObserver {
  /** `phase` is the phase's name, or its label (a rehearsal's `post-save (SUCCESS=0)`). */
  phaseStart(phase: string, directories: string[], listing: HookListing): void;
  hookStart(phase: string, hook: HookEntry): void;
  /**
   * Raw output of the running hook or Rekkord, stdout and stderr as they come; a returned promise
   * pauses the output until it settles.
   */
  output: OutputSink;
  hookEnd(result: HookResult): void;
  stepStart(display: string, note: string): void;
  stepEnd(result: StepResult): void;
  phaseEnd(report: PhaseReport): void;
  /** The process group of the running hook or Rekkord, null once it has ended. */
  processGroup?(pgid: number | null): void;
}

export interface SessionOptions {
  cancel?: Cancellation;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

type PhaseContext = Omit<HookContext, 'phase' | 'stage' | 'cancelled'>;

interface PhaseRun {
  settings: Settings;
  phase: PhasePlan;
  context: PhaseContext;
  observer: SessionObserver;
  cancel: Cancellation;
  /** Paths of hooks not to run again (they ran before the main step was killed). */
  alreadyRun?: ReadonlySet<string>;
  label?: string;
}

/** Lists every folder of a phase, in order; a folder that cannot be read is the phase's error. */
async function listPhase(phase: PhasePlan): Promise<{ listing: HookListing; error: string }> {
  const listing: HookListing = { hooks: [], skipped: [] };
  const errors: string[] = [];
  for (const source of phase.sources) {
    try {
      const one = await listHookDirectory(source.directory, source.args);
      listing.hooks.push(...one.hooks);
      listing.skipped.push(...one.skipped);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      errors.push(`the hook directory ${source.directory} cannot be read: ${code}`);
    }
  }
  return { listing, error: errors.join('; ') };
}

export async function runPhase(run: PhaseRun): Promise<PhaseReport> {
  const { settings, phase, context, observer, cancel, alreadyRun } = run;
  const { stage } = phase;
  const directories = phase.sources.map((s) => s.directory);
  const { listing: listed, error } = await listPhase(phase);
  const listing = alreadyRun
    ? { ...listed, hooks: listed.hooks.filter((h) => !alreadyRun.has(h.path)) }
    : listed;
  const report: PhaseReport = {
    phase: phase.phase,
    ...(run.label ? { label: run.label } : {}),
    directories,
    hooks: [],
    skipped: listing.skipped,
    error,
  };
  observer.phaseStart(run.label ?? phase.phase, directories, listing);

  let success = context.success && report.error === '';
  for (const hook of listing.hooks) {
    if (stage === 'pre' && cancel.cancelled) {
      const reason = `not run: cancelled by ${cancel.signal ?? ''}`;
      report.hooks.push(notRunResult(phase.phase, hook, reason));
      continue;
    }
    // Past the cancel grace, the post step (which runs even after a cancel) runs the rest.
    if (stage === 'post' && cancel.remainingMs() === 0) {
      const reason = 'not run before the cancel grace ran out; the post step runs it';
      report.hooks.push(notRunResult(phase.phase, hook, reason));
      continue;
    }
    observer.hookStart(run.label ?? phase.phase, hook);
    const cancelled = cancel.cancelled || alreadyRun !== undefined;
    const env = hookEnvironment(settings.env, {
      ...context,
      stage,
      phase: phase.phase,
      success: success && !cancelled,
      cancelled,
    });
    const result = await runHook(phase.phase, hook, {
      cwd: settings.workspace,
      env,
      timeoutMs: settings.hookTimeoutMs,
      onOutput: (chunk) => observer.output(chunk),
      cancel,
      onCancel: stage === 'pre' ? 'interrupt' : 'deadline',
      onSpawn: (pgid) => observer.processGroup?.(pgid),
    });
    observer.processGroup?.(null);
    if (result.outcome !== 'success') success = false;
    report.hooks.push(result);
    observer.hookEnd(result);
  }
  observer.phaseEnd(report);
  return report;
}

export function phaseFailed(report: PhaseReport): boolean {
  return report.error !== '' || report.hooks.some((h) => h.outcome !== 'success');
}

function stepNotRun(command: Command, message: string): StepResult {
  return {
    command,
    display: `rekkord ${command}`,
    exitCode: null,
    signal: null,
    durationMs: 0,
    outcome: 'skipped',
    message,
    oid: null,
    tail: [],
  };
}

/** What every hook of a session learns of it. */
function sharedContext(settings: Settings, command: Command, config: Plan['config']) {
  return {
    command,
    configPath: config?.path ?? null,
    channel: settings.channel,
    snapshot: settings.snapshot,
    destination: settings.destination,
  };
}

export async function runSession(
  plan: Plan,
  observer: SessionObserver,
  options: SessionOptions = {},
): Promise<SessionResult> {
  const { settings, command } = plan;
  const cancel = options.cancel ?? new Cancellation();
  const shared = sharedContext(settings, command, plan.config);

  const pre = await runPhase({
    settings,
    phase: plan.pre,
    context: { ...shared, success: true, exitCode: null, oid: null },
    observer,
    cancel,
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
    step = await runRekkord(plan, observer, cancel);
  }

  const stepOk = step.outcome === 'success';
  const post = await runPhase({
    settings,
    phase: plan.post,
    context: { ...shared, success: stepOk, exitCode: step.exitCode, oid: step.oid },
    observer,
    cancel,
  });

  return {
    command,
    success: stepOk && !phaseFailed(pre) && !phaseFailed(post) && !cancel.cancelled,
    cancelled: cancel.signal,
    recovery: false,
    oid: step.oid,
    phases: [pre, post],
    step,
    configPath: plan.config?.path ?? null,
  };
}

export interface RecoveryState {
  /** Paths of the post hooks that finished in the main step. */
  alreadyRun: ReadonlySet<string>;
  /** What the main step learnt of the Rekkord step, if it ran. */
  exitCode: number | null;
  oid: string | null;
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
  const post = await runPhase({
    settings,
    phase: plan.post,
    context: {
      ...sharedContext(settings, command, plan.config),
      success: false,
      exitCode: state.exitCode,
      oid: state.oid,
    },
    observer,
    cancel: options.cancel ?? new Cancellation(),
    alreadyRun: state.alreadyRun,
  });
  return {
    command,
    success: !phaseFailed(post),
    cancelled: null,
    recovery: true,
    oid: null,
    phases: [post],
    step: stepNotRun(command, 'the main step ended before its post hooks ran'),
    configPath: plan.config?.path ?? null,
  };
}

/**
 * validate's rehearsal: every phase of the plan runs for real, pre phases once, post phases with
 * `SUCCESS=1` then with `SUCCESS=0`, all with `REKKORD_HOOK_REHEARSAL=1`. No Rekkord runs.
 */
export async function rehearse(
  plan: ValidationPlan,
  observer: SessionObserver,
  options: SessionOptions = {},
): Promise<PhaseReport[]> {
  const { settings } = plan;
  const cancel = options.cancel ?? new Cancellation();
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
      reports.push(
        await runPhase({ settings, phase, context, observer, cancel, ...(label ? { label } : {}) }),
      );
    }
  }
  return reports;
}

async function runRekkord(
  plan: Plan,
  observer: SessionObserver,
  cancel: Cancellation,
): Promise<StepResult> {
  const { settings, command } = plan;
  const stepConfig = await prepareStepConfig(plan.config, settings.tempDir);
  try {
    const spec = {
      command,
      rekkordPath: plan.rekkordPath,
      configPath: stepConfig.path,
      args: settings.args,
      operands: stepOperands(command, settings),
    };
    const display = ['rekkord', ...stepArguments(spec)].map(quote).join(' ');
    const source = plan.config?.path ?? '';
    const note = stepConfig.isCopy
      ? `Rekkord reads a private copy of ${source} without its [Hooks] section, so that no hook runs twice.`
      : '';
    observer.stepStart(display, note);
    const result = await runStep(spec, {
      cwd: settings.workspace,
      env: settings.env,
      onOutput: (chunk) => observer.output(chunk),
      display,
      cancel,
      onSpawn: (pgid) => observer.processGroup?.(pgid),
    });
    observer.processGroup?.(null);
    observer.stepEnd(result);
    return result;
  } finally {
    await stepConfig.cleanup();
  }
}

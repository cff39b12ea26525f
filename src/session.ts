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
import type { PhasePlan, Plan } from './plan.js';
import type { OutputSink } from './process.js';
import { runStep, stepArguments } from './rekkord-step.js';
import type {
  HookEntry,
  HookResult,
  PhaseName,
  PhaseReport,
  SessionResult,
  StepResult,
} from './types.js';

export interface SessionObserver {
  phaseStart(phase: PhaseName, directory: string | null, listing: HookListing): void;
  hookStart(phase: PhaseName, hook: HookEntry): void;
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
  plan: Plan;
  phase: PhasePlan;
  context: PhaseContext;
  observer: SessionObserver;
  cancel: Cancellation;
  /** Names of hooks not to run again (they ran before the main step was killed). */
  alreadyRun?: ReadonlySet<string>;
}

async function runPhase({
  plan,
  phase,
  context,
  observer,
  cancel,
  alreadyRun,
}: PhaseRun): Promise<PhaseReport> {
  const stage = phase.phase.startsWith('pre-') ? 'pre' : 'post';
  const directory = phase.directory?.directory ?? null;
  const report: PhaseReport = { phase: phase.phase, directory, hooks: [], skipped: [], error: '' };
  let listing: HookListing = { hooks: [], skipped: [] };
  if (directory) {
    try {
      listing = await listHookDirectory(directory);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      report.error = `the hook directory ${directory} cannot be read: ${code}`;
    }
  }
  if (alreadyRun) {
    listing = { ...listing, hooks: listing.hooks.filter((h) => !alreadyRun.has(h.name)) };
  }
  report.skipped = listing.skipped;
  observer.phaseStart(phase.phase, directory, listing);

  let success = context.success && report.error === '';
  for (const hook of listing.hooks) {
    if (stage === 'pre' && cancel.cancelled) {
      const result = notRunResult(
        phase.phase,
        hook,
        `not run: cancelled by ${cancel.signal ?? ''}`,
      );
      report.hooks.push(result);
      continue;
    }
    // Past the cancel grace, the post step (which runs even after a cancel) runs the rest.
    if (stage === 'post' && cancel.remainingMs() === 0) {
      const reason = 'not run before the cancel grace ran out; the post step runs it';
      report.hooks.push(notRunResult(phase.phase, hook, reason));
      continue;
    }
    observer.hookStart(phase.phase, hook);
    const cancelled = cancel.cancelled || alreadyRun !== undefined;
    const env = hookEnvironment(plan.settings.env, {
      ...context,
      stage,
      phase: phase.phase,
      success: success && !cancelled,
      cancelled,
    });
    const result = await runHook(phase.phase, hook, {
      cwd: plan.settings.workspace,
      env,
      timeoutMs: plan.settings.hookTimeoutMs,
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

function stepNotRun(plan: Plan, message: string): StepResult {
  const command = plan.settings.command;
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

export async function runSession(
  plan: Plan,
  observer: SessionObserver,
  options: SessionOptions = {},
): Promise<SessionResult> {
  const { settings } = plan;
  const cancel = options.cancel ?? new Cancellation();
  const shared = {
    command: settings.command,
    configPath: plan.config?.path ?? null,
    channel: settings.channel,
  };

  const pre = await runPhase({
    plan,
    phase: plan.pre,
    context: { ...shared, success: true, exitCode: null, oid: null },
    observer,
    cancel,
  });
  let step: StepResult;
  if (cancel.cancelled) {
    step = stepNotRun(
      plan,
      `rekkord ${settings.command} did not run: cancelled by ${cancel.signal ?? ''}`,
    );
  } else if (phaseFailed(pre)) {
    step = stepNotRun(
      plan,
      `rekkord ${settings.command} did not run because the ${pre.phase} phase failed`,
    );
  } else {
    step = await runRekkord(plan, observer, cancel);
  }

  const stepOk = step.outcome === 'success';
  const post = await runPhase({
    plan,
    phase: plan.post,
    context: { ...shared, success: stepOk, exitCode: step.exitCode, oid: step.oid },
    observer,
    cancel,
  });

  return {
    command: settings.command,
    success: stepOk && !phaseFailed(pre) && !phaseFailed(post) && !cancel.cancelled,
    cancelled: cancel.signal,
    recovery: false,
    oid: step.oid,
    phases: [pre, post],
    step,
    configPath: plan.config?.path ?? null,
  };
}

/**
 * For the post step after the main step died without running the post hooks: runs the post
 * phase with `SUCCESS=0` and `REKKORD_HOOK_CANCELLED=1`, except hooks that had already finished.
 */
export interface RecoveryState {
  /** Post hooks that finished in the main step. */
  alreadyRun: ReadonlySet<string>;
  /** What the main step learnt of the Rekkord step, if it ran. */
  exitCode: number | null;
  oid: string | null;
}

export async function runRecovery(
  plan: Plan,
  observer: SessionObserver,
  state: RecoveryState,
  options: SessionOptions = {},
): Promise<SessionResult> {
  const { settings } = plan;
  const post = await runPhase({
    plan,
    phase: plan.post,
    context: {
      command: settings.command,
      configPath: plan.config?.path ?? null,
      channel: settings.channel,
      success: false,
      exitCode: state.exitCode,
      oid: state.oid,
    },
    observer,
    cancel: options.cancel ?? new Cancellation(),
    alreadyRun: state.alreadyRun,
  });
  return {
    command: settings.command,
    success: !phaseFailed(post),
    cancelled: null,
    recovery: true,
    oid: null,
    phases: [post],
    step: stepNotRun(plan, 'the main step ended before its post hooks ran'),
    configPath: plan.config?.path ?? null,
  };
}

async function runRekkord(
  plan: Plan,
  observer: SessionObserver,
  cancel: Cancellation,
): Promise<StepResult> {
  const { settings } = plan;
  const stepConfig = await prepareStepConfig(plan.config, settings.tempDir);
  try {
    const spec = {
      command: settings.command,
      rekkordPath: plan.rekkordPath,
      configPath: stepConfig.path,
      args: settings.args,
      channel: settings.channel,
      paths: settings.paths,
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

/**
 * The session: runs a plan. Pre hooks (all of them, even after a failure), then the Rekkord step
 * unless a pre hook failed, then the post hooks (always, once the pre phase has started) with
 * `SUCCESS` set, and it tells an observer everything as it happens.
 */
import { listHookDirectory, type HookListing } from './discovery.js';
import { hookEnvironment, runHook, type HookContext } from './hooks.js';
import type { PhasePlan, Plan } from './plan.js';
import { prepareStepConfig } from './config.js';
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
  /** Raw output of the running hook or Rekkord, stdout and stderr as they come. */
  output(chunk: Buffer): void;
  hookEnd(result: HookResult): void;
  stepStart(display: string, note: string): void;
  stepEnd(result: StepResult): void;
  phaseEnd(report: PhaseReport): void;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

async function runPhase(
  plan: Plan,
  phase: PhasePlan,
  context: Omit<HookContext, 'phase' | 'stage'>,
  observer: SessionObserver,
): Promise<PhaseReport> {
  const stage = phase.phase.startsWith('pre-') ? 'pre' : 'post';
  const directory = phase.directory?.directory ?? null;
  const report: PhaseReport = { phase: phase.phase, directory, hooks: [], skipped: [], error: '' };
  let listing: HookListing = { hooks: [], skipped: [] };
  if (directory) {
    try {
      listing = await listHookDirectory(directory);
    } catch (error) {
      report.error = `the hook directory ${directory} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
    }
  }
  report.skipped = listing.skipped;
  observer.phaseStart(phase.phase, directory, listing);

  let success = context.success && report.error === '';
  for (const hook of listing.hooks) {
    observer.hookStart(phase.phase, hook);
    const env = hookEnvironment(plan.settings.env, {
      ...context,
      stage,
      phase: phase.phase,
      success,
    });
    const result = await runHook(phase.phase, hook, {
      cwd: plan.settings.workspace,
      env,
      timeoutMs: plan.settings.hookTimeoutMs,
      onOutput: (chunk) => {
        observer.output(chunk);
      },
    });
    if (result.outcome !== 'success') success = false;
    report.hooks.push(result);
    observer.hookEnd(result);
  }
  observer.phaseEnd(report);
  return report;
}

function phaseFailed(report: PhaseReport): boolean {
  return report.error !== '' || report.hooks.some((h) => h.outcome !== 'success');
}

export async function runSession(plan: Plan, observer: SessionObserver): Promise<SessionResult> {
  const { settings } = plan;
  const shared = {
    command: settings.command,
    configPath: plan.config?.path ?? null,
    channel: settings.channel,
  };

  const pre = await runPhase(
    plan,
    plan.pre,
    { ...shared, success: true, exitCode: null, oid: null },
    observer,
  );
  let step: StepResult;
  if (phaseFailed(pre)) {
    step = {
      command: settings.command,
      display: `rekkord ${settings.command}`,
      exitCode: null,
      signal: null,
      durationMs: 0,
      outcome: 'skipped',
      message: `rekkord ${settings.command} did not run because the ${pre.phase} phase failed`,
      oid: null,
      tail: [],
    };
  } else {
    step = await runRekkord(plan, observer);
  }

  const stepOk = step.outcome === 'success';
  const post = await runPhase(
    plan,
    plan.post,
    { ...shared, success: stepOk, exitCode: step.exitCode, oid: step.oid },
    observer,
  );

  return {
    command: settings.command,
    success: stepOk && !phaseFailed(pre) && !phaseFailed(post),
    oid: step.oid,
    phases: [pre, post],
    step,
    configPath: plan.config?.path ?? null,
  };
}

async function runRekkord(plan: Plan, observer: SessionObserver): Promise<StepResult> {
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
    const note = stepConfig.isCopy
      ? `Rekkord reads a private copy of ${plan.config?.path ?? ''} without its [Hooks] section, so that no hook runs twice.`
      : '';
    observer.stepStart(display, note);
    const result = await runStep(spec, {
      cwd: settings.workspace,
      env: settings.env,
      onOutput: (c) => {
        observer.output(c);
      },
      display,
    });
    observer.stepEnd(result);
    return result;
  } finally {
    await stepConfig.cleanup();
  }
}

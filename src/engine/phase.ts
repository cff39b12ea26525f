/**
 * One phase: its folders listed in order, then every hook run in turn (all of them, even after a
 * failure), each one's end told to the observer. Whatever goes wrong with one hook, even a throw
 * where a process should have been started, is that hook's result: the phase goes on.
 */
import { realpath } from 'node:fs/promises';
import type { Cancellation } from '../kernel/cancel.js';
import { checkpoint } from '../kernel/faults.js';
import { listHookDirectory, type HookListing } from '../plan/discovery.js';
import { hookEnvironment, type HookContext } from './hook-environment.js';
import { notRunResult, runHook, startFailure } from './hook.js';
import type { Settings } from '../plan/inputs.js';
import type { PhasePlan } from '../plan/index.js';
import { hookSourceSpec } from '../plan/hook-sources.js';
import type { SessionObserver } from './observer.js';
import { describeError } from '../kernel/errors.js';
import type { HookResult, PhaseReport } from './results.js';

export type PhaseContext = Omit<HookContext, 'phase' | 'stage' | 'cancelled'>;

export interface PhaseRun {
  settings: Settings;
  /** The environment hooks inherit, before the hook variables are set. */
  env: Readonly<Record<string, string | undefined>>;
  phase: PhasePlan;
  context: PhaseContext;
  observer: SessionObserver;
  cancel: Cancellation;
  /** Paths of hooks not to run again (they ran before the main step was killed). */
  alreadyRun?: ReadonlySet<string>;
  label?: string;
  /** The phase's folders, already listed (the session lists the pre phase before anything). */
  listed?: PhaseListing;
}

export interface PhaseListing {
  listing: HookListing;
  /** Why a folder could not be read, '' when all could. */
  error: string;
}

/** Lists every folder of a phase, in order; a folder that cannot be read is the phase's error. */
export async function listPhase(phase: PhasePlan): Promise<PhaseListing> {
  const listing: HookListing = { hooks: [], skipped: [] };
  const errors: string[] = [];
  // Real path → the first entry naming it, kept only when another source may name it again.
  const seen = phase.sources.length > 1 ? new Map<string, string>() : null;
  for (const source of phase.sources) {
    try {
      checkpoint('listing', phase.phase);
      const rules = hookSourceSpec(source.kind).listing;
      const one = await listHookDirectory(source.directory, source.args, {
        ...rules,
        ...(source.names ? { names: source.names } : {}),
      });
      listing.skipped.push(...one.skipped);
      if (seen) await keepFirst(one, seen, listing);
      else listing.hooks.push(...one.hooks);
    } catch (error) {
      errors.push(`the hook directory ${source.directory} cannot be read: ${describeError(error)}`);
    }
  }
  return { listing, error: errors.join('; ') };
}

/**
 * No hook runs twice through two sources: a file that an earlier source of the phase named (a
 * battery also linked into a `[Hooks]` folder, one folder given as `hooks-dir` and in `[Hooks]`)
 * is skipped with the reason, and runs at its first place only. Within one folder every entry runs,
 * links to one file included, as Rekkord runs them.
 */
async function keepFirst(
  one: HookListing,
  seen: Map<string, string>,
  into: HookListing,
): Promise<void> {
  const reals = await Promise.all(one.hooks.map((h) => realpath(h.path).catch(() => h.path)));
  const mine = new Map<string, string>();
  one.hooks.forEach((hook, i) => {
    const real = reals[i] ?? hook.path;
    const earlier = seen.get(real);
    if (earlier === undefined) {
      into.hooks.push(hook);
      if (!mine.has(real)) mine.set(real, hook.path);
    } else {
      into.skipped.push({
        name: hook.name,
        path: hook.path,
        reason: `the same file as ${earlier}, which runs earlier in this phase: a hook runs once`,
      });
    }
  });
  for (const [real, first] of mine) seen.set(real, first);
}

export async function runPhase(run: PhaseRun): Promise<PhaseReport> {
  const { settings, phase, context, observer, cancel, alreadyRun } = run;
  const { stage } = phase;
  const title = run.label ?? phase.phase;
  const directories = phase.sources.map((s) => s.directory);
  const { listing: listed, error } = run.listed ?? (await listPhase(phase));
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
  observer.phaseStart(title, directories, listing, stage);

  let success = context.success && report.error === '';
  for (const hook of listing.hooks) {
    if (stage === 'pre' && cancel.cancelled) {
      const reason = `not run: cancelled by ${cancel.signal ?? ''}`;
      report.hooks.push(notRunResult(phase.phase, hook, reason));
      continue;
    }
    // Past the cancel grace, the post step (which runs even after a cancel) runs the rest.
    if (stage === 'post' && cancel.remainingMs() === 0) {
      const reason =
        cancel.expiredBy !== null
          ? `not run: ${cancel.expiredBy}`
          : 'not run before the cancel grace ran out; the post step runs it';
      report.hooks.push(notRunResult(phase.phase, hook, reason));
      continue;
    }
    observer.hookStart(title, hook);
    const cancelled = cancel.cancelled || alreadyRun !== undefined;
    const env = hookEnvironment(run.env, {
      ...context,
      stage,
      phase: phase.phase,
      success: success && !cancelled,
      cancelled,
    });
    let result: HookResult;
    try {
      result = await runHook(phase.phase, hook, {
        cwd: settings.workspace,
        env,
        timeoutMs: settings.hookTimeoutMs,
        onOutput: (chunk) => observer.output(chunk),
        cancel,
        onCancel: stage === 'pre' ? 'interrupt' : 'deadline',
        onSpawn: (pgid) => observer.processGroup?.(pgid),
      });
    } catch (thrown) {
      result = startFailure(phase.phase, hook, thrown);
    }
    observer.processGroup?.(null);
    // Stopped by `expire` (the command line's third signal), not by a grace the post step makes up.
    if (cancel.expiredBy !== null && result.outcome === 'cancelled') {
      result = { ...result, message: `stopped: ${cancel.expiredBy}` };
    }
    if (result.outcome !== 'success') success = false;
    report.hooks.push(result);
    observer.hookEnd(result);
  }
  observer.phaseEnd(report);
  return report;
}

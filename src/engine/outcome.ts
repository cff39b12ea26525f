/**
 * How a process ended, said one way: the classifier turns a process exit into an outcome and a
 * reason, and the outcome table gives each outcome its word, its icon and whether it is a failure.
 * The engine, both reporters and the `hooks` output all read these.
 */
import type { ProcessExit } from '../process/index.js';
import type {
  HookOutcome,
  HookResult,
  PhaseReport,
  ProcessEnding,
  StepOutcome,
} from './results.js';

/** Every outcome a row of a report can have: hooks', the Rekkord step's and validate's. */
export type Outcome = HookOutcome | StepOutcome | 'valid' | 'invalid';

interface OutcomeInfo {
  /** How it reads in a sentence or a table. */
  word: string;
  icon: string;
  /** Whether it makes the step fail. */
  failed: boolean;
}

export const OUTCOMES: Readonly<Record<Outcome, OutcomeInfo>> = {
  success: { word: 'success', icon: '✅', failed: false },
  failure: { word: 'failure', icon: '❌', failed: true },
  'not-started': { word: 'not started', icon: '❌', failed: true },
  'timed-out': { word: 'timed out', icon: '⏱️', failed: true },
  cancelled: { word: 'cancelled', icon: '🛑', failed: true },
  // A hook a cancel came before: the post step owes it, nothing failed yet.
  'not-run': { word: 'not run', icon: '⏭️', failed: false },
  skipped: { word: 'skipped', icon: '⏭️', failed: false },
  valid: { word: 'valid', icon: '✅', failed: false },
  invalid: { word: 'invalid', icon: '❌', failed: true },
};

export function isFailure(outcome: Outcome): boolean {
  return OUTCOMES[outcome].failed;
}

/** The outcome as a table shows it: `❌ not started`. */
export function outcomeLabel(outcome: Outcome): string {
  const info = OUTCOMES[outcome];
  return `${info.icon} ${info.word}`;
}

/**
 * What a result's exit looks like in a few words: the outcome when nothing ran, else the signal,
 * else the exit code (`not started`, `SIGKILL`, `exit code 3`).
 */
export function exitStatus(r: {
  exitCode: number | null;
  signal: string | null;
  outcome: Outcome;
}): string {
  const byWord: readonly Outcome[] = ['not-started', 'timed-out', 'skipped', 'cancelled'];
  if (byWord.includes(r.outcome)) return OUTCOMES[r.outcome].word;
  return r.signal ?? `exit code ${r.exitCode ?? '?'}`;
}

/** The `Exit` column: the signal's name, else the code, else nothing. */
export function exitColumn(r: { exitCode: number | null; signal: string | null }): string {
  return r.signal ?? (r.exitCode === null ? '' : String(r.exitCode));
}

/** A post hook the cancel grace cut short or never reached: the post step runs it. */
export function leftForPostStep(hook: Pick<HookResult, 'outcome'>): boolean {
  return hook.outcome === 'cancelled' || hook.outcome === 'not-run';
}

/**
 * The post hooks a cancel left undone, in the order they run: the action's post step owes them,
 * the command line (which has no post step) reports them as not completed.
 */
export function unfinishedPostHooks(phases: readonly PhaseReport[]): HookResult[] {
  return phases
    .filter((p) => p.phase.startsWith('post-'))
    .flatMap((p) => p.hooks.filter(leftForPostStep));
}

/** The outcomes a process can end with. */
export type ExitOutcome = 'success' | 'failure' | 'not-started' | 'timed-out' | 'cancelled';

export interface EndingContext {
  /** The limit the process had, for the timed-out reason. */
  timeoutMs: number;
  /** `deadline`: a post hook that the end of the cancel grace stopped, owed to the post step. */
  onCancel: 'interrupt' | 'deadline';
}

/** Why a process ended as it did: start error, cancel, timeout, signal, then exit code. */
function reading(exit: ProcessExit, ctx: EndingContext): { outcome: ExitOutcome; message: string } {
  if (exit.startError !== null)
    return { outcome: 'not-started', message: `not started: ${exit.startError}` };
  if (exit.stoppedBy === 'cancel') {
    const how = exit.signal ?? `exit code ${exit.exitCode ?? '?'}`;
    const message =
      ctx.onCancel === 'deadline'
        ? `stopped when the cancel grace ran out (${how}); the post step runs it again`
        : `interrupted by the cancel (${how})`;
    return { outcome: 'cancelled', message };
  }
  if (exit.stoppedBy === 'timeout') {
    const message = `timed out after ${ctx.timeoutMs / 1000} s and was stopped`;
    return { outcome: 'timed-out', message };
  }
  if (exit.signal) return { outcome: 'failure', message: `killed by ${exit.signal}` };
  if (exit.exitCode !== 0)
    return { outcome: 'failure', message: `exited with code ${exit.exitCode ?? '?'}` };
  return { outcome: 'success', message: '' };
}

/** The one reading of a process exit, as every result reports it. */
export function classifyExit(exit: ProcessExit, ctx: EndingContext): ProcessEnding<ExitOutcome> {
  const { exitCode, signal, durationMs, tail } = exit;
  return { exitCode, signal, durationMs, tail, ...reading(exit, ctx) };
}

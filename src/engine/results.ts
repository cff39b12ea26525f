/** What the engine returns: how each hook, the Rekkord step, each phase and the session ended. */

import type { Command } from '../plan/commands.js';
import type { PhaseName, SkippedEntry } from '../plan/types.js';
import type { Validation } from '../validate/index.js';

/**
 * `not-started`: it could not be started; `cancelled`: a cancel interrupted it; `not-run`: a cancel
 * came before its turn. All but `success` and `not-run` count as failed hooks.
 */
export type HookOutcome =
  'success' | 'failure' | 'not-started' | 'timed-out' | 'cancelled' | 'not-run';

/** How a process (a hook, Rekkord) ended, as every result reports it. */
export interface ProcessEnding<O extends string> {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  outcome: O;
  /** Why it failed, in words; empty for a success. */
  message: string;
  /** The last lines it printed, for the failure report. */
  tail: string[];
}

export interface HookResult extends ProcessEnding<HookOutcome> {
  phase: PhaseName;
  name: string;
  path: string;
  /** Processes the hook left in its process group after it exited; the run stopped each. */
  leftovers?: { pid: number; command: string }[];
}

/** `timed-out` only in principle: the Rekkord step has no time limit of its own. */
export type StepOutcome =
  'success' | 'failure' | 'not-started' | 'timed-out' | 'skipped' | 'cancelled';

export interface StepResult extends ProcessEnding<StepOutcome> {
  command: Command;
  /** The command line as shown to the user (the private config copy shown as such). */
  display: string;
  oid: string | null;
}

export interface PhaseReport {
  phase: PhaseName;
  /** How the phase is shown, when it is not just its name (a rehearsal with SUCCESS=0, ...). */
  label?: string;
  /** The hook folders of the phase, in the order they run. */
  directories: string[];
  hooks: HookResult[];
  skipped: SkippedEntry[];
  /** A phase-level failure (its directory vanished, ...), or empty. */
  error: string;
}

export interface SessionResult {
  command: Command;
  success: boolean;
  /** The signal that cancelled the session, or null. */
  cancelled: NodeJS.Signals | null;
  /** True for the post step running the post hooks of a main step that was killed. */
  recovery: boolean;
  oid: string | null;
  phases: PhaseReport[];
  step: StepResult;
  configPath: string | null;
  /** Failures of the action itself (a log or state that could not be written): each fails it. */
  errors: string[];
  /** How long the run waited for another run on the same config; 0 when it did not. */
  lockWaitMs?: number;
}

/** What `validate` found, with its verdict computed once: every edge reads it, none recounts. */
export interface ValidationResult {
  validation: Validation;
  /** The rehearsal's phases (`exercise: true`), or null. */
  rehearsal: PhaseReport[] | null;
  /** No finding is an error and no hook failed in the rehearsal. */
  success: boolean;
  /** Findings by severity. */
  errors: number;
  warnings: number;
  /** Hooks with an error among their findings. */
  invalidHooks: number;
  /** Hooks that failed in the rehearsal. */
  rehearsalFailed: HookResult[];
}

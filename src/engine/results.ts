/**
 * What the engine returns: how each hook, the Rekkord step, each phase and the session ended. The
 * verdicts are computed once, in verdict.ts.
 */

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

/** What an OID names: a snapshot, or the bare object of `save --no_snapshot`. */
export type OidKind = 'snapshot' | 'data';

export interface StepResult extends ProcessEnding<StepOutcome> {
  command: Command;
  /** The command line as shown to the user (the private config copy shown as such). */
  display: string;
  /** The OID Rekkord printed, even when it failed after writing it. */
  oid: string | null;
  /** What the OID names, when there is one. */
  oidKind?: OidKind;
  /** Processes Rekkord left in its process group after it exited; the run stopped each. */
  leftovers?: { pid: number; command: string }[];
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

/** What failed in a session, listed once by the engine; every reporter reads it, none recounts. */
export interface SessionFailures {
  /** Hooks whose outcome is a failure, in the order they ran. */
  hooks: HookResult[];
  /** Phases that could not run (their folder vanished, ...). */
  phases: PhaseReport[];
  /** The Rekkord step, when it failed; null when it succeeded or did not run. */
  step: StepResult | null;
}

export interface SessionResult {
  command: Command;
  /** The verdict, computed once with `failures`. */
  success: boolean;
  /**
   * Rekkord did its work: its step succeeded, or it printed an OID before failing (the snapshot
   * exists, as after a failed [Link] report). A failed session with this set failed afterwards.
   */
  rekkordDone: boolean;
  failures: SessionFailures;
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

/** The engine's operations, each one entry of the table in index.ts: what they are given. */
import type { Cancellation } from '../kernel/cancel.js';
import type { Settings } from '../plan/inputs.js';
import type { PlanOptions } from '../plan/index.js';
import type { Reporter, SessionObserver } from './observer.js';
import type { SessionResult, ValidationResult } from './results.js';

/** What the post step knows of a main step that died before its post hooks ran. */
export interface RecoveryState {
  /** Paths of the post hooks that finished in the main step. */
  alreadyRun: ReadonlySet<string>;
  /** What the main step learnt of the Rekkord step, if it ran. */
  exitCode: number | null;
  oid: string | null;
}

export interface RunOptions extends Pick<PlanOptions, 'execute'> {
  cancel: Cancellation;
  /**
   * Recovery, for the post step of a main step that died before its post hooks ran: only the
   * post hooks still owed run, with `SUCCESS=0`.
   */
  recover?: RecoveryState;
  /** Told the session's events after the reporter: what the main step records for the post step. */
  ledger?: SessionObserver;
}

/** One thing the engine does with settings: plan it, run it, tell the reporter, return the result. */
export type Operation = (
  settings: Settings,
  reporter: Reporter,
  options: RunOptions,
) => Promise<SessionResult | ValidationResult>;

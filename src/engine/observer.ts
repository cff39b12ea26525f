/**
 * What a session tells as it goes, and the guard that keeps a failing observer (a log that
 * cannot be written, a state file that is gone) from stopping the session: the error is recorded
 * and the session still runs the post hooks it promised.
 */
import { describeError } from '../kernel/errors.js';
import type { HookListing } from '../plan/discovery.js';
import type { OutputSink } from '../process/output-relay.js';
import type { HookEntry, Stage } from '../plan/types.js';
import type { Plan } from '../plan/index.js';
import type { Secret } from '../plan/config.js';
import type {
  HookResult,
  PhaseReport,
  SessionResult,
  StepResult,
  ValidationResult,
} from './results.js';

export interface SessionObserver {
  /** `phase` is the phase's name, or its label (a rehearsal's `post-save (SUCCESS=0)`). */
  phaseStart(phase: string, directories: string[], listing: HookListing, stage?: Stage): void;
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

/** What an edge gives the engine: an observer of the session that also shows the plan and the result. */
export interface Reporter extends SessionObserver {
  /** Values to hide from every later line of output; the short ones are named, not masked. */
  maskSecrets(secrets: readonly Secret[]): void;
  planned(plan: Plan): void;
  finish(result: SessionResult): Promise<void>;
  finishValidation(result: ValidationResult): Promise<void>;
  /** A line of the run's own (waiting for another run's lock). */
  note?(text: string): void;
}

/**
 * Two observers told the same events, `first` then `second`: the reporter and the post step's
 * ledger. Output goes to `first` alone; only the ledger needs to know the process group.
 */
export function bothObservers(first: SessionObserver, second: SessionObserver): SessionObserver {
  return {
    phaseStart(...args) {
      first.phaseStart(...args);
      second.phaseStart(...args);
    },
    hookStart(...args) {
      first.hookStart(...args);
      second.hookStart(...args);
    },
    output: (chunk) => first.output(chunk),
    hookEnd(result) {
      first.hookEnd(result);
      second.hookEnd(result);
    },
    stepStart(...args) {
      first.stepStart(...args);
      second.stepStart(...args);
    },
    stepEnd(result) {
      first.stepEnd(result);
      second.stepEnd(result);
    },
    phaseEnd(report) {
      first.phaseEnd(report);
      second.phaseEnd(report);
    },
    processGroup(pgid) {
      first.processGroup?.(pgid);
      second.processGroup?.(pgid);
    },
  };
}

/** The observer, with every call's failure caught and kept in `errors` (once per message). */
export function guardObserver(
  observer: SessionObserver,
  errors: string[],
): Required<SessionObserver> {
  const record = (what: string, error: unknown): void => {
    const message = `${what} failed: ${describeError(error)}`;
    if (!errors.includes(message)) errors.push(message);
  };
  // Each event, by what it reports when it fails.
  const guard = <K extends Exclude<keyof SessionObserver, 'output' | 'processGroup'>>(
    name: K,
    what: string,
  ) =>
    ((...args: Parameters<SessionObserver[K]>): void => {
      try {
        (observer[name] as (...a: Parameters<SessionObserver[K]>) => void)(...args);
      } catch (error) {
        record(what, error);
      }
    }) as SessionObserver[K];
  return {
    phaseStart: guard('phaseStart', 'Reporting a phase'),
    phaseEnd: guard('phaseEnd', 'Reporting a phase'),
    hookStart: guard('hookStart', 'Reporting a hook'),
    hookEnd: guard('hookEnd', 'Reporting a hook'),
    stepStart: guard('stepStart', 'Reporting the Rekkord step'),
    stepEnd: guard('stepEnd', 'Reporting the Rekkord step'),
    processGroup(pgid) {
      try {
        observer.processGroup?.(pgid);
      } catch (error) {
        record('Saving the running process group', error);
      }
    },
    output(chunk) {
      try {
        return observer.output(chunk)?.catch((error: unknown) => {
          record('Writing output', error);
        });
      } catch (error) {
        record('Writing output', error);
        return undefined;
      }
    },
  };
}

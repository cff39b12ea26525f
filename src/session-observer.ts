/**
 * What a session tells as it goes, and the guard that keeps a failing observer (a log that
 * cannot be written, a state file that is gone) from stopping the session: the error is recorded
 * and the session still runs the post hooks it promised.
 */
import type { HookListing } from './discovery.js';
import type { OutputSink } from './process.js';
import type { HookEntry, HookResult, PhaseReport, StepResult } from './types.js';

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

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
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
  const guard =
    <A extends unknown[]>(what: string, call: (...args: A) => void) =>
    (...args: A): void => {
      try {
        call(...args);
      } catch (error) {
        record(what, error);
      }
    };
  return {
    phaseStart: guard('Reporting a phase', (...a) => {
      observer.phaseStart(...a);
    }),
    hookStart: guard('Reporting a hook', (...a) => {
      observer.hookStart(...a);
    }),
    hookEnd: guard('Reporting a hook', (...a) => {
      observer.hookEnd(...a);
    }),
    stepStart: guard('Reporting the Rekkord step', (...a) => {
      observer.stepStart(...a);
    }),
    stepEnd: guard('Reporting the Rekkord step', (...a) => {
      observer.stepEnd(...a);
    }),
    phaseEnd: guard('Reporting a phase', (...a) => {
      observer.phaseEnd(...a);
    }),
    processGroup: guard('Saving the running process group', (pgid: number | null) =>
      observer.processGroup?.(pgid),
    ),
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

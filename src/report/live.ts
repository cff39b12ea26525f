/**
 * What both reporters say while a session runs, said once: the line that announces a phase, the
 * block each hook's or Rekkord's output goes in, the line that closes it, and the warnings. Each
 * edge says only where a line goes, what a block is and how a warning shows.
 */
import type { HookListing } from '../plan/discovery.js';
import type { HookEntry } from '../plan/types.js';
import type { Plan } from '../plan/index.js';
import { masksOf, MIN_MASK_LENGTH, type Secret } from '../plan/config.js';
import type { Reporter } from '../engine/observer.js';
import type {
  HookResult,
  PhaseReport,
  SessionResult,
  StepResult,
  ValidationResult,
} from '../engine/results.js';
import { LogWriter } from './log-writer.js';
import { endLine, hookTitle, leftoverWarning, phaseLine } from './rows.js';

export interface Marks {
  ok: string;
  failed: string;
}

export interface Warning {
  title: string;
  message: string;
}

export abstract class LiveReporter implements Reporter {
  protected readonly log: LogWriter;

  constructor(
    out: NodeJS.WritableStream,
    private readonly marks: Marks,
  ) {
    this.log = new LogWriter(out);
  }

  /** A line of the reporter's own. */
  protected abstract line(text: string): void;
  /** Opens the block a hook's or Rekkord's output goes in. */
  protected abstract open(title: string): void;
  protected abstract close(): void;
  protected abstract warn(warning: Warning): void;

  /** Hides these values from the log from now on. */
  protected abstract addMasks(masks: readonly string[]): void;

  abstract planned(plan: Plan): void;
  abstract finish(result: SessionResult): Promise<void>;
  abstract finishValidation(result: ValidationResult): Promise<void>;

  /** Masks the secrets Rekkord would read; one too short to be a mask is named, never shown. */
  maskSecrets(secrets: readonly Secret[]): void {
    const { masks, tooShort } = masksOf(secrets);
    this.addMasks(masks);
    for (const name of tooShort) {
      this.warn({
        title: 'Secret not masked',
        message: `${name} is shorter than ${MIN_MASK_LENGTH} characters: it is not masked, since a mask that short would hide every occurrence in the log`,
      });
    }
  }

  note(text: string): void {
    this.line(text);
  }

  phaseStart(phase: string, directories: string[], listing: HookListing): void {
    this.line(phaseLine(phase, directories, listing));
  }

  hookStart(phase: string, hook: HookEntry): void {
    this.open(hookTitle(phase, hook));
  }

  output(chunk: Buffer): Promise<void> | undefined {
    return this.log.output(chunk);
  }

  hookEnd(result: HookResult): void {
    this.close();
    this.line(endLine(`${result.phase} ${result.name}`, result, this.marks));
    const left = leftoverWarning(result);
    if (left) this.warn(left);
  }

  stepStart(display: string, note: string): void {
    if (note) this.line(note);
    this.open(display);
  }

  stepEnd(result: StepResult): void {
    this.close();
    const oid = result.oid ? `: snapshot ${result.oid}` : '';
    this.line(`${endLine(`rekkord ${result.command}`, result, this.marks)}${oid}`);
    if (result.outcome === 'success' && result.command === 'save' && !result.oid) {
      this.warn({
        title: 'Snapshot OID not found',
        message: 'rekkord save succeeded but printed no "Snapshot OID:" line; no OID is reported',
      });
    }
    const left = leftoverWarning(result);
    if (left) this.warn(left);
  }

  phaseEnd(report: PhaseReport): void {
    if (report.error) this.line(`${this.marks.failed} ${report.phase}: ${report.error}`);
  }
}

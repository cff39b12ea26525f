/** The command line's reporter: the same events and results as the action's, as plain text. */
import { failureMessage } from '../report/annotations.js';
import type { HookListing } from '../plan/discovery.js';
import { LogWriter } from '../report/log-writer.js';
import { MAX_FINDINGS_LISTED } from '../report/validation.js';
import { OUTCOMES } from '../engine/outcome.js';
import type { Plan } from '../plan/index.js';
import { endLine, hookRows, hookTitle, leftoverWarning, phaseLine } from '../report/rows.js';
import { formatDuration, oneLine } from '../kernel/text.js';
import { masksOf, MIN_MASK_LENGTH, type Secret } from '../plan/config.js';
import type { Reporter } from '../engine/observer.js';
import type { HookEntry } from '../plan/types.js';
import type {
  HookResult,
  PhaseReport,
  SessionResult,
  StepResult,
  ValidationResult,
} from '../engine/results.js';

const MARKS = { ok: '✔', failed: '✘' };

export class TextReporter implements Reporter {
  private readonly log: LogWriter;

  constructor(out: NodeJS.WritableStream = process.stdout) {
    this.log = new LogWriter(out);
  }

  /** Hidden from the reporter's own lines (a CLI in a CI job has no runner to mask them). */
  private masks: string[] = [];

  /** One line of the reporter's own: a name with a newline or an escape cannot break it. */
  private line(text: string): void {
    this.log.line(oneLine(this.redact(text)));
  }

  note(text: string): void {
    this.line(text);
  }

  /** Text with every secret known so far replaced by `***`. */
  redact(text: string): string {
    return this.masks.reduce((out, mask) => out.split(mask).join('***'), text);
  }

  maskSecrets(secrets: readonly Secret[]): void {
    const { masks, tooShort } = masksOf(secrets);
    // Longest first, so that a secret holding another is hidden whole.
    this.masks = [...new Set([...this.masks, ...masks])].sort((a, b) => b.length - a.length);
    for (const name of tooShort) {
      this.line(`warning: ${name} is shorter than ${MIN_MASK_LENGTH} characters: not masked`);
    }
  }

  /** The masks, for `--json`: a terminal is the user's own, but the JSON is masked too. */
  get secrets(): readonly string[] {
    return this.masks;
  }

  planned(plan: Plan): void {
    const config = plan.config ? plan.config.path : 'no config';
    const version = plan.rekkordVersion ? ` ${plan.rekkordVersion}` : '';
    this.line(`Rekkord${version} at ${plan.rekkordPath}, ${config}`);
    for (const warning of plan.warnings) this.line(`warning: ${warning}`);
  }

  phaseStart(phase: string, directories: string[], listing: HookListing): void {
    this.line(phaseLine(phase, directories, listing));
  }

  hookStart(phase: string, hook: HookEntry): void {
    this.line(`── ${hookTitle(phase, hook)}`);
  }

  output(chunk: Buffer): Promise<void> | undefined {
    return this.log.output(chunk);
  }

  hookEnd(result: HookResult): void {
    this.line(endLine(`${result.phase} ${result.name}`, result, MARKS));
    const left = leftoverWarning(result);
    if (left) this.line(`warning: ${left.message}`);
  }

  stepStart(display: string, note: string): void {
    if (note) this.line(note);
    this.line(`── ${display}`);
  }

  stepEnd(result: StepResult): void {
    const oid = result.oid ? `: snapshot ${result.oid}` : '';
    this.line(`${endLine(`rekkord ${result.command}`, result, MARKS)}${oid}`);
  }

  phaseEnd(report: PhaseReport): void {
    if (report.error) this.line(`✘ ${report.phase}: ${report.error}`);
  }

  finish(result: SessionResult): Promise<void> {
    this.line('');
    if (result.lockWaitMs) {
      this.line(`Waited ${formatDuration(result.lockWaitMs)} for another run on the same config`);
    }
    this.table(result.phases, result.step);
    if (!result.success) this.line(`✘ ${failureMessage(result)}`);
    else {
      const oid = result.oid ? `: snapshot ${result.oid}` : '';
      this.line(`✔ rekkord ${result.command} with hooks succeeded${oid}`);
    }
    return Promise.resolve();
  }

  private table(phases: PhaseReport[], step: StepResult | null): void {
    const rows: string[][] = [['PHASE', 'HOOK', 'OUTCOME', 'EXIT', 'DURATION']];
    for (const r of hookRows(phases, step).filter((row) => row.outcome !== null)) {
      const duration = r.durationMs === null ? '' : formatDuration(r.durationMs);
      const word = r.outcome ? OUTCOMES[r.outcome].word : '';
      rows.push([r.phase, r.name, word, r.exit, duration].map(oneLine));
    }
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    for (const row of rows)
      this.line(
        row
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd(),
      );
  }

  finishValidation(result: ValidationResult): Promise<void> {
    const { validation, rehearsal } = result;
    this.line('');
    for (const phase of validation.phases) {
      this.line(`${phase.phase} (${phase.directories.join(' and ')}):`);
      for (const error of phase.errors) this.line(`  ✘ ${error}`);
      phase.hooks.forEach((hook, i) => {
        const mark = hook.findings.some((f) => f.severity === 'error')
          ? '✘'
          : hook.findings.length
            ? '!'
            : '✔';
        const args = hook.args.length ? ` ${hook.args.join(' ')}` : '';
        this.line(`  ${i + 1}. ${mark} ${hook.name}${args}`);
      });
      for (const entry of phase.skipped) this.line(`  - ${entry.name} skipped (${entry.reason})`);
    }
    // Compiler-style lines, which editors and terminals turn into links.
    for (const f of validation.findings.slice(0, MAX_FINDINGS_LISTED)) {
      this.line(`${f.file}${f.line ? `:${f.line}` : ''}: ${f.severity}: ${f.message}`);
    }
    const more = validation.findings.length - MAX_FINDINGS_LISTED;
    if (more > 0) this.line(`… ${more} more findings not listed`);
    if (rehearsal) {
      this.line('');
      this.line('Rehearsal (REKKORD_HOOK_REHEARSAL=1):');
      this.table(rehearsal, null);
    }
    if (!result.success) {
      const parts = [`${result.errors} error(s)`];
      if (rehearsal) parts.push(`${result.rehearsalFailed.length} hook(s) failed in the rehearsal`);
      this.line(`✘ Hook validation failed: ${parts.join(', ')}`);
    } else this.line('✔ Every hook passed validation');
    return Promise.resolve();
  }
}

/** The command line's reporter: the same events and results as the action's, as plain text. */
import { errorAnnotations } from '../report/annotations.js';
import type { HookListing } from '../plan/discovery.js';
import { LogWriter } from '../report/log-writer.js';
import { OUTCOMES } from '../engine/outcome.js';
import type { Plan } from '../plan/index.js';
import { endLine, hookRows, hookTitle, leftoverWarning, phaseLine } from '../report/rows.js';
import { formatDuration, oneLine } from '../kernel/text.js';
import type { Reporter } from '../engine/index.js';
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
  /** The exit code the command line ends with: 0 when everything succeeded. */

  constructor(out: NodeJS.WritableStream = process.stdout) {
    this.log = new LogWriter(out);
  }

  /** One line of the reporter's own: a name with a newline or an escape cannot break it. */
  private line(text: string): void {
    this.log.line(oneLine(text));
  }

  note(text: string): void {
    this.line(text);
  }

  // A terminal is the user's own: nothing to mask there.
  maskSecrets(): void {}

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
    const { failure } = errorAnnotations(result, '/');
    if (failure) this.line(`✘ ${failure}`);
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
    for (const f of validation.findings) {
      this.line(`${f.file}${f.line ? `:${f.line}` : ''}: ${f.severity}: ${f.message}`);
    }
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

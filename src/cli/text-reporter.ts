/** The command line's reporter: the same events and results as the action's, as plain text. */
import { worstSeverity } from '../validate/findings.js';
import { failureMessage } from '../report/annotations.js';
import { LiveReporter, type Warning } from '../report/live.js';
import type { Plan } from '../plan/index.js';
import { plainTable } from '../report/rows.js';
import { formatDuration, oneLine } from '../kernel/text.js';
import type { SessionResult, ValidationResult } from '../engine/results.js';

/** The most findings the command line lists one per line. */
const MAX_FINDINGS_LISTED = 1000;

const MARKS = { ok: '✔', failed: '✘' };

export class TextReporter extends LiveReporter {
  constructor(out: NodeJS.WritableStream = process.stdout) {
    super(out, MARKS);
  }

  /** Hidden from the reporter's own lines (a CLI in a CI job has no runner to mask them). */
  private masks: string[] = [];

  /** One line of the reporter's own: a name with a newline or an escape cannot break it. */
  protected line(text: string): void {
    this.log.line(oneLine(this.redact(text)));
  }

  /** A hook's or Rekkord's output follows its title; the closing line ends it. */
  protected open(title: string): void {
    this.line(`── ${title}`);
  }

  protected close(): void {
    // Nothing to close: the output is plain text between the title and the closing line.
  }

  protected warn(warning: Warning): void {
    this.line(`warning: ${warning.message}`);
  }

  /** Text with every secret known so far replaced by `***`. */
  redact(text: string): string {
    return this.masks.reduce((out, mask) => out.split(mask).join('***'), text);
  }

  protected addMasks(masks: readonly string[]): void {
    // Longest first, so that a secret holding another is hidden whole.
    this.masks = [...new Set([...this.masks, ...masks])].sort((a, b) => b.length - a.length);
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

  finish(result: SessionResult): Promise<void> {
    this.line('');
    if (result.lockWaitMs) {
      this.line(`Waited ${formatDuration(result.lockWaitMs)} for another run on the same config`);
    }
    for (const row of plainTable(result.phases, result.step)) this.line(row);
    if (!result.success) this.line(`✘ ${failureMessage(result, 'cli')}`);
    else {
      const oid = result.oid ? `: snapshot ${result.oid}` : '';
      this.line(`✔ rekkord ${result.command} with hooks succeeded${oid}`);
    }
    return Promise.resolve();
  }

  finishValidation(result: ValidationResult): Promise<void> {
    const { validation, rehearsal } = result;
    this.line('');
    for (const phase of validation.phases) {
      this.line(`${phase.phase} (${phase.directories.join(' and ')}):`);
      for (const error of phase.errors) this.line(`  ✘ ${error}`);
      phase.hooks.forEach((hook, i) => {
        const mark = { error: '✘', warning: '!', none: '✔' }[
          worstSeverity(hook.findings) ?? 'none'
        ];
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
      for (const row of plainTable(rehearsal, null)) this.line(row);
    }
    if (!result.success) {
      const parts = [`${result.errors} error(s)`];
      if (rehearsal) parts.push(`${result.rehearsalFailed.length} hook(s) failed in the rehearsal`);
      this.line(`✘ Hook validation failed: ${parts.join(', ')}`);
    } else this.line('✔ Every hook passed validation');
    return Promise.resolve();
  }
}

/** The Actions edge of reporting: log groups, annotations, the job summary and step outputs. */
import { randomUUID } from 'node:crypto';
import * as core from '@actions/core';
import { errorAnnotations, type Annotation } from '../report/annotations.js';
import { checkpoint } from '../kernel/faults.js';
import { LiveReporter, type Warning } from '../report/live.js';
import { ABORT_OUTPUTS, stepOutputs } from '../report/outputs.js';
import type { Plan } from '../plan/index.js';
import { workspaceFile } from '../report/rows.js';
import { oneLine } from '../kernel/text.js';
import { describeError } from '../kernel/errors.js';
import { oidSentence, renderAbortSummary, renderSummary } from '../report/summary.js';
import { PreflightError } from '../kernel/errors.js';
import type { SessionResult, ValidationResult } from '../engine/results.js';
import {
  renderValidationSummary,
  validationAnnotations,
  validationOutputs,
} from '../report/validation.js';

export interface ReporterOptions {
  workspace: string;
  /** Let hook and Rekkord output issue workflow commands. */
  allowWorkflowCommands: boolean;
}

const MARKS = { ok: '✅', failed: '❌' };

export class ActionsReporter extends LiveReporter {
  private rekkordVersion: string | null = null;
  private channel: string | null = null;
  /** The token of the open stop-commands block, or null. */
  private paused: string | null = null;

  constructor(private readonly options: ReporterOptions) {
    super(process.stdout, MARKS);
  }

  /** A line of the action's own, always outside any block that pauses workflow commands. */
  protected line(text: string): void {
    this.resume();
    this.log.line(oneLine(text));
  }

  protected warn(warning: Warning): void {
    core.warning(oneLine(warning.message), { title: oneLine(warning.title) });
  }

  protected addMasks(masks: readonly string[]): void {
    for (const mask of masks) core.setSecret(mask);
  }

  planned(plan: Plan): void {
    this.rekkordVersion = plan.rekkordVersion;
    this.channel = plan.settings.channel;
    const config = plan.config
      ? `config ${plan.config.path}`
      : `no config (searched ${plan.configSearched.join(', ')})`;
    const version = plan.rekkordVersion ? ` ${plan.rekkordVersion}` : '';
    this.line(`Rekkord${version} at ${plan.rekkordPath}, ${config}`);
    for (const warning of plan.warnings) core.warning(warning, { title: 'Rekkord config' });
  }

  /** A log group, in which the output cannot issue workflow commands unless allowed. */
  protected open(title: string): void {
    this.resume();
    core.startGroup(oneLine(title));
    if (this.options.allowWorkflowCommands) return;
    // Unguessable, so output cannot end the pause of workflow commands by itself.
    this.paused = `rekkord-hooks-${randomUUID()}`;
    this.log.line(`::stop-commands::${this.paused}`);
  }

  /** Ends the pause of workflow commands, if one is open. */
  private resume(): void {
    this.log.endLine();
    if (this.paused === null) return;
    this.log.line(`::${this.paused}::`);
    this.paused = null;
  }

  protected close(): void {
    this.resume();
    core.endGroup();
  }

  async finish(result: SessionResult): Promise<void> {
    this.resume();
    // Each part on its own: one that cannot be written (a missing GITHUB_OUTPUT) must not stop
    // the others, and is itself a failure that is shown.
    const problems: string[] = [];
    const attempt = async (what: string, part: () => void | Promise<void>): Promise<void> => {
      try {
        await part();
      } catch (error) {
        problems.push(`${what} could not be written: ${describeError(error)}`);
      }
    };
    const { annotations, failure } = errorAnnotations(result, this.options.workspace);
    for (const a of annotations) core.error(a.message, properties(a));
    const written = oidSentence(result, this.channel, (text) => text);
    if (written) core.notice(written, { title: 'Rekkord snapshot' });
    if (result.recovery && result.success) {
      core.warning(
        'The main step ended before its post hooks ran; the post step ran them with SUCCESS=0 and REKKORD_HOOK_CANCELLED=1',
        { title: 'Post hooks run by the post step' },
      );
    }
    await attempt('The step outputs', () => {
      writeOutputs(stepOutputs(result));
    });
    const ctx = { channel: this.channel, rekkordVersion: this.rekkordVersion };
    await attempt('The job summary', () => writeSummary(renderSummary(result, ctx)));
    for (const problem of problems) core.error(problem, { title: 'Rekkord hooks action error' });
    if (failure) core.setFailed(failure);
    // Each problem is already an annotation of its own: the step fails without repeating it.
    else if (problems.length) process.exitCode = 1;
  }

  async finishValidation(result: ValidationResult): Promise<void> {
    this.resume();
    writeOutputs(validationOutputs(result));
    const { errors, warnings, failure } = validationAnnotations(result, this.options.workspace);
    for (const a of warnings) core.warning(a.message, properties(a));
    for (const a of errors) core.error(a.message, properties(a));
    await writeSummary(renderValidationSummary(result));
    if (failure) core.setFailed(failure);
    else this.line('✅ Every hook passed validation');
  }

  /**
   * What stopped the run: shown after the pause of workflow commands ends, or the runner would
   * not show it.
   */
  async stopped(error: unknown): Promise<void> {
    this.resume();
    await ActionsReporter.abort(error, this.options.workspace);
  }

  /** Before any hook ran: bad input or a plan that cannot run. */
  static async abort(error: unknown, workspace: string): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    // The outputs and the summary as far as they can be written; the error is shown either way.
    try {
      writeOutputs(ABORT_OUTPUTS);
    } catch {
      // Nothing more to do: the error below is what matters.
    }
    try {
      await writeSummary(renderAbortSummary(message));
    } catch {
      // As above.
    }
    const where = error instanceof PreflightError ? error.where : undefined;
    const file = where ? workspaceFile(where.file, workspace) : undefined;
    if (!file) {
      core.setFailed(message);
      return;
    }
    // An error in a file of the repository (a config line) is shown on that line.
    const line = where?.line ? { startLine: where.line } : {};
    core.error(message, { title: 'Rekkord hooks', file, ...line });
    process.exitCode = 1;
  }
}

function properties(a: Annotation): core.AnnotationProperties {
  return {
    title: a.title,
    ...(a.file ? { file: a.file } : {}),
    ...(a.line ? { startLine: a.line } : {}),
  };
}

function writeOutputs(outputs: Readonly<Record<string, string>>): void {
  checkpoint('outputs');
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

async function writeSummary(markdown: string): Promise<void> {
  checkpoint('summary');
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown).write();
}

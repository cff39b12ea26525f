/** The Actions edge of reporting: log groups, annotations, the job summary and step outputs. */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import * as core from '@actions/core';
import type { HookListing } from './discovery.js';
import type { Plan } from './plan.js';
import {
  errorAnnotations,
  formatDuration,
  hookTitle,
  phaseLine,
  renderSummary,
  stepOutputs,
  workspaceFile,
  type Annotation,
} from './report.js';
import type { Validation } from './validate.js';
import {
  renderValidationSummary,
  validationAnnotations,
  validationOutputs,
} from './validation-report.js';
import type { Reporter } from './run.js';
import {
  SettingsError,
  type HookEntry,
  type HookResult,
  type PhaseReport,
  type SessionResult,
  type StepResult,
} from './types.js';

/** What the main step leaves for the post step, in GITHUB_STATE (the last value of a key wins). */
export const STATE = {
  isPost: 'isPost',
  /** `pre` once the pre phase started (post hooks are owed), `post`, then `done`. */
  stage: 'stage',
  /** JSON array of the paths of the post hooks that finished. */
  postDone: 'post-done',
  /** Process group of the running hook or Rekkord, empty when none runs. */
  pgid: 'pgid',
  /** JSON {exitCode, oid} of the Rekkord step, for the post hooks' environment. */
  step: 'step',
} as const;

/** A post hook the cancel grace cut short or never reached: the post step runs it. */
function leftForPostStep(hook: HookResult): boolean {
  return hook.outcome === 'cancelled' || hook.outcome === 'not-run';
}

export interface ReporterOptions {
  workspace: string;
  /** Let hook and Rekkord output issue workflow commands. */
  allowWorkflowCommands: boolean;
  /** Record progress in GITHUB_STATE for the post step (the main step only). */
  persistState: boolean;
}

export class ActionsReporter implements Reporter {
  private atLineStart = true;
  private rekkordVersion: string | null = null;
  private channel: string | null = null;
  private readonly postDone: string[] = [];
  // Unguessable, so output cannot end the pause of workflow commands by itself.
  private readonly stopToken = `rekkord-hooks-${randomUUID()}`;

  constructor(private readonly options: ReporterOptions) {}

  /** Writes to the log; false means "wait for drain". */
  private write(data: string | Buffer): boolean {
    return process.stdout.write(data);
  }

  maskSecrets(values: readonly string[]): void {
    for (const secret of values) core.setSecret(secret);
  }

  planned(plan: Plan): void {
    this.rekkordVersion = plan.rekkordVersion;
    this.channel = plan.settings.channel;
    const config = plan.config
      ? `config ${plan.config.path}`
      : `no config (searched ${plan.configSearched.join(', ')})`;
    const version = plan.rekkordVersion ? ` ${plan.rekkordVersion}` : '';
    core.info(`Rekkord${version} at ${plan.rekkordPath}, ${config}`);
    for (const warning of plan.warnings) core.warning(warning, { title: 'Rekkord config' });
  }

  private state(key: string, value: string): void {
    if (this.options.persistState) core.saveState(key, value);
  }

  phaseStart(phase: string, directories: string[], listing: HookListing): void {
    this.state(STATE.stage, phase.startsWith('pre-') ? 'pre' : 'post');
    core.info(phaseLine(phase, directories, listing));
  }

  private openGroup(title: string): void {
    core.startGroup(title);
    if (!this.options.allowWorkflowCommands) this.write(`::stop-commands::${this.stopToken}\n`);
  }

  private closeGroup(): void {
    // A workflow command is only read at the start of a line.
    if (!this.atLineStart) this.write('\n');
    this.atLineStart = true;
    if (!this.options.allowWorkflowCommands) this.write(`::${this.stopToken}::\n`);
    core.endGroup();
  }

  hookStart(phase: string, hook: HookEntry): void {
    this.openGroup(hookTitle(phase, hook));
  }

  output(chunk: Buffer): Promise<void> | undefined {
    if (chunk.length === 0) return undefined;
    this.atLineStart = chunk[chunk.length - 1] === 0x0a;
    // A runner reading slowly must slow the hook down, not fill this process's memory.
    if (this.write(chunk)) return undefined;
    return once(process.stdout, 'drain').then(() => undefined);
  }

  processGroup(pgid: number | null): void {
    this.state(STATE.pgid, pgid === null ? '' : String(pgid));
  }

  hookEnd(result: HookResult): void {
    this.closeGroup();
    if (result.phase.startsWith('post-') && !leftForPostStep(result)) {
      this.postDone.push(result.path);
      this.state(STATE.postDone, JSON.stringify(this.postDone));
    }
    const took = formatDuration(result.durationMs);
    if (result.outcome === 'success') {
      core.info(`✅ ${result.phase} ${result.name} succeeded in ${took}`);
    } else core.info(`❌ ${result.phase} ${result.name}: ${result.message} (${took})`);
  }

  stepStart(display: string, note: string): void {
    if (note) core.info(note);
    this.openGroup(display);
  }

  stepEnd(result: StepResult): void {
    this.closeGroup();
    this.state(STATE.step, JSON.stringify({ exitCode: result.exitCode, oid: result.oid }));
    const took = formatDuration(result.durationMs);
    if (result.outcome === 'success') {
      const oid = result.oid ? `: snapshot ${result.oid}` : '';
      core.info(`✅ rekkord ${result.command} succeeded in ${took}${oid}`);
      if (result.command === 'save' && !result.oid) {
        core.warning(
          'rekkord save succeeded but printed no "Snapshot OID:" line; the oid output is empty',
          { title: 'Snapshot OID not found' },
        );
      }
    } else core.info(`❌ ${result.message} (${took})`);
  }

  phaseEnd(report: PhaseReport): void {
    if (report.phase.startsWith('post-') && !report.hooks.some(leftForPostStep)) {
      this.state(STATE.stage, 'done');
    }
    if (report.error) core.info(`❌ ${report.phase}: ${report.error}`);
  }

  async finish(result: SessionResult): Promise<void> {
    for (const [name, value] of Object.entries(stepOutputs(result))) core.setOutput(name, value);
    const { annotations, failure } = errorAnnotations(result, this.options.workspace);
    for (const a of annotations) core.error(a.message, properties(a));
    if (result.oid) {
      const message = `Snapshot ${result.oid} saved in channel ${this.channel ?? ''}`;
      core.notice(message, { title: 'Rekkord snapshot' });
    }
    if (result.recovery && result.success) {
      core.warning(
        'The main step ended before its post hooks ran; the post step ran them with SUCCESS=0 and REKKORD_HOOK_CANCELLED=1',
        { title: 'Post hooks run by the post step' },
      );
    }
    const summary = renderSummary(result, {
      channel: this.channel,
      rekkordVersion: this.rekkordVersion,
    });
    await writeSummary(summary);
    if (failure) core.setFailed(failure);
  }

  async finishValidation(validation: Validation, rehearsal: PhaseReport[] | null): Promise<void> {
    for (const [name, value] of Object.entries(validationOutputs(validation, rehearsal))) {
      core.setOutput(name, value);
    }
    const { errors, warnings, failure } = validationAnnotations(
      validation,
      rehearsal,
      this.options.workspace,
    );
    for (const a of warnings) core.warning(a.message, properties(a));
    for (const a of errors) core.error(a.message, properties(a));
    await writeSummary(renderValidationSummary(validation, rehearsal));
    if (failure) core.setFailed(failure);
    else core.info('✅ Every hook passed validation');
  }

  /** Before any hook ran: bad input or a plan that cannot run. */
  static abort(error: unknown, workspace: string): void {
    core.setOutput('success', 'false');
    core.setOutput('oid', '');
    core.setOutput('hooks', '[]');
    core.setOutput('failed-hooks', '0');
    const message = error instanceof Error ? error.message : String(error);
    const where = error instanceof SettingsError ? error.where : undefined;
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

async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown).write();
}

/** The Actions edge of reporting: log groups, annotations, the job summary and step outputs. */
import * as core from '@actions/core';
import type { HookListing } from './discovery.js';
import type { Plan } from './plan.js';
import { errorAnnotations, formatDuration, renderSummary, stepOutputs } from './report.js';
import type { SessionObserver } from './session.js';
import type {
  HookEntry,
  HookResult,
  PhaseName,
  PhaseReport,
  SessionResult,
  StepResult,
} from './types.js';

export class ActionsReporter implements SessionObserver {
  private atLineStart = true;
  private rekkordVersion: string | null = null;
  private channel: string | null = null;

  constructor(
    private readonly workspace: string,
    private readonly write: (text: string | Buffer) => void = (t) => process.stdout.write(t),
  ) {}

  planned(plan: Plan): void {
    // Masks first: nothing a hook or Rekkord prints may show a secret from the config.
    for (const secret of plan.config?.secrets ?? []) core.setSecret(secret);
    this.rekkordVersion = plan.rekkordVersion;
    this.channel = plan.settings.channel;
    const config = plan.config
      ? `config ${plan.config.path}`
      : `no config (searched ${plan.configSearched.join(', ')})`;
    core.info(`Rekkord ${plan.rekkordVersion ?? ''} at ${plan.rekkordPath}, ${config}`);
    for (const warning of plan.warnings) core.warning(warning, { title: 'Rekkord config' });
  }

  phaseStart(phase: PhaseName, directory: string | null, listing: HookListing): void {
    if (!directory) {
      core.info(`${phase}: no hook directory configured`);
      return;
    }
    const skipped = listing.skipped.map((e) => `${e.name} (${e.reason})`).join(', ');
    core.info(
      `${phase}: ${listing.hooks.length} hook(s) in ${directory}${skipped ? `; skipped: ${skipped}` : ''}`,
    );
  }

  hookStart(phase: PhaseName, hook: HookEntry): void {
    core.startGroup(`${phase} › ${hook.name}`);
  }

  output(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.write(chunk);
    this.atLineStart = chunk[chunk.length - 1] === 0x0a;
  }

  private closeGroup(): void {
    // A workflow command is only read at the start of a line.
    if (!this.atLineStart) this.write('\n');
    this.atLineStart = true;
    core.endGroup();
  }

  hookEnd(result: HookResult): void {
    this.closeGroup();
    const took = formatDuration(result.durationMs);
    if (result.outcome === 'success')
      core.info(`✅ ${result.phase} ${result.name} succeeded in ${took}`);
    else core.info(`❌ ${result.phase} ${result.name}: ${result.message} (${took})`);
  }

  stepStart(display: string, note: string): void {
    if (note) core.info(note);
    core.startGroup(display);
  }

  stepEnd(result: StepResult): void {
    this.closeGroup();
    const took = formatDuration(result.durationMs);
    if (result.outcome === 'success') {
      core.info(
        `✅ rekkord ${result.command} succeeded in ${took}${result.oid ? `: snapshot ${result.oid}` : ''}`,
      );
      if (result.command === 'save' && !result.oid) {
        core.warning(
          'rekkord save succeeded but printed no "Snapshot OID:" line; the oid output is empty',
          {
            title: 'Snapshot OID not found',
          },
        );
      }
    } else core.info(`❌ ${result.message} (${took})`);
  }

  phaseEnd(report: PhaseReport): void {
    if (report.error) core.info(`❌ ${report.phase}: ${report.error}`);
  }

  async finish(result: SessionResult): Promise<void> {
    for (const [name, value] of Object.entries(stepOutputs(result))) core.setOutput(name, value);
    const { annotations, failure } = errorAnnotations(result, this.workspace);
    for (const a of annotations)
      core.error(a.message, { title: a.title, ...(a.file ? { file: a.file } : {}) });
    if (result.oid)
      core.notice(`Snapshot ${result.oid} saved in channel ${this.channel ?? ''}`, {
        title: 'Rekkord snapshot',
      });
    await writeSummary(
      renderSummary(result, { channel: this.channel, rekkordVersion: this.rekkordVersion }),
    );
    if (failure) core.setFailed(failure);
  }

  /** Before any hook ran: bad input or a plan that cannot run. */
  static abort(error: unknown): void {
    core.setOutput('success', 'false');
    core.setOutput('oid', '');
    core.setOutput('hooks', '[]');
    core.setOutput('failed-hooks', '0');
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

async function writeSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown).write();
}

/**
 * What a finished session says, independent of where it is shown: annotations within the runner's
 * limits, the job summary as Markdown, and the step outputs.
 */
import path from 'node:path';
import type { HookResult, PhaseReport, SessionResult, SkippedEntry, StepResult } from './types.js';

export interface Annotation {
  title: string;
  message: string;
  /** Workspace-relative file the annotation points at. */
  file?: string;
  line?: number;
}

/** The runner shows at most this many error annotations per step. */
export const MAX_ERROR_ANNOTATIONS = 10;

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

function status(r: { exitCode: number | null; signal: string | null; outcome: string }): string {
  if (r.outcome === 'not-started') return 'not started';
  if (r.outcome === 'timed-out') return 'timed out';
  if (r.outcome === 'skipped') return 'skipped';
  if (r.outcome === 'cancelled') return 'cancelled';
  if (r.signal) return r.signal;
  return `exit code ${r.exitCode ?? '?'}`;
}

export function workspaceFile(file: string, workspace: string): string | undefined {
  const rel = path.relative(workspace, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : undefined;
}

function withTail(message: string, tail: string[], lines: number): string {
  const shown = tail.slice(-lines);
  return shown.length ? `${message}\nLast output:\n${shown.join('\n')}` : message;
}

export function hookFailed(hook: HookResult): boolean {
  return hook.outcome !== 'success' && hook.outcome !== 'not-run';
}

export function failedHooks(result: Pick<SessionResult, 'phases'>): HookResult[] {
  return result.phases.flatMap((p) => p.hooks.filter(hookFailed));
}

function stepFailed(step: StepResult): boolean {
  return (
    step.outcome === 'failure' || step.outcome === 'not-started' || step.outcome === 'cancelled'
  );
}

/** One error per failed hook and per phase that could not run. */
export function hookAnnotations(phases: PhaseReport[], workspace: string): Annotation[] {
  const all: Annotation[] = [];
  for (const phase of phases) {
    const name = phase.label ?? phase.phase;
    if (phase.error) all.push({ title: `${name} hooks did not run`, message: phase.error });
    for (const hook of phase.hooks.filter(hookFailed)) {
      const file = workspaceFile(hook.path, workspace);
      all.push({
        title: `${name} hook ${hook.name} failed (${status(hook)})`,
        message: withTail(`${hook.path}: ${hook.message}`, hook.tail, 5),
        ...(file ? { file } : {}),
      });
    }
  }
  return all;
}

/**
 * Cuts annotations of one kind to what the runner shows (10 a step), keeping `reserved` places
 * for others of the kind (the closing failure): past that, one says how many more there are.
 */
export function capAnnotations(
  all: Annotation[],
  reserved: number,
  noun: string,
  where: string,
): Annotation[] {
  const room = MAX_ERROR_ANNOTATIONS - reserved;
  if (all.length <= room) return all;
  const more = all.length - (room - 1);
  return [
    ...all.slice(0, room - 1),
    {
      title: `${more} more ${noun}`,
      message: `${more} more ${noun} are not shown as annotations; ${where}.`,
    },
  ];
}

/** One error per failure, cut to what the runner shows, and the step's closing failure message. */
export function errorAnnotations(
  result: SessionResult,
  workspace: string,
): { annotations: Annotation[]; failure: string | null } {
  const all = hookAnnotations(result.phases, workspace);
  const step = result.step;
  if (stepFailed(step)) {
    all.push({
      title: `rekkord ${step.command} failed (${status(step)})`,
      message: withTail(step.message, step.tail, 10),
    });
  }
  if (result.success) return { annotations: all, failure: null };
  // One place is kept for the closing failure message itself.
  const annotations = capAnnotations(all, 1, 'failures', 'the job summary lists every hook');
  return { annotations, failure: failureMessage(result) };
}

function failureMessage(result: SessionResult): string {
  const parts: string[] = [];
  const failed = failedHooks(result);
  const total = result.phases.reduce((n, p) => n + p.hooks.length, 0);
  if (failed.length) parts.push(`${failed.length} of ${total} hooks failed`);
  for (const p of result.phases) if (p.error) parts.push(`${p.phase}: ${p.error}`);
  const step = result.step;
  if (result.recovery) {
    return `The main step ended before its post hooks ran; the post step ran them with SUCCESS=0: ${parts.join('; ')}`;
  }
  if (step.outcome === 'skipped') parts.push(`rekkord ${step.command} did not run`);
  else if (stepFailed(step)) parts.push(`rekkord ${step.command} failed (${status(step)})`);
  const deferred = result.phases
    .filter((p) => p.phase.startsWith('post-'))
    .flatMap((p) => p.hooks.filter((h) => h.outcome === 'cancelled' || h.outcome === 'not-run'));
  if (deferred.length) parts.push(`${deferred.length} post hooks left to the post step`);
  if (result.cancelled) {
    return `Cancelled by ${result.cancelled}; the post hooks ran with SUCCESS=0: ${parts.join('; ')}`;
  }
  return `Rekkord ${result.command} with hooks failed: ${parts.join('; ')}`;
}

export function cell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '&#124;')
    .replace(/\r?\n/g, ' ');
}

export function code(text: string): string {
  return `<code>${cell(text)}</code>`;
}

const ICONS: Record<string, string> = {
  success: '✅ success',
  failure: '❌ failure',
  'not-started': '❌ not started',
  'timed-out': '⏱️ timed out',
  cancelled: '🛑 cancelled',
  'not-run': '⏭️ not run',
  skipped: '⏭️ skipped',
};

export interface SummaryContext {
  channel: string | null;
  rekkordVersion: string | null;
}

export function renderSummary(result: SessionResult, ctx: SummaryContext): string {
  const out: string[] = [];
  const verdict = result.cancelled
    ? `🛑 cancelled by ${result.cancelled}`
    : result.recovery
      ? '🛟 post hooks run by the post step'
      : result.success
        ? '✅ succeeded'
        : '❌ failed';
  out.push(`## Rekkord ${result.command} ${verdict}`, '');
  if (result.oid)
    out.push(`Snapshot ${code(result.oid)} saved in channel ${code(ctx.channel ?? '')}.`, '');
  const facts = [`Config: ${result.configPath ? code(result.configPath) : 'none found'}`];
  if (ctx.rekkordVersion) facts.push(`Rekkord ${cell(ctx.rekkordVersion)}`);
  out.push(facts.join(' · '), '');

  out.push(...hookTable(result.phases, result.step, result.recovery));

  out.push(...skippedLine(result.phases), '');
  return out.join('\n');
}

export function skippedLine(phases: { phase: string; skipped: SkippedEntry[] }[]): string[] {
  const skipped = phases.flatMap((p) =>
    p.skipped.map((e) => `${code(`${p.phase}/${e.name}`)} (${cell(e.reason)})`),
  );
  return skipped.length ? ['', `Skipped entries: ${skipped.join(', ')}`] : [];
}

/**
 * The table of every hook (and the Rekkord step between the phases, where it ran; first when the
 * post step runs the post hooks of a killed main step).
 */
export function hookTable(
  phases: PhaseReport[],
  step: StepResult | null,
  stepFirst = false,
): string[] {
  const out = [
    '| Phase | Hook | Outcome | Exit | Duration | Details |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  const row = (cols: string[]): void => {
    out.push(`| ${cols.join(' | ')} |`);
  };
  const stepRow = (): void => {
    if (!step) return;
    row([
      'rekkord',
      code(`rekkord ${step.command}`),
      ICONS[step.outcome] ?? step.outcome,
      step.signal ?? (step.exitCode === null ? '' : String(step.exitCode)),
      step.outcome === 'skipped' ? '' : formatDuration(step.durationMs),
      cell(step.message),
    ]);
  };
  if (stepFirst) stepRow();
  for (const phase of phases) {
    const name = phase.label ?? phase.phase;
    if (phase.error) row([name, '—', ICONS.failure ?? '', '', '', cell(phase.error)]);
    if (phase.directories.length === 0) row([name, '—', 'no directory configured', '', '', '']);
    else if (!phase.error && phase.hooks.length === 0)
      row([name, '—', `no hooks in ${phase.directories.map(code).join(', ')}`, '', '', '']);
    for (const h of phase.hooks) {
      row([
        name,
        code(h.name),
        ICONS[h.outcome] ?? h.outcome,
        h.signal ?? (h.exitCode === null ? '' : String(h.exitCode)),
        formatDuration(h.durationMs),
        cell(h.message),
      ]);
    }
    if (!stepFirst && phase.phase.startsWith('pre-')) stepRow();
  }
  return out;
}

export interface HookOutput {
  phase: string;
  name: string;
  path: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  outcome: string;
  message: string;
}

export function stepOutputs(
  result: Pick<SessionResult, 'phases' | 'success' | 'oid'>,
): Record<string, string> {
  const hooks: HookOutput[] = result.phases.flatMap((p) =>
    p.hooks.map((h) => ({
      phase: p.label ?? h.phase,
      name: h.name,
      path: h.path,
      exitCode: h.exitCode,
      signal: h.signal,
      durationMs: Math.round(h.durationMs),
      outcome: h.outcome,
      message: h.message,
    })),
  );
  return {
    success: String(result.success),
    oid: result.oid ?? '',
    hooks: JSON.stringify(hooks),
    'failed-hooks': String(failedHooks(result).length),
  };
}

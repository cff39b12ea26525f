/**
 * What a finished session says, independent of where it is shown: annotations within the runner's
 * limits, the job summary as Markdown, and the step outputs.
 */
import path from 'node:path';
import type { HookListing } from './discovery.js';
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
  return r.signal ?? `exit code ${r.exitCode ?? '?'}`;
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

/** `exit code` column text: the signal's name, else the code, else nothing. */
export function exitText(r: { exitCode: number | null; signal: string | null }): string {
  return r.signal ?? (r.exitCode === null ? '' : String(r.exitCode));
}

/** A row of the hook table: a hook, the Rekkord step, or a note on a phase with no hook run. */
export interface HookRow {
  kind: 'hook' | 'step' | 'note';
  phase: string;
  name: string;
  /** An outcome (`success`, `skipped`, ...) or, for a note, what it says. */
  outcome: string;
  exit: string;
  durationMs: number | null;
  details: string;
  /** For the note on a phase whose folders hold no hook: the folders. */
  directories?: string[];
}

/**
 * Every hook in the order it ran, with the Rekkord step between the phases (first when the post
 * step runs the post hooks of a killed main step).
 */
export function hookRows(
  phases: PhaseReport[],
  step: StepResult | null,
  stepFirst = false,
): HookRow[] {
  const rows: HookRow[] = [];
  const stepRow = (): void => {
    if (!step) return;
    rows.push({
      kind: 'step',
      phase: 'rekkord',
      name: `rekkord ${step.command}`,
      outcome: step.outcome,
      exit: exitText(step),
      durationMs: step.outcome === 'skipped' ? null : step.durationMs,
      details: step.message,
    });
  };
  const note = (phase: string, outcome: string, details = '', directories?: string[]): void => {
    const row: HookRow = {
      kind: 'note',
      phase,
      name: '—',
      outcome,
      exit: '',
      durationMs: null,
      details,
    };
    rows.push(directories ? { ...row, directories } : row);
  };
  if (stepFirst) stepRow();
  for (const phase of phases) {
    const name = phase.label ?? phase.phase;
    if (phase.error) note(name, 'failure', phase.error);
    if (phase.directories.length === 0) note(name, 'no directory configured');
    else if (!phase.error && phase.hooks.length === 0) {
      note(name, 'no hooks', '', phase.directories);
    }
    for (const h of phase.hooks) {
      rows.push({
        kind: 'hook',
        phase: name,
        name: h.name,
        outcome: h.outcome,
        exit: exitText(h),
        durationMs: h.durationMs,
        details: h.message,
      });
    }
    if (!stepFirst && phase.phase.startsWith('pre-')) stepRow();
  }
  return rows;
}

/** The hook table as Markdown, for the job summary. */
export function hookTable(
  phases: PhaseReport[],
  step: StepResult | null,
  stepFirst = false,
): string[] {
  const out = [
    '| Phase | Hook | Outcome | Exit | Duration | Details |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of hookRows(phases, step, stepFirst)) {
    const outcome = r.directories
      ? `no hooks in ${r.directories.map(code).join(', ')}`
      : (ICONS[r.outcome] ?? r.outcome);
    const cols = [
      r.phase,
      r.kind === 'note' ? '—' : code(r.name),
      outcome,
      r.exit,
      r.durationMs === null ? '' : formatDuration(r.durationMs),
      cell(r.details),
    ];
    out.push(`| ${cols.join(' | ')} |`);
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

/** The `hooks` output's objects, one per hook run. */
export function hookOutputs(phases: PhaseReport[]): HookOutput[] {
  return phases.flatMap((p) =>
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
}

export function stepOutputs(result: SessionResult): Record<string, string> {
  return {
    success: String(result.success),
    oid: result.oid ?? '',
    hooks: JSON.stringify(hookOutputs(result.phases)),
    'failed-hooks': String(failedHooks(result).length),
  };
}

/** How a reporter announces a phase: its hooks and folders, and what it skips. */
export function phaseLine(phase: string, directories: string[], listing: HookListing): string {
  if (directories.length === 0) return `${phase}: no hook directory configured`;
  const skipped = listing.skipped.map((e) => `${e.name} (${e.reason})`).join(', ');
  const where = directories.join(' and ');
  return `${phase}: ${listing.hooks.length} hook(s) in ${where}${skipped ? `; skipped: ${skipped}` : ''}`;
}

/** How a reporter titles a running hook: phase, name and arguments. */
export function hookTitle(phase: string, hook: { name: string; args: readonly string[] }): string {
  const args = hook.args.length ? ` ${hook.args.join(' ')}` : '';
  return `${phase} › ${hook.name}${args}`;
}

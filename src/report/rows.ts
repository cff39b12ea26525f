/**
 * What a finished session says, whatever shows it: the rows of the hook table in the order things
 * ran, and the lines that announce phases and hooks.
 * Annotations, the job summary and the step outputs each have their own module.
 */
import path from 'node:path';
import type { HookListing } from '../plan/discovery.js';
import { exitColumn, OUTCOMES, type Outcome } from '../engine/outcome.js';
import type { HookResult, PhaseReport, StepResult } from '../engine/results.js';
import { formatDuration, oneLine } from '../kernel/text.js';

export function workspaceFile(file: string, workspace: string): string | undefined {
  const rel = path.relative(workspace, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : undefined;
}

/** A row of the hook table: a hook, the Rekkord step, or a note on a phase with no hook run. */
export interface HookRow {
  kind: 'hook' | 'step' | 'note';
  phase: string;
  name: string;
  /** The row's outcome; a note has none. */
  outcome: Outcome | null;
  /** For a note: what it says instead of an outcome. */
  note: string;
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
  const row = (r: Omit<HookRow, 'note' | 'exit'> & Partial<HookRow>): void => {
    rows.push({ note: '', exit: '', ...r });
  };
  const stepRow = (): void => {
    if (!step) return;
    row({
      kind: 'step',
      phase: 'rekkord',
      name: `rekkord ${step.command}`,
      outcome: step.outcome,
      exit: exitColumn(step),
      durationMs: step.outcome === 'skipped' ? null : step.durationMs,
      details: step.message,
    });
  };
  const note = (phase: string, text: string, details = '', directories?: string[]): void => {
    const base = { kind: 'note', phase, name: '—', outcome: null, note: text } as const;
    row({ ...base, durationMs: null, details, ...(directories ? { directories } : {}) });
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
      row({
        kind: 'hook',
        phase: name,
        name: h.name,
        outcome: h.outcome,
        exit: exitColumn(h),
        durationMs: h.durationMs,
        details: h.message,
      });
    }
    if (!stepFirst && phase.phase.startsWith('pre-')) stepRow();
  }
  return rows;
}

/** The hook table as plain text, in aligned columns: the rows that ran, without the notes. */
export function plainTable(phases: PhaseReport[], step: StepResult | null): string[] {
  const rows: string[][] = [['PHASE', 'HOOK', 'OUTCOME', 'EXIT', 'DURATION']];
  for (const r of hookRows(phases, step).filter((row) => row.outcome !== null)) {
    const duration = r.durationMs === null ? '' : formatDuration(r.durationMs);
    const word = r.outcome ? OUTCOMES[r.outcome].word : '';
    rows.push([r.phase, r.name, word, r.exit, duration].map(oneLine));
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/** How a reporter announces a phase: its hooks and folders, and what it skips. */
export function phaseLine(phase: string, directories: string[], listing: HookListing): string {
  if (directories.length === 0) return `${phase}: no hook directory configured`;
  const skipped = listing.skipped.map((e) => `${e.name} (${e.reason})`).join(', ');
  const where = directories.join(' and ');
  return oneLine(
    `${phase}: ${listing.hooks.length} hook(s) in ${where}${skipped ? `; skipped: ${skipped}` : ''}`,
  );
}

/** How a reporter titles a running hook: phase, name and arguments. */
export function hookTitle(phase: string, hook: { name: string; args: readonly string[] }): string {
  const args = hook.args.length ? ` ${hook.args.join(' ')}` : '';
  return oneLine(`${phase} › ${hook.name}${args}`);
}

/** The line that closes a hook's or the Rekkord step's output: how it ended, how long it took. */
export function endLine(
  what: string,
  result: { outcome: Outcome; message: string; durationMs: number },
  marks: { ok: string; failed: string },
): string {
  const took = formatDuration(result.durationMs);
  if (result.outcome === 'success') return oneLine(`${marks.ok} ${what} succeeded in ${took}`);
  return oneLine(`${marks.failed} ${what}: ${result.message} (${took})`);
}

/**
 * The warning for processes a hook (or Rekkord) left in its process group, which the run stopped:
 * each named, and for a hook how to start a service that outlives it. Null when it left none.
 */
export function leftoverWarning(
  result: HookResult | StepResult,
): { title: string; message: string } | null {
  const left = result.leftovers ?? [];
  if (!left.length) return null;
  const named = left.map((p) => `pid ${p.pid} (${p.command || '?'})`).join(', ');
  const who =
    'name' in result ? `${result.phase} hook ${result.name}` : `rekkord ${result.command}`;
  const advice =
    'name' in result
      ? ' A service meant to outlive its hook is started with systemctl, or with setsid and its output redirected.'
      : '';
  return {
    title: `${who} left processes running`,
    message: `${who} exited and left ${left.length} process(es) in its process group; stopped: ${named}.${advice}`,
  };
}

/** The job summary: Markdown in which names, paths and output are always plain text. */
import { exitStatus, outcomeLabel } from '../engine/outcome.js';
import { formatDuration } from '../kernel/text.js';
import { hookRows } from './rows.js';
import type { PhaseReport, SessionResult, StepResult } from '../engine/results.js';
import type { SkippedEntry } from '../plan/types.js';

/**
 * Text for a table cell: every character Markdown or HTML could read as markup is written as an
 * entity, so a hook named `*x*` or `[a](b)` shows as written and cannot break the table.
 */
export function cell(text: string): string {
  return text.replace(/\r?\n|\r/g, ' ').replace(/[&<>|\\`*_[\]~]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function code(text: string): string {
  return `<code>${cell(text)}</code>`;
}

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
        : result.rekkordDone
          ? '❌ failed after Rekkord did its work'
          : '❌ failed';
  out.push(`## Rekkord ${result.command} ${verdict}`, '');
  const written = oidSentence(result, ctx.channel, code);
  if (written) out.push(`${written}.`, '');
  const facts = [`Config: ${result.configPath ? code(result.configPath) : 'none found'}`];
  if (ctx.rekkordVersion) facts.push(`Rekkord ${cell(ctx.rekkordVersion)}`);
  if (result.lockWaitMs) {
    facts.push(`Waited ${formatDuration(result.lockWaitMs)} for another run on the same config`);
  }
  out.push(facts.join(' · '), '');
  out.push(...hookTable(result.phases, result.step, SUMMARY_TABLE_BUDGET, result.recovery));
  out.push(...skippedLine(result.phases), '');
  return out.join('\n');
}

/**
 * What Rekkord wrote, in one sentence, with `show` for names: the snapshot and its channel, the
 * object of `save --no_snapshot`, and when Rekkord failed after writing it (a failed [Link]
 * report), that it exists all the same. Empty when Rekkord printed no OID.
 */
export function oidSentence(
  result: Pick<SessionResult, 'oid' | 'step'>,
  channel: string | null,
  show: (text: string) => string,
): string {
  if (!result.oid) return '';
  const oid = show(result.oid);
  const where =
    result.step.oidKind === 'data'
      ? '(save --no_snapshot: an object, no channel)'
      : `in channel ${show(channel ?? '')}`;
  const what = result.step.oidKind === 'data' ? 'Object' : 'Snapshot';
  if (result.step.outcome === 'success') return `${what} ${oid} saved ${where}`;
  return `${what} ${oid} exists ${where}, but Rekkord failed after writing it (${exitStatus(result.step)})`;
}

/** The summary of a run that stopped before any hook: what stopped it. */
export function renderAbortSummary(message: string): string {
  return ['## Rekkord hooks ❌ failed before any hook ran', '', cell(message), ''].join('\n');
}

/** The most skipped entries a summary names: a folder may hold 1024 of them, each phase several. */
export const MAX_SKIPPED_NAMED = 100;

/** The skipped entries of every phase, the first MAX_SKIPPED_NAMED named, then how many more. */
export function skippedLine(phases: { phase: string; skipped: SkippedEntry[] }[]): string[] {
  const all = phases.flatMap((p) => p.skipped.map((e) => ({ phase: p.phase, e })));
  if (!all.length) return [];
  const named = all
    .slice(0, MAX_SKIPPED_NAMED)
    .map(({ phase, e }) => `${code(`${phase}/${e.name}`)} (${cell(e.reason)})`);
  const lines = ['', `Skipped entries: ${named.join(', ')}`];
  if (all.length > MAX_SKIPPED_NAMED) {
    lines.push(`… ${all.length - MAX_SKIPPED_NAMED} more skipped entries`);
  }
  return lines;
}

/**
 * The runner refuses a job summary over 1 MiB, and a repository decides how many hooks there are:
 * each table is cut to a budget, with a line saying how many rows were left out. A page's main
 * table (a session's hooks, validate's checks) gets the first; validate's rehearsal table, a
 * second table on its page, the second. With the skipped entries (validate names at most 100)
 * and the headings, a page stays under the limit.
 */
export const SUMMARY_TABLE_BUDGET = 512 * 1024;
export const REHEARSAL_TABLE_BUDGET = 256 * 1024;

/** As many rows as fit the budget, then a line naming how many were left out. */
export function withinBudget(rows: string[], budget: number, noun: string): string[] {
  const out: string[] = [];
  let size = 0;
  for (const row of rows) {
    size += Buffer.byteLength(row) + 1;
    if (size > budget) {
      out.push(
        '',
        `… ${rows.length - out.length} more ${noun} not shown: the summary has a size limit`,
      );
      break;
    }
    out.push(row);
  }
  return out;
}

/** The hook table as Markdown, cut to its budget. */
export function hookTable(
  phases: PhaseReport[],
  step: StepResult | null,
  budget: number,
  stepFirst = false,
): string[] {
  const rows: string[] = [];
  for (const r of hookRows(phases, step, stepFirst)) {
    const outcome = r.directories
      ? `no hooks in ${r.directories.map(code).join(', ')}`
      : r.outcome
        ? outcomeLabel(r.outcome)
        : r.note === 'failure'
          ? outcomeLabel('failure')
          : cell(r.note);
    const cols = [
      cell(r.phase),
      r.kind === 'note' ? '—' : code(r.name),
      outcome,
      r.exit,
      r.durationMs === null ? '' : formatDuration(r.durationMs),
      cell(r.details),
    ];
    rows.push(`| ${cols.join(' | ')} |`);
  }
  return [
    '| Phase | Hook | Outcome | Exit | Duration | Details |',
    '| --- | --- | --- | --- | --- | --- |',
    ...withinBudget(rows, budget, 'rows'),
  ];
}

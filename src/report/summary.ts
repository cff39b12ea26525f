/** The job summary: Markdown in which names, paths and output are always plain text. */
import { outcomeLabel } from '../engine/outcome.js';
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
        : '❌ failed';
  out.push(`## Rekkord ${result.command} ${verdict}`, '');
  if (result.oid)
    out.push(`Snapshot ${code(result.oid)} saved in channel ${code(ctx.channel ?? '')}.`, '');
  const facts = [`Config: ${result.configPath ? code(result.configPath) : 'none found'}`];
  if (ctx.rekkordVersion) facts.push(`Rekkord ${cell(ctx.rekkordVersion)}`);
  if (result.lockWaitMs) {
    facts.push(`Waited ${formatDuration(result.lockWaitMs)} for another run on the same config`);
  }
  out.push(facts.join(' · '), '');
  out.push(...hookTable(result.phases, result.step, result.recovery));
  out.push(...skippedLine(result.phases), '');
  return out.join('\n');
}

/** The summary of a run that stopped before any hook: what stopped it. */
export function renderAbortSummary(message: string): string {
  return ['## Rekkord hooks ❌ failed before any hook ran', '', cell(message), ''].join('\n');
}

export function skippedLine(phases: { phase: string; skipped: SkippedEntry[] }[]): string[] {
  const skipped = phases.flatMap((p) =>
    p.skipped.map((e) => `${code(`${p.phase}/${e.name}`)} (${cell(e.reason)})`),
  );
  return skipped.length ? ['', `Skipped entries: ${skipped.join(', ')}`] : [];
}

/** The hook table as Markdown. */
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
    out.push(`| ${cols.join(' | ')} |`);
  }
  return out;
}

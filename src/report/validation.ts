/** What validate says, independent of where it is shown: annotations, job summary, outputs. */
import { capAnnotations, hookAnnotations, type Annotation } from './annotations.js';
import { hookOutputs, hooksOutput, type HookOutput } from './outputs.js';
import { workspaceFile } from './rows.js';
import {
  cell,
  code,
  hookTable,
  REHEARSAL_TABLE_BUDGET,
  skippedLine,
  SUMMARY_TABLE_BUDGET,
  withinBudget,
} from './summary.js';
import type { ValidationResult } from '../engine/results.js';
import { worstSeverity, type Finding } from '../validate/findings.js';

/** Every finding points at a file and a line: line 1 when the problem is the file itself. */
function annotation(finding: Finding, workspace: string): Annotation {
  const file = workspaceFile(finding.file, workspace);
  const line = finding.line ?? 1;
  return {
    title: finding.title,
    message: `${finding.file}:${line}: ${finding.message}`,
    ...(file ? { file, line } : {}),
  };
}

export interface ValidationAnnotations {
  errors: Annotation[];
  warnings: Annotation[];
  failure: string | null;
}

export function validationAnnotations(
  result: ValidationResult,
  workspace: string,
): ValidationAnnotations {
  const { validation, rehearsal } = result;
  const of = (severity: Finding['severity']): Annotation[] =>
    validation.findings.filter((f) => f.severity === severity).map((f) => annotation(f, workspace));
  const errors = [
    ...of('error'),
    ...hookAnnotations(rehearsal ?? [], result.rehearsalFailed, workspace),
  ];
  const where = 'the job summary lists them';
  const failure = !result.success
    ? `Hook validation failed: ${errors.length} problem${errors.length === 1 ? '' : 's'}`
    : null;
  return {
    errors: capAnnotations(errors, failure ? 1 : 0, 'problems', where),
    warnings: capAnnotations(of('warning'), 0, 'warnings', where),
    failure,
  };
}

const MARK = { error: '❌', warning: '⚠️' } as const;

function validationRows(result: ValidationResult): string[] {
  const rows: string[] = [];
  for (const phase of result.validation.phases) {
    for (const error of phase.errors) rows.push(`| ${phase.phase} | | — | | ❌ | ${cell(error)} |`);
    for (const f of phase.folderFindings) {
      rows.push(`| ${phase.phase} | | — | | ${MARK[f.severity]} | ${cell(f.message)} |`);
    }
    phase.hooks.forEach((hook, index) => {
      const severity = worstSeverity(hook.findings);
      const worst = severity ? MARK[severity] : '✅';
      // A hook of a folder that serves several phases is checked once: its findings are shown
      // in the first phase that lists it.
      const findings =
        hook.shownIn !== phase.phase && hook.findings.length
          ? `as in ${cell(hook.shownIn)}`
          : hook.findings
              .map(
                (f) => `${MARK[f.severity]} ${f.line ? `line ${f.line}: ` : ''}${cell(f.message)}`,
              )
              .join('<br>');
      rows.push(
        `| ${phase.phase} | ${index + 1} | ${code(hook.name)} | ${cell(hook.args.join(' '))} | ${worst} | ${findings} |`,
      );
    });
    if (phase.hooks.length === 0 && phase.errors.length === 0) {
      rows.push(
        `| ${phase.phase} | | — | | | no hooks in ${phase.directories.map(code).join(', ')} |`,
      );
    }
  }
  return rows;
}

export function renderValidationSummary(result: ValidationResult): string {
  const { validation, rehearsal, errors, warnings, success: ok } = result;
  const rehearsalFailed = result.rehearsalFailed.length;
  const out = [
    `## Rekkord hooks validation ${ok ? '✅ passed' : '❌ failed'}`,
    '',
    `${errors} error(s), ${warnings} warning(s)${rehearsal ? `, ${rehearsalFailed} hook(s) failed in the rehearsal` : ''}. Config: ${validation.configPath ? code(validation.configPath) : 'none'}.`,
    '',
    '| Phase | # | Hook | Arguments | Check | Findings |',
    '| --- | --- | --- | --- | --- | --- |',
    ...withinBudget(validationRows(result), SUMMARY_TABLE_BUDGET, 'rows'),
  ];
  out.push(...skippedLine(result.validation.phases));
  if (rehearsal) {
    out.push(
      '',
      '### Rehearsal (`REKKORD_HOOK_REHEARSAL=1`)',
      '',
      ...hookTable(rehearsal, null, REHEARSAL_TABLE_BUDGET),
    );
  }
  out.push('');
  return out.join('\n');
}

export function validationOutputs(result: ValidationResult): Record<string, string> {
  const { validation, rehearsal } = result;
  const checked = validation.phases.flatMap((p) =>
    p.hooks.map((h): HookOutput => {
      const invalid = worstSeverity(h.findings) === 'error';
      return {
        phase: p.phase,
        name: h.name,
        path: h.path,
        exitCode: null,
        signal: null,
        durationMs: 0,
        outcome: invalid ? 'invalid' : 'valid',
        message: h.findings.map((f) => f.message).join('; '),
      };
    }),
  );
  const rehearsed = hookOutputs(rehearsal ?? []);
  return {
    success: String(result.success),
    oid: '',
    hooks: hooksOutput([...checked, ...rehearsed]),
    'failed-hooks': String(result.invalidHooks + result.rehearsalFailed.length),
  };
}

/**
 * The machine-readable result of one run (the command line's `--json`): every hook, the Rekkord
 * step, the snapshot and the verdict, as one JSON object. `schema` changes only when a field
 * changes meaning or goes away.
 */
import type { SessionResult, ValidationResult } from '../engine/results.js';
import { hookOutputs, type HookOutput } from './outputs.js';

export const JSON_SCHEMA = 1;

export interface JsonStep {
  command: string;
  /** The command line as the log shows it: the config's secrets are not on it. */
  commandLine: string;
  outcome: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  oid: string | null;
}

export interface JsonFinding {
  severity: string;
  file: string;
  line: number | null;
  message: string;
}

export interface JsonResult {
  schema: typeof JSON_SCHEMA;
  command: string;
  /** The name of the exit code (`success`, `failed`, `failed-after-rekkord`, ...). */
  verdict: string;
  exitCode: number;
  success: boolean;
  /**
   * Rekkord did its work (the snapshot is saved, even when Rekkord failed after writing it): what
   * failed came afterwards. False for validate and for a run that stopped before any hook.
   */
  rekkordDone: boolean;
  oid: string | null;
  cancelled: string | null;
  /** How long the run waited for another run on the same config; 0 when it did not. */
  lockWaitMs: number;
  hooks: HookOutput[];
  step: JsonStep | null;
  /** Validate's findings; empty for the other commands. */
  findings: JsonFinding[];
  /** Why the run stopped before any hook, or failures of the run itself; empty when none. */
  errors: string[];
}

export interface Verdict {
  verdict: string;
  exitCode: number;
}

/** A session's or a validation's result as JSON. */
export function jsonResult(
  result: SessionResult | ValidationResult,
  verdict: Verdict,
  command: string,
): JsonResult {
  if ('validation' in result) {
    return {
      schema: JSON_SCHEMA,
      command,
      ...verdict,
      success: result.success,
      rekkordDone: false,
      oid: null,
      cancelled: null,
      lockWaitMs: 0,
      hooks: hookOutputs(result.rehearsal ?? []),
      step: null,
      findings: result.validation.findings.map((f) => ({
        severity: f.severity,
        file: f.file,
        line: f.line ?? null,
        message: f.message,
      })),
      errors: [],
    };
  }
  const { step } = result;
  return {
    schema: JSON_SCHEMA,
    command,
    ...verdict,
    success: result.success,
    rekkordDone: result.rekkordDone,
    oid: result.oid,
    cancelled: result.cancelled,
    lockWaitMs: Math.round(result.lockWaitMs ?? 0),
    hooks: hookOutputs(result.phases),
    step: {
      command: step.command,
      commandLine: step.display,
      outcome: step.outcome,
      exitCode: step.exitCode,
      signal: step.signal,
      durationMs: Math.round(step.durationMs),
      oid: step.oid,
    },
    findings: [],
    errors: [...result.errors],
  };
}

/** The result of a run that stopped before any hook ran. */
export function jsonAbort(command: string, verdict: Verdict, error: string): JsonResult {
  return {
    schema: JSON_SCHEMA,
    command,
    ...verdict,
    success: false,
    rekkordDone: false,
    oid: null,
    cancelled: null,
    lockWaitMs: 0,
    hooks: [],
    step: null,
    findings: [],
    errors: [error],
  };
}

/** The JSON text with every secret replaced, as the log would mask it. */
export function jsonText(result: JsonResult, secrets: readonly string[]): string {
  let text = JSON.stringify(result, null, 2);
  for (const secret of secrets.filter((s) => s.length > 0)) {
    const quoted = JSON.stringify(secret).slice(1, -1);
    text = text.split(quoted).join('***');
  }
  return text;
}

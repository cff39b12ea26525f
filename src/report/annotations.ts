/**
 * The error annotations of a finished session, within what the runner shows (10 errors a step),
 * and the one failure message that closes a failed step.
 */
import { exitStatus, unfinishedPostHooks } from '../engine/outcome.js';
import { workspaceFile } from './rows.js';
import { oneLine } from '../kernel/text.js';
import type { HookResult, PhaseReport, SessionResult } from '../engine/results.js';

export interface Annotation {
  title: string;
  message: string;
  /** Workspace-relative file the annotation points at. */
  file?: string;
  line?: number;
}

/** The runner shows at most this many error annotations per step. */
export const MAX_ERROR_ANNOTATIONS = 10;

export function withTail(message: string, tail: readonly string[], lines: number): string {
  const shown = tail.slice(-lines);
  return shown.length ? `${message}\nLast output:\n${shown.join('\n')}` : message;
}

/** One error per failed hook (as the engine listed them) and per phase that could not run. */
export function hookAnnotations(
  phases: PhaseReport[],
  failed: readonly HookResult[],
  workspace: string,
): Annotation[] {
  const all: Annotation[] = [];
  const failedSet = new Set(failed);
  for (const phase of phases) {
    const name = phase.label ?? phase.phase;
    if (phase.error) all.push({ title: `${name} hooks did not run`, message: phase.error });
    for (const hook of phase.hooks.filter((h) => failedSet.has(h))) {
      const file = workspaceFile(hook.path, workspace);
      all.push({
        // A name is shown on one line, whatever bytes it holds.
        title: oneLine(`${name} hook ${hook.name} failed (${exitStatus(hook)})`),
        message: withTail(oneLine(`${hook.path}: ${hook.message}`), hook.tail, 5),
        ...(file ? { file } : {}),
      });
    }
  }
  return all;
}

/**
 * Cuts annotations of one kind to what the runner shows, keeping `reserved` places for others of
 * the kind (the closing failure): past that, one says how many more there are.
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
  const all = hookAnnotations(result.phases, result.failures.hooks, workspace);
  const { step } = result.failures;
  if (step) {
    all.push({
      title: `rekkord ${step.command} failed (${exitStatus(step)})`,
      message: withTail(step.message, step.tail, 10),
    });
  }
  for (const error of result.errors)
    all.push({ title: 'Rekkord hooks action error', message: error });
  if (result.success) return { annotations: all, failure: null };
  // One place is kept for the closing failure message itself.
  const annotations = capAnnotations(all, 1, 'failures', 'the job summary lists every hook');
  return { annotations, failure: failureMessage(result) };
}

/** `edge`: only the action has a post step to leave unfinished post hooks to. */
export function failureMessage(result: SessionResult, edge: 'action' | 'cli' = 'action'): string {
  const parts: string[] = [];
  const failed = result.failures.hooks;
  const total = result.phases.reduce((n, p) => n + p.hooks.length, 0);
  if (failed.length) parts.push(`${failed.length} of ${total} hooks failed`);
  for (const p of result.failures.phases) parts.push(`${p.phase}: ${p.error}`);
  parts.push(...result.errors);
  const step = result.step;
  if (result.recovery) {
    return `The main step ended before its post hooks ran; the post step ran them with SUCCESS=0: ${parts.join('; ')}`;
  }
  if (step.outcome === 'skipped') parts.push(`rekkord ${step.command} did not run`);
  else if (result.failures.step) parts.push(`rekkord ${step.command} failed (${exitStatus(step)})`);
  const unfinished = unfinishedPostHooks(result.phases).length;
  if (unfinished) {
    parts.push(
      edge === 'action'
        ? `${unfinished} post hooks left to the post step`
        : `${unfinished} post hooks did not complete`,
    );
  }
  if (result.cancelled) {
    return `Cancelled by ${result.cancelled}; the post hooks ran with SUCCESS=0: ${parts.join('; ')}`;
  }
  return `Rekkord ${result.command} with hooks failed: ${parts.join('; ')}`;
}

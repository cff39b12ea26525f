/**
 * One run of the engine, whatever the edge: settings in, a reporter told everything, the result
 * with its verdict returned. The action's main and post steps and the command line all come in
 * here, so they cannot differ; which operation runs is read from a table.
 */
import type { Settings } from '../plan/inputs.js';
import type { Reporter } from './observer.js';
import type { Operation, RunOptions } from './operation.js';
import type { SessionResult, ValidationResult } from './results.js';
import { runSessionOperation } from './session.js';
import { runValidation } from './validation.js';

type OperationName = 'session' | 'validate';

const OPERATIONS: Record<OperationName, Operation> = {
  /**
   * save, scan or restore: pre hooks, Rekkord, post hooks; with `recover`, the post step's run of
   * the post hooks a main step that died still owed.
   */
  session: runSessionOperation,
  /** Hook folders checked, and rehearsed with `exercise`. */
  validate: runValidation,
};

export function runOperation(
  settings: Settings,
  reporter: Reporter,
  options: RunOptions,
): Promise<SessionResult | ValidationResult> {
  const name: OperationName = settings.command === 'validate' ? 'validate' : 'session';
  return OPERATIONS[name](settings, reporter, options);
}

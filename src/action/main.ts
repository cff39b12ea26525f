/**
 * The action's main step: inputs into settings, the engine runs, the reporter reports, and the
 * state records what the post step would owe. `run()` is the entry of `dist/index.js` and of
 * `@github/local-action`.
 */
import { runOperation } from '../engine/index.js';
import { PreflightError } from '../kernel/errors.js';
import { executeFile as execute } from '../process/execute-file.js';
import { actionsState, cancelOnSignals, fail, readSettings } from './edge.js';
import { ActionsReporter } from './reporter.js';
import { StateLedger, StateWriter } from './state.js';

/** The main step: the entry of `dist/index.js` and of `@github/local-action`. */
export async function run(): Promise<void> {
  const cancel = cancelOnSignals();
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const state = new StateWriter(actionsState);
  let reporter: ActionsReporter | null = null;
  try {
    // First, before any hook: the post step must find this run's token, and a state that
    // cannot be written must stop the run before a pre hook stops a service.
    try {
      state.begin();
    } catch (error) {
      throw new PreflightError(
        `No hook ran: the state for the post step cannot be saved: ${(error as Error).message}`,
      );
    }
    const settings = readSettings(workspace);
    reporter = new ActionsReporter({
      workspace,
      allowWorkflowCommands: settings.allowWorkflowCommands,
    });
    // A rehearsal owes the post step nothing: only a real run records its progress.
    const ledger = settings.command === 'validate' ? undefined : new StateLedger(state);
    await runOperation(settings, reporter, { cancel, execute, ...(ledger ? { ledger } : {}) });
  } catch (error) {
    await fail(error, workspace, reporter);
  } finally {
    // Last: the token again, after anything a hook may have written to GITHUB_STATE.
    try {
      state.end();
    } catch {
      process.exitCode = 1;
    }
  }
}

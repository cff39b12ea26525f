/**
 * What the main and the post step share at the runner's edge: the state store, the settings from
 * the step's inputs, the cancel signals, and how a run that stopped is shown.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import * as core from '@actions/core';
import { ActionsReporter } from './reporter.js';
import { Cancellation } from '../kernel/cancel.js';
import { checkpoint } from '../kernel/faults.js';
import { PreflightError } from '../kernel/errors.js';
import { parseSettings, type Settings } from '../plan/inputs.js';
import type { StateStore } from './state.js';

/** The runner's GITHUB_STATE, through `@actions/core`. */
export const actionsState: StateStore = {
  save(name, value) {
    checkpoint('state', name);
    core.saveState(name, value);
  },
  get: (name) => core.getState(name),
  reset() {
    // The runner gives each step a fresh state file: emptying it drops only this step's lines.
    const file = process.env.GITHUB_STATE;
    if (file) writeFileSync(file, '');
  },
};

export function readSettings(workspace: string): Settings {
  return parseSettings((name) => core.getInput(name, { trimWhitespace: false }), {
    workspace,
    tempDir: process.env.RUNNER_TEMP || os.tmpdir(),
    env: process.env,
  });
}

/** SIGINT and SIGTERM (the runner's cancel, `timeout-minutes`) cancel the session. */
export function cancelOnSignals(): Cancellation {
  const cancel = new Cancellation();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (cancel.cancel(signal))
      core.info(`Received ${signal}: stopping, then running the post hooks`);
    else core.info(`Received ${signal} again: the post hooks are already running`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return cancel;
}

/** Shows what stopped the run, after the reporter's pause of workflow commands if one is open. */
export async function fail(
  error: unknown,
  workspace: string,
  reporter: ActionsReporter | null,
): Promise<void> {
  if (!(error instanceof PreflightError) && error instanceof Error) core.debug(error.stack ?? '');
  if (reporter) await reporter.stopped(error);
  else await ActionsReporter.abort(error, workspace);
}

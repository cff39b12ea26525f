/**
 * The action's edges: the main step (inputs into settings, the engine runs, the reporter reports)
 * and the post step, which runs the post hooks only when the main step died before it could.
 * `run()` is the entry of both, for `dist/index.js` and for `@github/local-action`.
 */
import os from 'node:os';
import * as core from '@actions/core';
import * as exec from '@actions/exec';
import { ActionsReporter } from './reporter.js';
import { Cancellation } from '../kernel/cancel.js';
import { removeLeftoverCopies } from '../engine/step-config.js';
import { checkpoint } from '../kernel/faults.js';
import { parseSettings, type Settings } from '../plan/inputs.js';
import { makePlan } from '../plan/index.js';
import { reapGroup, signalGroup } from '../process/process-group.js';
import type { Execute } from '../plan/rekkord-probe.js';
import { runOperation } from '../engine/index.js';
import { runRecovery } from '../engine/session.js';
import { isPostStep, readState, StateWriter, type StateStore } from './state.js';
import { PreflightError } from '../kernel/errors.js';

/** The runner's GITHUB_STATE, through `@actions/core`. */
const actionsState: StateStore = {
  save(name, value) {
    checkpoint('state', name);
    core.saveState(name, value);
  },
  get: (name) => core.getState(name),
};

/** Short Rekkord commands (version, help, identify), their output kept out of the log. */
const execute: Execute = async (file, args, env) => {
  checkpoint('probe');
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  const out = await exec.getExecOutput(file, [...args], {
    silent: true,
    ignoreReturnCode: true,
    env: childEnv,
  });
  return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr };
};

function readSettings(workspace: string): Settings {
  return parseSettings((name) => core.getInput(name, { trimWhitespace: false }), {
    workspace,
    tempDir: process.env.RUNNER_TEMP || os.tmpdir(),
    env: process.env,
  });
}

/** SIGINT and SIGTERM (the runner's cancel, `timeout-minutes`) cancel the session. */
function cancelOnSignals(): Cancellation {
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
async function fail(
  error: unknown,
  workspace: string,
  reporter: ActionsReporter | null,
): Promise<void> {
  if (!(error instanceof PreflightError) && error instanceof Error) core.debug(error.stack ?? '');
  if (reporter) await reporter.stopped(error);
  else await ActionsReporter.abort(error, workspace);
}

export async function runMain(): Promise<void> {
  const cancel = cancelOnSignals();
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const state = new StateWriter(actionsState);
  let reporter: ActionsReporter | null = null;
  try {
    // First, before any hook: the post step must know it is the post step, and a state that
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
      // A rehearsal owes the post step nothing: only a real run records its progress.
      state: settings.command === 'validate' ? null : state,
    });
    await runOperation(settings, reporter, { cancel, execute });
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

export async function runPost(): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  let saved;
  let reporter: ActionsReporter | null = null;
  try {
    saved = readState(actionsState);
  } catch (error) {
    core.setFailed(`The post step runs nothing: ${(error as Error).message}`);
    return;
  }
  if (saved.stage !== 'pre' && saved.stage !== 'post') {
    core.info(
      saved.stage === 'done'
        ? 'The main step ran the post hooks: nothing to do.'
        : 'No hook ran in the main step: nothing to do.',
    );
    return;
  }
  // Whatever the killed main step was running goes first, or it would race the post hooks.
  if (saved.pgid !== null && signalGroup(saved.pgid, 'SIGTERM')) {
    core.info(`Stopping process group ${saved.pgid}, left running by the main step`);
    await reapGroup(saved.pgid, 2000);
  }
  const cancel = cancelOnSignals();
  try {
    const settings = readSettings(workspace);
    // A config copy of a killed Rekkord step holds the config's secrets: it goes now.
    if ((await removeLeftoverCopies(settings.tempDir)) > 0) {
      core.info('Removed the private config copy left by the main step');
    }
    const plan = await makePlan(settings, { recovery: true });
    reporter = new ActionsReporter({
      workspace,
      allowWorkflowCommands: settings.allowWorkflowCommands,
      state: null,
    });
    reporter.maskSecrets(plan.config?.secrets ?? []);
    reporter.planned(plan);
    core.info(
      `The main step ended before its post hooks ran (${saved.postDone.size} had finished); running them now with SUCCESS=0`,
    );
    const recovery = { alreadyRun: saved.postDone, ...saved.step };
    const result = await runRecovery(plan, reporter, recovery, { cancel });
    await reporter.finish(result);
  } catch (error) {
    await fail(error, workspace, reporter);
  }
}

/** The main step, or the post step when the main step's state says so. */
export async function run(): Promise<void> {
  if (isPostStep(actionsState)) await runPost();
  else await runMain();
}

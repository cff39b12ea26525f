/**
 * The action's edges: the main step (inputs into settings, the engine runs, the reporter reports)
 * and the post step, which runs the post hooks only when the main step died before it could.
 */
import os from 'node:os';
import * as core from '@actions/core';
import * as exec from '@actions/exec';
import { ActionsReporter, STATE } from './actions-reporter.js';
import { Cancellation } from './cancel.js';
import { removeLeftoverCopies } from './config.js';
import { parseSettings, type Settings } from './inputs.js';
import { makePlan } from './plan.js';
import { reapGroup, signalGroup } from './process.js';
import { runOperation } from './run.js';
import { runRecovery } from './session.js';
import { SettingsError } from './types.js';

async function rekkordVersion(rekkordPath: string): Promise<string> {
  const out = await exec.getExecOutput(rekkordPath, ['--version'], {
    silent: true,
    ignoreReturnCode: true,
    env: { ...process.env, LANGUAGE: 'en' },
  });
  if (out.exitCode !== 0) {
    throw new Error(`'rekkord --version' exited with code ${out.exitCode}: ${out.stderr.trim()}`);
  }
  const first = out.stdout.split('\n')[0]?.trim() ?? '';
  return first.replace(/^rekkord\s+/i, '');
}

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

function fail(error: unknown, workspace: string): void {
  if (!(error instanceof SettingsError) && error instanceof Error) core.debug(error.stack ?? '');
  ActionsReporter.abort(error, workspace);
}

export async function runMain(): Promise<void> {
  core.saveState(STATE.isPost, 'true');
  const cancel = cancelOnSignals();
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  try {
    const settings = readSettings(workspace);
    const reporter = new ActionsReporter({
      workspace,
      allowWorkflowCommands: settings.allowWorkflowCommands,
      // A rehearsal owes the post step nothing: only a real run records its progress.
      persistState: settings.command !== 'validate',
    });
    await runOperation(settings, reporter, { cancel, probeVersion: rekkordVersion });
  } catch (error) {
    fail(error, workspace);
  }
}

export async function runPost(): Promise<void> {
  const stage = core.getState(STATE.stage);
  if (stage !== 'pre' && stage !== 'post') {
    core.info(
      stage === 'done'
        ? 'The main step ran the post hooks: nothing to do.'
        : 'No hook ran in the main step: nothing to do.',
    );
    return;
  }
  // Whatever the killed main step was running goes first, or it would race the post hooks.
  const pgid = Number(core.getState(STATE.pgid));
  if (pgid > 0 && signalGroup(pgid, 'SIGTERM')) {
    core.info(`Stopping process group ${pgid}, left running by the main step`);
    await reapGroup(pgid, 2000);
  }
  const cancel = cancelOnSignals();
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  try {
    const settings = readSettings(workspace);
    // A config copy of a killed Rekkord step holds the config's secrets: it goes now.
    if ((await removeLeftoverCopies(settings.tempDir)) > 0) {
      core.info('Removed the private config copy left by the main step');
    }
    const plan = await makePlan(settings, { recovery: true });
    const reporter = new ActionsReporter({
      workspace,
      allowWorkflowCommands: settings.allowWorkflowCommands,
      persistState: false,
    });
    reporter.maskSecrets(plan.config?.secrets ?? []);
    reporter.planned(plan);
    const done = JSON.parse(core.getState(STATE.postDone) || '[]') as string[];
    core.info(
      `The main step ended before its post hooks ran (${done.length} had finished); running them now with SUCCESS=0`,
    );
    const step = JSON.parse(core.getState(STATE.step) || '{}') as {
      exitCode?: number | null;
      oid?: string | null;
    };
    const state = {
      alreadyRun: new Set(done),
      exitCode: step.exitCode ?? null,
      oid: step.oid ?? null,
    };
    const result = await runRecovery(plan, reporter, state, { cancel });
    await reporter.finish(result);
  } catch (error) {
    fail(error, workspace);
  }
}

/**
 * The action's post step (`runs.post`, its own bundle): it runs the post hooks only when the main
 * step died before it could, and nothing else. `run()` is the entry of `dist/post/index.js` and of
 * `@github/local-action --post`.
 */
import * as core from '@actions/core';
import { runOperation } from '../engine/index.js';
import { removeLeftoverCopies } from '../engine/step-config.js';
import { groupMismatch, reapGroup, signalGroup } from '../process/process-group.js';
import { actionsState, cancelOnSignals, fail, readSettings } from './edge.js';
import { ActionsReporter } from './reporter.js';
import { readState } from './state.js';

export async function run(): Promise<void> {
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
  // Whatever the killed main step was running goes first, or it would race the post hooks; but
  // only a group proven to be the one it started (the state may hold anything a hook wrote).
  if (saved.unprovenGroup !== null) {
    core.info(
      `Not signalling the process group named by the saved state ('${saved.unprovenGroup}'): it is not a group the main step recorded`,
    );
  } else if (saved.group) {
    const { pgid, startTime } = saved.group;
    const mismatch = groupMismatch(pgid, startTime);
    if (mismatch) {
      core.info(`Not signalling process group ${pgid} named by the saved state: ${mismatch}`);
    } else if (signalGroup(pgid, 'SIGTERM')) {
      core.info(`Stopping process group ${pgid}, left running by the main step`);
      await reapGroup(pgid, 2000);
    }
  }
  const cancel = cancelOnSignals();
  try {
    const settings = readSettings(workspace);
    // A config copy of a killed Rekkord step holds the config's secrets: it goes now.
    if ((await removeLeftoverCopies(settings.tempDir)) > 0) {
      core.info('Removed the private config copy left by the main step');
    }
    reporter = new ActionsReporter({
      workspace,
      allowWorkflowCommands: settings.allowWorkflowCommands,
    });
    core.info(
      `The main step ended before its post hooks ran (${saved.postDone.size} had finished); running them now with SUCCESS=0`,
    );
    const recover = { alreadyRun: saved.postDone, ...saved.step };
    await runOperation(settings, reporter, { cancel, recover });
  } catch (error) {
    await fail(error, workspace, reporter);
  }
}

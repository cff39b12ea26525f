/** The action's main step: inputs into settings, the engine runs, the reporter reports. */
import os from 'node:os';
import * as core from '@actions/core';
import * as exec from '@actions/exec';
import { ActionsReporter } from './actions-reporter.js';
import { parseSettings } from './inputs.js';
import { makePlan } from './plan.js';
import { runSession } from './session.js';
import { SettingsError } from './types.js';

async function rekkordVersion(rekkordPath: string): Promise<string> {
  const out = await exec.getExecOutput(rekkordPath, ['--version'], {
    silent: true,
    ignoreReturnCode: true,
    env: { ...process.env, LANGUAGE: 'en' },
  });
  if (out.exitCode !== 0)
    throw new Error(`'rekkord --version' exited with code ${out.exitCode}: ${out.stderr.trim()}`);
  const first = out.stdout.split('\n')[0]?.trim() ?? '';
  return first.replace(/^rekkord\s+/i, '');
}

export async function run(): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  try {
    const settings = parseSettings((name) => core.getInput(name, { trimWhitespace: false }), {
      workspace,
      tempDir: process.env.RUNNER_TEMP || os.tmpdir(),
      env: process.env,
    });
    const plan = await makePlan(settings, { probeVersion: rekkordVersion });
    const reporter = new ActionsReporter(workspace);
    reporter.planned(plan);
    const result = await runSession(plan, reporter);
    await reporter.finish(result);
  } catch (error) {
    if (!(error instanceof SettingsError) && error instanceof Error) core.debug(error.stack ?? '');
    ActionsReporter.abort(error);
  }
}

/**
 * The runner's contract, as the local runner plays it (every declared input present, with its
 * default when the workflow does not give it), and every command run through dist/ with only the
 * inputs it cannot do without: what a first workflow does.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  inputEnvironment,
  MANIFEST,
  postStepRuns,
  readManifest,
  ROOT,
  runAction,
  runPostStep,
  STAND_IN,
  type ActionRun,
} from './harness/local-runner.js';
import { OPERATION_TABLE, OPERATIONS, type Operation } from '../src/plan/commands.js';
import {
  actionOptions,
  backupWorkspace,
  logHook,
  readLines,
  scratch,
  standInRuns,
  writeFile,
  writeHook,
} from './helpers/fixtures.js';

describe('the inputs of a step, as the runner builds them', () => {
  it('has every input declared in action.yml, the given value else its default, hyphens kept', () => {
    const env = inputEnvironment(MANIFEST, { command: 'save', 'Hook-Timeout': '5' });
    const declared = Object.keys(
      (parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as { inputs: object }).inputs,
    );
    expect(Object.keys(env).sort()).toEqual(declared.map((n) => `INPUT_${n.toUpperCase()}`).sort());
    expect(env).toMatchObject({
      INPUT_COMMAND: 'save',
      'INPUT_HOOK-TIMEOUT': '5',
      INPUT_EXERCISE: 'false',
      INPUT_IDENTIFY: 'true',
      INPUT_REKKORD: 'rekkord',
      INPUT_CONFIG: '',
      'INPUT_ALLOW-WORKFLOW-COMMANDS': 'false',
    });
  });

  it('refuses an input action.yml does not declare: no workflow can pass it', () => {
    expect(() => inputEnvironment(MANIFEST, { command: 'save', 'no-such-input': 'x' })).toThrow(
      "Input 'no-such-input' is not declared in action.yml",
    );
  });

  it('reads action.yml as the runner does: no default is empty, scalars stay text, runs paths resolved', () => {
    const dir = scratch();
    writeFile(
      path.join(dir, 'action.yml'),
      [
        'name: x',
        'inputs:',
        '  bare:',
        '    description: no default',
        '  flag:',
        '    default: false',
        '  count:',
        '    default: 010',
        '  with space:',
        "    default: ''",
        'runs:',
        '  using: node24',
        '  main: lib/main.js',
        '  post: lib/post.js',
        '  post-if: success()',
        '',
      ].join('\n'),
    );
    const manifest = readManifest(dir);
    expect(inputEnvironment(manifest, {})).toEqual({
      INPUT_BARE: '',
      INPUT_FLAG: 'false',
      INPUT_COUNT: '010',
      INPUT_WITH_SPACE: '',
    });
    expect(manifest.main).toBe(path.join(dir, 'lib/main.js'));
    expect(manifest.post).toBe(path.join(dir, 'lib/post.js'));
    expect(postStepRuns(manifest, true)).toBe(true);
    expect(postStepRuns(manifest, false)).toBe(false);
    // This action's own post step runs whatever the main step did.
    expect(MANIFEST.postIf).toBe('always()');
    expect(postStepRuns(MANIFEST, false)).toBe(true);
  });
});

/** A workspace where Rekkord is `rekkord` in PATH and the config is `$REKKORD_CONFIG_FILE`. */
function firstWorkflow(): { ws: string; env: Record<string, string> } {
  const { ws, config } = backupWorkspace({
    PreSaveDirectory: 'hooks/pre-save',
    PostSaveDirectory: 'hooks/post-save',
    PreScanDirectory: 'hooks/pre-scan',
    PostScanDirectory: 'hooks/post-scan',
  });
  for (const phase of ['pre-save', 'post-save', 'pre-scan', 'post-scan']) {
    logHook(path.join(ws, 'hooks', phase), `10-${phase}`);
  }
  const bin = path.join(ws, 'bin');
  mkdirSync(bin);
  symlinkSync(STAND_IN, path.join(bin, 'rekkord'));
  return {
    ws,
    env: {
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
      REKKORD_CONFIG_FILE: config,
      HOOK_LOG: path.join(ws, 'hooks.log'),
      REKKORD_STANDIN_LOG: path.join(ws, 'rekkord.log'),
    },
  };
}

/** Only `command` and the inputs the command table says the operation cannot do without. */
function requiredOnly(command: Operation, values: Record<string, string>): Record<string, string> {
  const inputs: Record<string, string> = { command };
  for (const name of OPERATION_TABLE[command].required) inputs[name] = values[name] ?? '';
  return inputs;
}

function expectSucceeded(run: ActionRun): void {
  expect(run.annotations.filter((a) => a.command === 'error')).toEqual([]);
  expect(run.exitCode).toBe(0);
  expect(run.outputs.success).toBe('true');
}

describe('every command with only its required inputs, through dist/', () => {
  it('save, scan, restore and validate each succeed on their defaults, and the post step has nothing to do', async () => {
    const { ws, env } = firstWorkflow();
    const destination = path.join(ws, 'restored');
    const values: Record<string, string> = { channel: 'nightly', paths: 'data', destination };
    const runs: Partial<Record<Operation, ActionRun>> = {};
    for (const command of OPERATIONS) {
      const run = await runAction({ workspace: ws, inputs: requiredOnly(command, values), env });
      expectSucceeded(run);
      runs[command] = run;
      if (command === 'save') values.snapshot = run.outputs.oid ?? '';
      // post-if: always(): the post step follows every main step, and finds its work done.
      const post = await runPostStep(run, {
        workspace: ws,
        inputs: requiredOnly(command, values),
        env,
      });
      expect(post.exitCode).toBe(0);
      expect(post.annotations).toEqual([]);
    }
    expect(values.snapshot).toMatch(/^M[0-9A-F]{64}$/);
    // identify (on by default) opened the repository before the hooks of each Rekkord command.
    expect(standInRuns(ws, 'identify').map((r) => r.argv[0])).toEqual([
      'identify',
      'identify',
      'identify',
    ]);
    expect(standInRuns(ws).map((r) => r.argv[0])).toEqual(['save', 'scan', 'restore']);
    // Each hook once, by the action; validate (no exercise by default) ran none.
    expect(readLines(env.HOOK_LOG ?? '').map((l) => l.split(' ')[0])).toEqual([
      'save-pre/10-pre-save',
      'save-post/10-post-save',
      'scan-pre/10-pre-scan',
      'scan-post/10-post-scan',
    ]);
    expect(readdirSync(destination)).toEqual(['data']);
    expect(runs.validate?.summary).toContain('10-pre-save');
  });
});

describe('the environment files of the step', () => {
  it('a hook can set the environment and PATH of later steps only when allow-workflow-commands is true', async () => {
    const run = async (allow: string): Promise<ActionRun> => {
      const { ws } = backupWorkspace({ PreSaveDirectory: 'pre' });
      writeHook(
        path.join(ws, 'pre'),
        'export',
        'echo "FROM_HOOK=1" >> "${GITHUB_ENV:-/dev/null}"\necho /from/hook >> "${GITHUB_PATH:-/dev/null}"',
      );
      return runAction(actionOptions(ws, { 'allow-workflow-commands': allow }));
    };
    const closed = await run('false');
    expectSucceeded(closed);
    expect(closed.env).toEqual({});
    expect(closed.path).toEqual([]);
    const open = await run('true');
    expectSucceeded(open);
    expect(open.env).toEqual({ FROM_HOOK: '1' });
    expect(open.path).toEqual(['/from/hook']);
  });
});

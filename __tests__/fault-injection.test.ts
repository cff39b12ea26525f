/**
 * One rule for every failure, checked by making each operation fail in turn through the seam in
 * src/faults.ts (REKKORD_HOOKS_FAULTS), for the bundled action as the runner runs it and for the
 * command line: the failing step is a failed hook or Rekkord step with its reason (or, before any
 * hook, a clear error and nothing run), the post hooks run once with SUCCESS=0, the error is an
 * annotation the runner shows (outside any stop-commands block), outputs and summary are written
 * as far as possible, and the exit is non-zero.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runAction, STAND_IN, type ActionRun } from '../scripts/local-runner.js';
import {
  actionOptions,
  backupWorkspace,
  logHook,
  readLines,
  standInRuns,
  writeHook,
} from './helpers/fixtures.js';

const BOTH = { PreSaveDirectory: 'hooks/pre', PostSaveDirectory: 'hooks/post' };
const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

/** pre: 10-dump, 20-stop; post: 80-start, which logs the SUCCESS it got. */
function workspace(): string {
  const { ws } = backupWorkspace(BOTH);
  logHook(path.join(ws, 'hooks/pre'), '10-dump');
  logHook(path.join(ws, 'hooks/pre'), '20-stop');
  writeHook(
    path.join(ws, 'hooks/post'),
    '80-start',
    'echo "post/80-start SUCCESS=$SUCCESS" >> "$HOOK_LOG"',
  );
  return ws;
}

const log = (ws: string) => readLines(path.join(ws, 'hooks.log'));
const errors = (run: ActionRun) => run.annotations.filter((a) => a.command === 'error');

function inject(ws: string, faults: string, env: Record<string, string> = {}) {
  return runAction(actionOptions(ws, {}, { REKKORD_HOOKS_FAULTS: faults, ...env }));
}

/** The promises of a failure once hooks ran: post hook once with SUCCESS=0, shown, non-zero. */
function expectKeptPromises(run: ActionRun, ws: string, reason: string): void {
  expect(run.exitCode).toBe(1);
  expect(log(ws).filter((l) => l.startsWith('post/'))).toEqual(['post/80-start SUCCESS=0']);
  expect(
    errors(run)
      .map((e) => e.message)
      .join('\n'),
  ).toContain(reason);
  expect(run.stdout).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
}

/** Before any hook: one clear error, nothing run. */
function expectNothingRan(run: ActionRun, ws: string, reason: string): void {
  expect(run.exitCode).toBe(1);
  expect(log(ws)).toEqual([]);
  expect(standInRuns(ws)).toEqual([]);
  expect(
    errors(run)
      .map((e) => e.message)
      .join('\n'),
  ).toContain(reason);
  expect(run.outputs).toMatchObject({ success: 'false', hooks: '[]' });
}

describe('the action, with each operation failing in turn', () => {
  it('spawn of a pre hook: that hook is not started, Rekkord skipped, the post hook runs with SUCCESS=0', async () => {
    const ws = workspace();
    const run = await inject(ws, 'spawn:20-stop');
    expectKeptPromises(run, ws, 'not started: EFAULT: injected fault: spawn');
    expect(log(ws)[0]).toMatch(/^save-pre\/10-dump/);
    expect(standInRuns(ws)).toEqual([]);
    const hooks = JSON.parse(run.outputs.hooks ?? '[]') as { name: string; outcome: string }[];
    expect(hooks.map((h) => [h.name, h.outcome])).toEqual([
      ['10-dump', 'success'],
      ['20-stop', 'not-started'],
      ['80-start', 'success'],
    ]);
    expect(run.summary).toContain('❌ not started');
  });

  it('spawn of Rekkord: a failed Rekkord step, the post hook runs with SUCCESS=0', async () => {
    const ws = workspace();
    const run = await inject(ws, 'spawn:rekkord');
    expectKeptPromises(run, ws, 'rekkord save: not started: EFAULT: injected fault: spawn');
    expect(errors(run)[0]?.properties.title).toBe('rekkord save failed (not started)');
    expect(run.outputs).toMatchObject({ success: 'false', oid: '' });
  });

  it('listing a pre folder: a failed pre phase, Rekkord skipped, the post hook runs with SUCCESS=0', async () => {
    const ws = workspace();
    const run = await inject(ws, 'listing:pre');
    expectKeptPromises(run, ws, 'cannot be read: EFAULT: injected fault: listing');
    expect(standInRuns(ws)).toEqual([]);
  });

  it('saving the state mid-run: the run goes on, the post hook runs, the error is shown', async () => {
    const ws = workspace();
    const run = await inject(ws, 'state:pgid');
    expect(run.exitCode).toBe(1);
    expect(log(ws)).toHaveLength(3);
    expect(log(ws)[2]).toBe('post/80-start SUCCESS=1');
    expect(
      errors(run)
        .map((e) => e.message)
        .join('\n'),
    ).toContain('Saving the running process group failed: EFAULT: injected fault: state');
    expect(run.outputs.success).toBe('false');
  });

  it('the step outputs: the summary is still written, the error shown, exit 1', async () => {
    const ws = workspace();
    const run = await inject(ws, 'outputs');
    expect(run.exitCode).toBe(1);
    expect(log(ws)).toHaveLength(3);
    expect(run.summary).toContain('## Rekkord save ✅ succeeded');
    expect(errors(run).map((e) => e.message)).toContain(
      'The step outputs could not be written: EFAULT: injected fault: outputs',
    );
  });

  it('the job summary: the outputs are still written, the error shown, exit 1', async () => {
    const ws = workspace();
    const run = await inject(ws, 'summary');
    expect(run.exitCode).toBe(1);
    expect(run.outputs.success).toBe('true');
    expect(errors(run).map((e) => e.message)).toContain(
      'The job summary could not be written: EFAULT: injected fault: summary',
    );
  });

  it.each([
    ['probe', {}, 'does not run: injected fault: probe'],
    ['state', {}, 'the state for the post step cannot be saved'],
    ['config-copy', { REKKORD_STANDIN_NO_HOOKS_OPTION: '0' }, 'could not be prepared'],
  ])('%s fails before any hook: nothing runs, one clear error', async (fault, env, reason) => {
    const ws = workspace();
    expectNothingRan(await inject(ws, fault, env), ws, reason);
  });
});

describe('the action, against the real kernel', () => {
  // A read-only folder stays writable for root: a RUNNER_TEMP that is a file fails for everyone.
  it.each([
    [
      'read-only',
      (temp: string) => {
        mkdirSync(temp);
        chmodSync(temp, 0o555);
      },
    ],
    [
      'not a folder',
      (temp: string) => {
        writeFileSync(temp, '');
      },
    ],
  ])(
    'a %s RUNNER_TEMP (a copy needed): fails before any pre hook stops a service',
    async (_, make) => {
      const ws = workspace();
      const temp = path.join(ws, 'runner-temp');
      make(temp);
      const run = await runAction(
        actionOptions(ws, {}, { RUNNER_TEMP: temp, REKKORD_STANDIN_NO_HOOKS_OPTION: '0' }),
      );
      if (process.getuid?.() === 0 && statSync(temp).isDirectory()) {
        expect(run.exitCode).toBe(0);
        return;
      }
      expectNothingRan(run, ws, 'could not be prepared');
    },
  );
});

describe('the command line, with each operation failing in turn', () => {
  function cli(ws: string, faults: string) {
    const args = [
      'save',
      '-C',
      'rekkord.ini',
      '--rekkord',
      STAND_IN,
      '--channel',
      'nightly',
      'data',
    ];
    const env = { ...actionOptions(ws).env, REKKORD_HOOKS_FAULTS: faults };
    const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ws, env, encoding: 'utf8' });
    return { status: result.status, out: `${result.stdout}${result.stderr}` };
  }

  it.each([
    ['spawn:rekkord', 'rekkord save: not started'],
    ['spawn:20-stop', '20-stop: not started'],
    ['listing:pre', 'cannot be read'],
  ])('%s: the post hook runs once with SUCCESS=0, the error is shown, exit 1', (fault, reason) => {
    const ws = workspace();
    const run = cli(ws, fault);
    expect(run.status).toBe(1);
    expect(run.out).toContain(reason);
    expect(log(ws).filter((l) => l.startsWith('post/'))).toEqual(['post/80-start SUCCESS=0']);
  });

  it('probe: nothing runs, exit 1', () => {
    const ws = workspace();
    const run = cli(ws, 'probe');
    expect(run.status).toBe(1);
    expect(run.out).toContain('injected fault: probe');
    expect(log(ws)).toEqual([]);
  });
});

describe('what a hook cannot forge or read', () => {
  it('a hook whose name holds a newline and a workflow command forges no annotation and hides none', async () => {
    const ws = workspace();
    writeHook(path.join(ws, 'hooks/pre'), '05-a\n::stop-commands::x', 'true');
    writeHook(path.join(ws, 'hooks/pre'), '06-a\n::error title=Forged::forged', 'exit 3');
    const run = await runAction(actionOptions(ws));
    expect(run.exitCode).toBe(1);
    const titles = errors(run).map((e) => e.properties.title ?? '');
    expect(titles).not.toContain('Forged');
    expect(errors(run).some((e) => e.message === 'forged')).toBe(false);
    // Both failures' closing annotation is shown: nothing was hidden by a stop-commands name.
    expect(errors(run)).toHaveLength(2);
    // The real failure is still shown, with the name escaped on one line.
    expect(titles).toContain(
      'pre-save hook 06-a\\n::error title=Forged::forged failed (exit code 3)',
    );
    expect(run.stdout).toContain('06-a\\n::error title=Forged::forged');
  });

  it("hooks and Rekkord see none of the runner's tokens, inputs, state or command files", async () => {
    const ws = workspace();
    writeHook(
      path.join(ws, 'hooks/pre'),
      '30-env',
      'env | cut -d= -f1 | grep -E "^(ACTIONS_|INPUT_|STATE_|GITHUB_(ENV|PATH|OUTPUT|STATE|STEP_SUMMARY)$)" >> "$HOOK_LOG.env" || true',
    );
    const run = await runAction(
      actionOptions(
        ws,
        {},
        {
          ACTIONS_RUNTIME_TOKEN: 'runtime-token',
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'id-token',
          ACTIONS_ID_TOKEN_REQUEST_URL: 'https://id.example',
        },
      ),
    );
    expect(run.exitCode).toBe(0);
    expect(readLines(path.join(ws, 'hooks.log.env'))).toEqual([]);
  });
});

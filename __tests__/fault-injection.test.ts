/**
 * The one rule for failures, checked by making each I/O operation of a session fail in turn
 * (REKKORD_HOOKS_FAULTS, see src/faults.ts), through the bundle as the runner runs it and through
 * the command line: the failing step is a failed hook or Rekkord step with its reason (or, before
 * any hook, a clear error and nothing run); the post hooks run once, in the main step, with
 * SUCCESS=0; the error is an annotation the runner shows (the local runner drops commands inside a
 * stop-commands block, as the runner does); outputs and summary are written as far as possible;
 * the exit code is non-zero. Then the same promises for real kernel refusals (ELOOP, EROFS).
 * One file for the whole matrix, so that each promise is read against every fault in one place.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, STAND_IN, runAction, runPostStep, type ActionRun } from './harness/local-runner.js';
import {
  actionOptions,
  backupWorkspace,
  logHook,
  readLines,
  scratch,
  standInRuns,
  writeFile,
} from './helpers/fixtures.js';

const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');
const FAULTS = 'REKKORD_HOOKS_FAULTS';
/** An older Rekkord, without --no_hooks: the session needs a config copy. */
const OLD_REKKORD = { REKKORD_STANDIN_NO_HOOKS_OPTION: '0' };

/** Two pre hooks (a service stopped, a dump) and two post hooks (the service started, a note). */
function stopStartWorkspace(): { ws: string; log: string } {
  const { ws, log } = backupWorkspace({
    PreSaveDirectory: 'hooks/pre',
    PostSaveDirectory: 'hooks/post',
  });
  logHook(path.join(ws, 'hooks/pre'), '10-stop');
  logHook(path.join(ws, 'hooks/pre'), '20-dump');
  logHook(path.join(ws, 'hooks/post'), '10-start');
  logHook(path.join(ws, 'hooks/post'), '20-notify');
  return { ws, log };
}

const errors = (run: ActionRun) => run.annotations.filter((a) => a.command === 'error');
const hooksOutput = (run: ActionRun) =>
  JSON.parse(run.outputs.hooks ?? '[]') as { name: string; outcome: string; message: string }[];
const withoutOid = (line: string) => line.replace(/ OID=.*$/, '');
/** The post hooks' lines of the hook log. */
const postLines = (log: string) => readLines(log).filter((l) => l.startsWith('save-post/'));

function cli(cwd: string, env: Record<string, string>) {
  const args = ['save', '-C', 'rekkord.ini', '--rekkord', STAND_IN, '--channel', 'nightly', 'data'];
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: {
      PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: cwd,
      HOOK_LOG: path.join(cwd, 'hooks.log'),
      REKKORD_STANDIN_LOG: path.join(cwd, 'rekkord.log'),
      ...env,
    },
    encoding: 'utf8',
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

/** The post step after `main`: it must owe nothing, so it runs no hook and no Rekkord. */
async function expectPostStepIdle(
  main: ActionRun,
  ws: string,
  env: Record<string, string>,
  exitCode = 0,
) {
  const hooksBefore = readLines(path.join(ws, 'hooks.log'));
  const stepsBefore = standInRuns(ws).length;
  const post = await runPostStep(main, actionOptions(ws, {}, env));
  expect(post.exitCode).toBe(exitCode);
  expect(readLines(path.join(ws, 'hooks.log'))).toEqual(hooksBefore);
  expect(standInRuns(ws)).toHaveLength(stepsBefore);
}

describe('a fault before any hook: a clear error, nothing run', () => {
  const cases: { fault: string; env?: Record<string, string>; says: RegExp }[] = [
    { fault: 'probe', says: /injected fault: probe/ },
    { fault: 'state', says: /No hook ran: the state for the post step cannot be saved/ },
    {
      fault: 'config-copy',
      env: OLD_REKKORD,
      says: /No hook ran: the config for Rekkord could not be prepared .*injected fault/,
    },
    { fault: 'listing', says: /No hook ran: the hook directory .* cannot be read: EFAULT/ },
    {
      fault: 'listing:post-save',
      says: /No hook ran: the hook directory .*hooks\/post cannot be read/,
    },
  ];

  for (const c of cases) {
    it(`${c.fault}: the action`, async () => {
      const { ws, log } = stopStartWorkspace();
      const env = { [FAULTS]: c.fault, ...c.env };
      const run = await runAction(actionOptions(ws, {}, env));
      expect(run.exitCode).toBe(1);
      expect(readLines(log)).toEqual([]);
      expect(standInRuns(ws)).toEqual([]);
      expect(errors(run).map((a) => a.message)).toEqual([expect.stringMatching(c.says)]);
      expect(run.stdout).not.toContain('    at ');
      expect(run.outputs).toMatchObject({ success: 'false', hooks: '[]' });
      expect(run.summary).toContain('failed before any hook ran');
      // Without a saved state the post step is a main step again, and fails the same way.
      await expectPostStepIdle(run, ws, env, c.fault === 'state' ? 1 : 0);
    });

    it(`${c.fault}: the command line`, () => {
      const { ws, log } = stopStartWorkspace();
      const run = cli(ws, { [FAULTS]: c.fault, ...c.env });
      if (c.fault === 'state') {
        // The command line keeps no state: the fault never fires and the run goes through.
        expect(run.code, run.out).toBe(0);
        expect(readLines(log)).toHaveLength(4);
        expect(standInRuns(ws)).toHaveLength(1);
        return;
      }
      expect(run.code).toBe(1);
      expect(run.out).toMatch(c.says);
      expect(readLines(log)).toEqual([]);
      expect(standInRuns(ws)).toEqual([]);
    });
  }
});

describe('a fault once hooks have run: the failing step, then the post hooks with SUCCESS=0', () => {
  const cases: { fault: string; failed: string; outcome: string }[] = [
    { fault: 'spawn:10-stop', failed: '10-stop', outcome: 'not-started' },
    { fault: 'spawn:rekkord', failed: 'rekkord save', outcome: 'not-started' },
    { fault: 'spawn:10-start', failed: '10-start', outcome: 'not-started' },
  ];

  for (const c of cases) {
    it(`${c.fault}: the action`, async () => {
      const { ws, log } = stopStartWorkspace();
      const env = { [FAULTS]: c.fault, ...OLD_REKKORD };
      const run = await runAction(actionOptions(ws, {}, env));
      expect(run.exitCode).toBe(1);
      // Each post hook ran once, in the main step, told that the backup failed.
      const posts = ['10-start', '20-notify'].filter((n) => n !== c.failed);
      expect(postLines(log).map(withoutOid)).toEqual(posts.map((n) => `save-post/${n} SUCCESS=0`));
      // The failure is shown with its reason, where the runner shows it.
      const shown = errors(run).find((a) => a.properties.title?.includes(c.failed));
      expect(shown?.message).toContain('injected fault');
      expect(shown?.properties.title).toContain('not started');
      // Outputs and summary tell the same.
      expect(run.outputs.success).toBe('false');
      if (c.failed !== 'rekkord save') {
        expect(hooksOutput(run)).toContainEqual(
          expect.objectContaining({ name: c.failed, outcome: c.outcome }),
        );
      }
      expect(run.summary).toContain(c.failed);
      expect(run.summary).toContain('not started');
      // Nothing was left for the post step, and the config copy is gone.
      await expectPostStepIdle(run, ws, env);
    });

    it(`${c.fault}: the command line`, () => {
      const { ws, log } = stopStartWorkspace();
      const run = cli(ws, { [FAULTS]: c.fault, ...OLD_REKKORD });
      // A post hook that fails after Rekkord saved the snapshot: exit 3, not 1.
      expect(run.code).toBe(c.failed === '10-start' ? 3 : 1);
      const posts = ['10-start', '20-notify'].filter((n) => n !== c.failed);
      expect(postLines(log).map(withoutOid)).toEqual(posts.map((n) => `save-post/${n} SUCCESS=0`));
      expect(run.out).toContain('injected fault');
      expect(run.out).toMatch(/✘ Rekkord save with hooks failed/);
    });
  }

  it('spawn (every process): each hook is a failed hook with its reason, each tried once', async () => {
    const { ws, log } = stopStartWorkspace();
    const env = { [FAULTS]: 'spawn' };
    const run = await runAction(actionOptions(ws, {}, env));
    expect(run.exitCode).toBe(1);
    expect(readLines(log)).toEqual([]);
    expect(standInRuns(ws)).toEqual([]);
    expect(hooksOutput(run).map((h) => `${h.name} ${h.outcome}`)).toEqual([
      '10-stop not-started',
      '20-dump not-started',
      '10-start not-started',
      '20-notify not-started',
    ]);
    expect(errors(run).filter((a) => a.message.includes('injected fault: spawn'))).toHaveLength(4);
    await expectPostStepIdle(run, ws, env);
  });
});

describe('a state that stops being saved mid-run: recorded, shown, the run goes on', () => {
  // Saved while a hook's group (and its pause of workflow commands) is open.
  for (const fault of ['state:pgid', 'state:stage']) {
    it(fault, async () => {
      const { ws, log } = stopStartWorkspace();
      const run = await runAction(actionOptions(ws, {}, { [FAULTS]: fault }));
      expect(run.exitCode).toBe(1);
      expect(readLines(log).map(withoutOid)).toEqual([
        'save-pre/10-stop SUCCESS=unset',
        'save-pre/20-dump SUCCESS=unset',
        'save-post/10-start SUCCESS=0',
        'save-post/20-notify SUCCESS=0',
      ]);
      expect(standInRuns(ws)).toHaveLength(1);
      expect(errors(run).map((a) => a.message)).toContainEqual(
        expect.stringMatching(
          /^(Saving the running process group|Reporting a phase) failed: EFAULT: injected fault: state \((pgid|stage)\)$/,
        ),
      );
      expect(run.outputs.success).toBe('false');
      expect(run.summary).toContain('❌ failed');
    });
  }
});

describe('a fault after the session: the backup stands, the failure is shown', () => {
  it('outputs: an error annotation, the summary still written, exit 1', async () => {
    const { ws, log } = stopStartWorkspace();
    const run = await runAction(actionOptions(ws, {}, { [FAULTS]: 'outputs' }));
    expect(run.exitCode).toBe(1);
    expect(postLines(log).map(withoutOid)).toEqual([
      'save-post/10-start SUCCESS=1',
      'save-post/20-notify SUCCESS=1',
    ]);
    expect(errors(run).map((a) => a.message)).toContainEqual(
      expect.stringContaining('The step outputs could not be written: '),
    );
    expect(run.outputs).toEqual({});
    expect(run.summary).toContain('succeeded');
  });

  it('summary: an error annotation, the outputs still written, exit 1', async () => {
    const { ws } = stopStartWorkspace();
    const run = await runAction(actionOptions(ws, {}, { [FAULTS]: 'summary' }));
    expect(run.exitCode).toBe(1);
    expect(errors(run).map((a) => a.message)).toContainEqual(
      expect.stringContaining('The job summary could not be written: '),
    );
    expect(run.outputs.oid).toMatch(/^M/);
    expect(run.summary).toBe('');
  });

  it('a GITHUB_OUTPUT file that is gone: a clear error, the summary written, no stack trace', async () => {
    const { ws } = stopStartWorkspace();
    // A hook allowed workflow commands removes the file, as a runner losing it would.
    writeFile(path.join(ws, 'hooks/post/30-rm'), '#!/bin/sh\nrm -f "$GITHUB_OUTPUT"\n', 0o755);
    const run = await runAction(actionOptions(ws, { 'allow-workflow-commands': 'true' }));
    expect(run.exitCode).toBe(1);
    expect(errors(run).map((a) => a.message)).toEqual([
      expect.stringMatching(/^The step outputs could not be written: .*output/),
    ]);
    expect(run.stdout).not.toContain('    at ');
    expect(run.summary).toContain('succeeded');
  });
});

describe('real kernel refusals, end to end', () => {
  it('ELOOP: a hook whose #! interpreter is a symlink loop is a failed hook; post hooks run with SUCCESS=0', async () => {
    const { ws, log } = stopStartWorkspace();
    const loop = path.join(ws, 'loop');
    symlinkSync(path.join(ws, 'loop2'), loop);
    symlinkSync(loop, path.join(ws, 'loop2'));
    writeFile(path.join(ws, 'hooks/pre/15-loop'), `#!${loop}\n`, 0o755);
    const run = await runAction(actionOptions(ws));
    expect(run.exitCode).toBe(1);
    expect(hooksOutput(run)).toContainEqual(
      expect.objectContaining({ name: '15-loop', outcome: 'not-started' }),
    );
    const shown = errors(run).find((a) => a.properties.title?.includes('15-loop'));
    expect(shown?.message).toContain('ELOOP');
    expect(standInRuns(ws)).toEqual([]);
    expect(postLines(log).map(withoutOid)).toEqual([
      'save-post/10-start SUCCESS=0',
      'save-post/20-notify SUCCESS=0',
    ]);
    expect(run.summary).toContain('15-loop');
  });

  it('EROFS/EACCES: a RUNNER_TEMP that cannot be written fails before any pre hook runs', async () => {
    const { ws, log } = stopStartWorkspace();
    // Root writes through file modes: there, sysfs is the folder the kernel refuses (EPERM).
    const root = process.getuid?.() === 0;
    const temp = root ? '/sys' : path.join(scratch(), 'temp');
    if (!root) {
      mkdirSync(temp);
      chmodSync(temp, 0o555);
    }
    const before = readdirSync(temp);
    try {
      const run = await runAction(actionOptions(ws, {}, { RUNNER_TEMP: temp, ...OLD_REKKORD }));
      expect(run.exitCode).toBe(1);
      expect(readLines(log)).toEqual([]);
      expect(standInRuns(ws)).toEqual([]);
      expect(errors(run).map((a) => a.message)).toEqual([
        expect.stringMatching(
          /^No hook ran: the config for Rekkord could not be prepared .*(EACCES|EROFS|EPERM)/,
        ),
      ]);
      expect(readdirSync(temp)).toEqual(before);
    } finally {
      if (!root) chmodSync(temp, 0o755);
    }
  });
});

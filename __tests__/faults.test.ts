/**
 * The fault matrix: cancel, hard kill, timeouts, hostile output, secrets and broken setups, each
 * driven through the bundled action as the runner runs it. Every case checks the exit code, the
 * annotations, the outputs, that the post hooks ran exactly once with the right SUCCESS, and that
 * no process is left behind.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  runAction,
  runPostStep,
  startAction,
  stopStartedActions,
  STAND_IN,
  type ActionRun,
} from './harness/local-runner.js';
import {
  actionOptions,
  backupWorkspace,
  logHook,
  readLines,
  writeFile,
  writeHook,
  standInRuns,
} from './helpers/fixtures.js';

const BOTH = { PreSaveDirectory: 'hooks/pre', PostSaveDirectory: 'hooks/post' };
/** The runner sends SIGTERM 7.5 s after SIGINT: the action must be done by then. */
const RUNNER_GRACE_MS = 7500;

let tagCounter = 0;
/** A sleep that can be found in the process table: `sleep <tag>`. */
function sleepTag(): string {
  tagCounter += 1;
  return String(900_000 + process.pid * 10 + tagCounter);
}

/** Processes whose command line has `tag`. */
function processesWith(tag: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = /State:\s+(\w)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (cmdline.includes(tag) && state !== 'Z') found.push(`${pid}: ${cmdline}`);
    } catch {
      // Gone while reading.
    }
  }
  return found;
}

const options = actionOptions;

// A failing test must not leave the action it started running.
afterEach(stopStartedActions);

/** A post hook that logs SUCCESS and REKKORD_HOOK_CANCELLED. */
function postLogHook(dir: string, name: string): void {
  writeHook(
    dir,
    name,
    `echo "post/${name} SUCCESS=$SUCCESS CANCELLED=$REKKORD_HOOK_CANCELLED EXIT=$REKKORD_HOOK_EXIT_CODE" >> "$HOOK_LOG"`,
  );
}

const errors = (run: ActionRun) => run.annotations.filter((a) => a.command === 'error');
const hooksOutput = (run: ActionRun) =>
  JSON.parse(run.outputs.hooks ?? '[]') as { name: string; outcome: string; message: string }[];
const log = (ws: string) => readLines(path.join(ws, 'hooks.log'));

async function cancelDuring(
  ws: string,
  waitText: string,
  signal: NodeJS.Signals,
  env: Record<string, string> = {},
) {
  const running = startAction(options(ws, {}, env));
  await running.waitFor(waitText);
  const sent = performance.now();
  running.child.kill(signal);
  const run = await running.done;
  return { run, afterSignalMs: performance.now() - sent };
}

describe('cancel', () => {
  it('SIGINT during a pre hook: the hook group stops, later hooks do not start, post hooks run with SUCCESS=0 and CANCELLED=1, in the grace', async () => {
    const tag = sleepTag();
    const { ws } = backupWorkspace(BOTH);
    logHook(path.join(ws, 'hooks/pre'), '10-stop-db');
    writeHook(
      path.join(ws, 'hooks/pre'),
      '20-dump',
      `echo "dump started"; sleep ${tag} & sleep ${tag}`,
    );
    logHook(path.join(ws, 'hooks/pre'), '30-never');
    postLogHook(path.join(ws, 'hooks/post'), '90-start-db');

    const { run, afterSignalMs } = await cancelDuring(ws, 'dump started', 'SIGINT');
    expect(afterSignalMs).toBeLessThan(RUNNER_GRACE_MS);
    expect(run.exitCode).not.toBe(0);
    expect(log(ws)).toEqual([
      'save-pre/10-stop-db SUCCESS=unset OID=unset',
      'post/90-start-db SUCCESS=0 CANCELLED=1 EXIT=',
    ]);
    expect(standInRuns(ws)).toEqual([]);
    expect(hooksOutput(run).map((h) => [h.name, h.outcome])).toEqual([
      ['10-stop-db', 'success'],
      ['20-dump', 'cancelled'],
      ['30-never', 'not-run'],
      ['90-start-db', 'success'],
    ]);
    expect(run.outputs).toMatchObject({ success: 'false', 'failed-hooks': '1' });
    expect(errors(run).map((e) => e.properties.title ?? e.message)).toEqual([
      'pre-save hook 20-dump failed (cancelled)',
      'Cancelled by SIGINT; the post hooks ran with SUCCESS=0: 1 of 4 hooks failed; rekkord save did not run',
    ]);
    expect(run.summary).toContain('## Rekkord save 🛑 cancelled by SIGINT');
    expect(processesWith(tag)).toEqual([]);

    // The main step ran the post hooks: the post step does nothing.
    const post = await runPostStep(run, options(ws));
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('The main step ran the post hooks: nothing to do.');
    expect(log(ws)).toHaveLength(2);
  });

  it('SIGINT to a pre hook that ignores it: SIGKILL after the grace, still inside the runner grace', async () => {
    const tag = sleepTag();
    const { ws } = backupWorkspace(BOTH);
    writeHook(
      path.join(ws, 'hooks/pre'),
      'stubborn',
      `trap '' INT TERM; echo "stubborn started"; sleep ${tag}; sleep ${tag}`,
    );
    postLogHook(path.join(ws, 'hooks/post'), 'restore');
    const { run, afterSignalMs } = await cancelDuring(ws, 'stubborn started', 'SIGINT');
    expect(afterSignalMs).toBeLessThan(RUNNER_GRACE_MS);
    expect(run.exitCode).not.toBe(0);
    expect(hooksOutput(run)[0]).toMatchObject({
      outcome: 'cancelled',
      message: 'interrupted by the cancel (SIGKILL)',
    });
    expect(log(ws)).toEqual(['post/restore SUCCESS=0 CANCELLED=1 EXIT=']);
    expect(processesWith(tag)).toEqual([]);
  });

  it('SIGTERM during rekkord save: Rekkord stops, the config copy is gone, post hooks run once with SUCCESS=0', async () => {
    const { ws } = backupWorkspace(BOTH);
    logHook(path.join(ws, 'hooks/pre'), 'dump');
    postLogHook(path.join(ws, 'hooks/post'), 'restart');
    const { run, afterSignalMs } = await cancelDuring(ws, 'Snapshot channel: nightly', 'SIGTERM', {
      REKKORD_STANDIN_DELAY_MS: '60000',
      REKKORD_STANDIN_NO_HOOKS_OPTION: '0',
    });
    expect(afterSignalMs).toBeLessThan(RUNNER_GRACE_MS);
    expect(run.exitCode).not.toBe(0);
    expect(log(ws)).toEqual([
      'save-pre/dump SUCCESS=unset OID=unset',
      'post/restart SUCCESS=0 CANCELLED=1 EXIT=1',
    ]);
    expect(errors(run).map((e) => e.properties.title ?? e.message)).toEqual([
      'rekkord save failed (cancelled)',
      'Cancelled by SIGTERM; the post hooks ran with SUCCESS=0: rekkord save failed (cancelled)',
    ]);
    const [rekkord] = standInRuns(ws);
    expect(existsSync(path.dirname(rekkord?.config ?? ''))).toBe(false);
    expect(processesWith(path.join(ws, 'rekkord.ini'))).toEqual([]);
  });

  it('a post hook running when the cancel comes goes on until the grace runs out; the post step runs the rest', async () => {
    const tag = sleepTag();
    const { ws } = backupWorkspace(BOTH);
    writeHook(
      path.join(ws, 'hooks/post'),
      'slow-restart',
      `echo "post/slow-restart SUCCESS=$SUCCESS" >> "$HOOK_LOG"; [ "$SUCCESS" = 1 ] && { echo "restart started"; sleep ${tag}; }; exit 0`,
    );
    postLogHook(path.join(ws, 'hooks/post'), 'z-after');
    const running = startAction(options(ws));
    await running.waitFor('restart started');
    const sent = performance.now();
    running.child.kill('SIGINT');
    const main = await running.done;
    expect(performance.now() - sent).toBeLessThan(RUNNER_GRACE_MS);
    expect(main.exitCode).not.toBe(0);
    expect(hooksOutput(main).map((h) => [h.name, h.outcome])).toEqual([
      ['slow-restart', 'cancelled'],
      ['z-after', 'not-run'],
    ]);
    expect(errors(main).at(-1)?.message).toContain('2 post hooks left to the post step');
    expect(processesWith(tag)).toEqual([]);

    const post = await runPostStep(main, options(ws));
    expect(post.exitCode).toBe(0);
    expect(log(ws)).toEqual([
      'post/slow-restart SUCCESS=1',
      'post/slow-restart SUCCESS=0',
      'post/z-after SUCCESS=0 CANCELLED=1 EXIT=0',
    ]);
  });
});

describe('hard kill of the main step', () => {
  it('the post step stops what was running and runs the post hooks once, with SUCCESS=0', async () => {
    const tag = sleepTag();
    const { ws } = backupWorkspace(BOTH);
    writeHook(path.join(ws, 'hooks/pre'), 'dump', `echo "dump started"; sleep ${tag}`);
    postLogHook(path.join(ws, 'hooks/post'), '10-start-db');
    postLogHook(path.join(ws, 'hooks/post'), '20-notify');
    const running = startAction(options(ws));
    await running.waitFor('dump started');
    running.child.kill('SIGKILL');
    const main = await running.done;
    expect(main.signal).toBe('SIGKILL');
    expect(log(ws)).toEqual([]);
    expect(processesWith(tag)).not.toEqual([]);

    const post = await runPostStep(main, options(ws));
    expect(post.stdout).toContain('Stopping process group');
    expect(processesWith(tag)).toEqual([]);
    expect(log(ws)).toEqual([
      'post/10-start-db SUCCESS=0 CANCELLED=1 EXIT=',
      'post/20-notify SUCCESS=0 CANCELLED=1 EXIT=',
    ]);
    expect(post.exitCode).toBe(0);
    expect(post.annotations.map((a) => [a.command, a.properties.title])).toEqual([
      ['warning', 'Post hooks run by the post step'],
    ]);
    expect(post.summary).toContain('post hooks run by the post step');

    // A second post step (a re-run) has nothing left to do only if the state says so; the main
    // step's state is what the runner keeps, so the post hooks never run a third time here.
    expect(log(ws)).toHaveLength(2);
  });

  it('killed during rekkord save: the post step removes the private config copy and runs the post hooks', async () => {
    const { ws } = backupWorkspace(BOTH, '[S3]\nSecretKey = secret-in-copy\n');
    postLogHook(path.join(ws, 'hooks/post'), 'restart');
    // The runner keeps RUNNER_TEMP for the whole job, post steps included.
    const temp = path.join(ws, 'runner-temp');
    mkdirSync(temp);
    const running = startAction(
      options(
        ws,
        {},
        {
          REKKORD_STANDIN_DELAY_MS: '60000',
          RUNNER_TEMP: temp,
          REKKORD_STANDIN_NO_HOOKS_OPTION: '0',
        },
      ),
    );
    await running.waitFor('Snapshot channel: nightly');
    const [rekkord] = standInRuns(ws);
    running.child.kill('SIGKILL');
    const main = await running.done;
    const copy = rekkord?.config ?? '';
    expect(path.dirname(path.dirname(copy))).toBe(temp);
    expect(readFileSync(copy, 'utf8')).toContain('secret-in-copy');

    const post = await runPostStep(
      main,
      options(ws, {}, { RUNNER_TEMP: temp, REKKORD_STANDIN_NO_HOOKS_OPTION: '0' }),
    );
    expect(post.exitCode).toBe(0);
    expect(existsSync(copy)).toBe(false);
    expect(log(ws)).toEqual(['post/restart SUCCESS=0 CANCELLED=1 EXIT=']);
    expect(processesWith(copy)).toEqual([]);
  });

  it('killed during the post phase: the post step runs only the post hooks that had not finished', async () => {
    const tag = sleepTag();
    const { ws } = backupWorkspace(BOTH);
    postLogHook(path.join(ws, 'hooks/post'), '10-done-in-main');
    writeHook(
      path.join(ws, 'hooks/post'),
      '20-interrupted',
      `echo "post/20-interrupted SUCCESS=$SUCCESS" >> "$HOOK_LOG"; [ "$SUCCESS" = 1 ] && { echo "slow started"; sleep ${tag}; }; exit 0`,
    );
    const running = startAction(options(ws));
    await running.waitFor('slow started');
    running.child.kill('SIGKILL');
    const main = await running.done;
    const post = await runPostStep(main, options(ws));
    expect(post.exitCode).toBe(0);
    expect(log(ws)).toEqual([
      'post/10-done-in-main SUCCESS=1 CANCELLED=0 EXIT=0',
      'post/20-interrupted SUCCESS=1',
      'post/20-interrupted SUCCESS=0',
    ]);
    expect(processesWith(tag)).toEqual([]);
  });

  it('a killed restore: the post step runs the post hooks though the destination now has files', async () => {
    const tag = sleepTag();
    const { ws } = backupWorkspace();
    writeHook(
      path.join(ws, 'hooks.d'),
      'drill',
      `echo "hooks.d $1 $2 SUCCESS=\${SUCCESS-unset}" >> "$HOOK_LOG"; [ "$2" = pre ] && { echo "pre started"; sleep ${tag}; }; exit 0`,
    );
    const inputs = {
      command: 'restore',
      snapshot: 'nightly',
      destination: 'restored',
      'hooks-dir': 'hooks.d',
      channel: '',
      paths: '',
    };
    const running = startAction(options(ws, inputs));
    await running.waitFor('pre started');
    running.child.kill('SIGKILL');
    const main = await running.done;
    // What a half-done restore leaves; and Rekkord gone since: neither may stop the post hooks.
    writeFile(path.join(ws, 'restored', 'partial.txt'), 'half');
    const post = await runPostStep(
      main,
      options(ws, { ...inputs, rekkord: path.join(ws, 'gone', 'rekkord') }),
    );
    expect(post.exitCode).toBe(0);
    expect(log(ws)).toEqual([
      'hooks.d restore pre SUCCESS=unset',
      'hooks.d restore post SUCCESS=0',
    ]);
    expect(processesWith(tag)).toEqual([]);
  });

  it('after a main step that finished, the post step does nothing', async () => {
    const { ws } = backupWorkspace(BOTH);
    postLogHook(path.join(ws, 'hooks/post'), 'once');
    const main = await runAction(options(ws));
    expect(main.exitCode).toBe(0);
    const post = await runPostStep(main, options(ws));
    expect(post.exitCode).toBe(0);
    expect(post.annotations).toEqual([]);
    expect(log(ws)).toEqual(['post/once SUCCESS=1 CANCELLED=0 EXIT=0']);
  });

  it('after a main step that stopped on bad input, the post step does nothing', async () => {
    const { ws } = backupWorkspace(BOTH);
    postLogHook(path.join(ws, 'hooks/post'), 'never');
    const main = await runAction(options(ws, { channel: '' }));
    expect(main.exitCode).toBe(1);
    const post = await runPostStep(main, options(ws, { channel: '' }));
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('No hook ran in the main step: nothing to do.');
    expect(log(ws)).toEqual([]);
  });
});

describe('timeouts', () => {
  it('a hook past hook-timeout is stopped with its background children, fails as timed out, the rest go on', async () => {
    const tag = sleepTag();
    const { ws } = backupWorkspace(BOTH);
    writeHook(path.join(ws, 'hooks/pre'), '10-stuck', `sleep ${tag} & sleep ${tag}`);
    logHook(path.join(ws, 'hooks/pre'), '20-next');
    postLogHook(path.join(ws, 'hooks/post'), 'restore');
    const run = await runAction(options(ws, { 'hook-timeout': '1' }));
    expect(run.exitCode).toBe(1);
    expect(hooksOutput(run).map((h) => [h.name, h.outcome, h.message])).toEqual([
      ['10-stuck', 'timed-out', 'timed out after 1 s and was stopped'],
      ['20-next', 'success', ''],
      ['restore', 'success', ''],
    ]);
    expect(errors(run)[0]?.properties.title).toBe('pre-save hook 10-stuck failed (timed out)');
    expect(log(ws)).toEqual([
      'save-pre/20-next SUCCESS=unset OID=unset',
      'post/restore SUCCESS=0 CANCELLED=0 EXIT=',
    ]);
    expect(processesWith(tag)).toEqual([]);
  });
});

describe('hostile output', () => {
  const forger = [
    'echo "::error title=forged::forged error"',
    'echo "::warning::forged warning"',
    'echo "::notice::forged notice"',
    'echo "::add-mask::nightly"',
    'echo "::set-output name=oid::forged"',
    'echo "::set-env name=FORGED::1"',
    'echo "##[error]legacy forged"',
    'echo "::stop-commands::guess"',
    'echo "::guess::"',
    'echo "::endgroup::"',
    'printf "::error::no newline at the end"',
  ].join('\n');

  it('cannot issue workflow commands by default', async () => {
    const { ws } = backupWorkspace(BOTH);
    writeHook(path.join(ws, 'hooks/pre'), 'forger', forger);
    const run = await runAction(options(ws));
    expect(run.exitCode).toBe(0);
    expect(run.annotations.map((a) => a.command)).toEqual(['notice']);
    expect(run.annotations[0]?.properties.title).toBe('Rekkord snapshot');
    expect(
      run.commands.some((c) => ['set-output', 'set-env', 'add-mask'].includes(c.command)),
    ).toBe(false);
    expect(run.outputs.oid).toMatch(/^M[0-9A-F]{64}$/);
    // Shown as text, the last line too, and the action's own commands still work after it.
    expect(run.stdout).toContain('::error title=forged::forged error');
    expect(run.stdout).toContain('::error::no newline at the end\n');
    expect(run.commands.filter((c) => c.command === 'group')).toHaveLength(2);
    expect(run.commands.filter((c) => c.command === 'endgroup')).toHaveLength(2);
  });

  it('can, when allow-workflow-commands is true', async () => {
    const { ws } = backupWorkspace(BOTH);
    writeHook(
      path.join(ws, 'hooks/pre'),
      'annotate',
      'echo "::warning title=from hook::disk almost full"',
    );
    const run = await runAction(options(ws, { 'allow-workflow-commands': 'true' }));
    expect(run.annotations.map((a) => [a.command, a.properties.title])).toEqual([
      ['warning', 'from hook'],
      ['notice', 'Rekkord snapshot'],
    ]);
  });

  it('passes binary data and invalid UTF-8 through as bytes', async () => {
    const { ws } = backupWorkspace(BOTH);
    writeHook(path.join(ws, 'hooks/pre'), 'binary', String.raw`printf 'bin\377\376\000ary\n'`);
    const chunks: Buffer[] = [];
    const run = await runAction({ ...options(ws), onOutput: (c) => chunks.push(c) });
    expect(run.exitCode).toBe(0);
    expect(
      Buffer.concat(chunks).includes(Buffer.from([0x62, 0x69, 0x6e, 0xff, 0xfe, 0x00, 0x61])),
    ).toBe(true);
  });

  it('a hook printing 256 MiB keeps the action within a small memory bound', async () => {
    const { ws } = backupWorkspace(BOTH);
    writeHook(
      path.join(ws, 'hooks/pre'),
      'flood',
      "yes 'a line of hook output that repeats' | head -c 268435456; printf 'last line without newline'",
    );
    const run = await runAction({ ...options(ws), measureMemory: true });
    expect(run.exitCode).toBe(0);
    expect(run.outputBytes).toBeGreaterThan(268435456);
    expect(run.maxRssKiB).toBeGreaterThan(0);
    expect(run.maxRssKiB ?? Infinity).toBeLessThan(100 * 1024);
    expect(
      run.commands.some((c) => c.command === 'group' && c.message.startsWith('rekkord save')),
    ).toBe(true);
  }, 120_000);
});

describe('secrets', () => {
  it('masks every secret of the config before any hook or Rekkord output, and removes the copy on failure', async () => {
    const { ws } = backupWorkspace(
      BOTH,
      '[S3]\nSecretKey = s3-secret-value\n[SFTP]\nPassword = sftp-pass-value\nKey = sftp-key-value\n[Link]\nApiKey = api-key-value\n',
    );
    writeHook(
      path.join(ws, 'hooks/pre'),
      'leaky',
      'echo "leak: s3-secret-value sftp-pass-value sftp-key-value api-key-value"',
    );
    const run = await runAction(
      options(ws, { paths: 'missing' }, { REKKORD_STANDIN_NO_HOOKS_OPTION: '0' }),
    );
    expect(run.exitCode).toBe(1);
    const lines = run.stdout.split('\n');
    const firstHook = lines.findIndex((l) => l.startsWith('::group::'));
    const masks = run.stdout.split('\n').slice(0, firstHook).join('\n');
    for (const secret of [
      's3-secret-value',
      'sftp-pass-value',
      'sftp-key-value',
      'api-key-value',
    ]) {
      expect(masks).toContain(`::add-mask::${secret}`);
      expect(lines.slice(firstHook).join('\n')).not.toContain(secret);
    }
    expect(run.stdout).toContain('leak: *** *** *** ***');
    const [rekkord] = standInRuns(ws);
    expect(rekkord?.mode).toBe('600');
    expect(existsSync(rekkord?.config ?? '/')).toBe(false);
  });
});

describe('faults', () => {
  it('a hook that deletes itself runs to its end; one that deletes its folder fails the next ones', async () => {
    const { ws } = backupWorkspace(BOTH);
    writeHook(path.join(ws, 'hooks/pre'), '10-self-deleting', 'rm -- "$0"; echo "deleted myself"');
    writeHook(path.join(ws, 'hooks/pre'), '20-folder-deleting', 'rm -rf "$(dirname "$0")"');
    logHook(path.join(ws, 'hooks/pre'), '30-gone');
    postLogHook(path.join(ws, 'hooks/post'), 'restore');
    const run = await runAction(options(ws));
    expect(run.exitCode).toBe(1);
    expect(hooksOutput(run).map((h) => [h.name, h.outcome, h.message])).toEqual([
      ['10-self-deleting', 'success', ''],
      ['20-folder-deleting', 'success', ''],
      [
        '30-gone',
        'not-started',
        `not started: ${path.join(ws, 'hooks/pre/30-gone')} does not exist`,
      ],
      ['restore', 'success', ''],
    ]);
    expect(log(ws)).toEqual(['post/restore SUCCESS=0 CANCELLED=0 EXIT=']);
  });

  it('a post hook folder removed by a pre hook is a failed post phase', async () => {
    const { ws } = backupWorkspace(BOTH);
    writeHook(path.join(ws, 'hooks/pre'), 'remove-post', `rm -rf "${path.join(ws, 'hooks/post')}"`);
    const run = await runAction(options(ws));
    expect(run.exitCode).toBe(1);
    expect(errors(run)[0]?.properties.title).toBe('post-save hooks did not run');
    expect(errors(run)[0]?.message).toContain(
      `the hook directory ${path.join(ws, 'hooks/post')} cannot be read: ENOENT`,
    );
  });

  it.each([
    ['is a file', (ws: string) => writeFile(path.join(ws, 'hooks/pre'), ''), 'is not a directory'],
    [
      'is a symlink loop',
      (ws: string) => {
        symlinkSync(path.join(ws, 'hooks/pre'), path.join(ws, 'hooks/pre'));
      },
      'is a symbolic link loop',
    ],
  ])('a hook folder that %s stops everything with a clear error', async (_, make, message) => {
    const { ws } = backupWorkspace(
      { PostSaveDirectory: 'hooks/post' },
      'PreSaveDirectory = hooks/pre\n',
    );
    make(ws);
    postLogHook(path.join(ws, 'hooks/post'), 'restore');
    const run = await runAction(options(ws));
    expect(run.exitCode).toBe(1);
    expect(errors(run)).toHaveLength(1);
    expect(errors(run)[0]?.message).toContain(message);
    expect(log(ws)).toEqual([]);
  });

  it('a symlink loop among the hooks is a failed hook; the others run', async () => {
    const { ws } = backupWorkspace(BOTH);
    symlinkSync(path.join(ws, 'hooks/pre/loop'), path.join(ws, 'hooks/pre/loop'));
    logHook(path.join(ws, 'hooks/pre'), 'real');
    postLogHook(path.join(ws, 'hooks/post'), 'restore');
    const run = await runAction(options(ws));
    expect(run.exitCode).toBe(1);
    expect(errors(run)[0]?.properties.title).toBe('pre-save hook loop failed (not started)');
    expect(errors(run)[0]?.message).toContain('it is a symbolic link loop');
    expect(log(ws)).toEqual([
      'save-pre/real SUCCESS=unset OID=unset',
      'post/restore SUCCESS=0 CANCELLED=0 EXIT=',
    ]);
  });

  it('a hook killed by a signal is reported with the signal name', async () => {
    const { ws } = backupWorkspace(BOTH);
    writeHook(path.join(ws, 'hooks/pre'), 'segfault', 'kill -SEGV $$');
    postLogHook(path.join(ws, 'hooks/post'), 'restore');
    const run = await runAction(options(ws));
    expect(run.exitCode).toBe(1);
    expect(errors(run)[0]).toMatchObject({
      properties: { title: 'pre-save hook segfault failed (SIGSEGV)' },
    });
    expect(errors(run)[0]?.message).toContain('killed by SIGSEGV');
    expect(hooksOutput(run)[0]).toMatchObject({ outcome: 'failure' });
    expect(log(ws)).toEqual(['post/restore SUCCESS=0 CANCELLED=0 EXIT=']);
  });

  it.each([
    ['missing', (bin: string) => bin, 'does not exist'],
    [
      'not executable',
      (bin: string) => {
        writeFile(bin, '#!/bin/sh\n', 0o644);
        return bin;
      },
      'is not an executable file',
    ],
  ])(
    'a Rekkord binary that is %s stops everything, with how to install Rekkord',
    async (_, make, message) => {
      const { ws } = backupWorkspace(BOTH);
      logHook(path.join(ws, 'hooks/pre'), 'would-stop-db');
      const bin = make(path.join(ws, 'bin', 'rekkord'));
      const run = await runAction(options(ws, { rekkord: bin }));
      expect(run.exitCode).toBe(1);
      expect(errors(run)).toHaveLength(1);
      expect(errors(run)[0]?.message).toContain(message);
      expect(errors(run)[0]?.message).toContain('Install Rekkord in an earlier step');
      expect(log(ws)).toEqual([]);
    },
  );

  it('a Rekkord binary that breaks after the pre hooks ran: clear error, post hooks with SUCCESS=0', async () => {
    const { ws } = backupWorkspace(BOTH);
    mkdirSync(path.join(ws, 'bin'));
    const bin = writeFile(path.join(ws, 'bin', 'rekkord'), readFileSync(STAND_IN, 'utf8'), 0o755);
    writeHook(path.join(ws, 'hooks/pre'), 'breaks-rekkord', `chmod 644 "${bin}"`);
    postLogHook(path.join(ws, 'hooks/post'), 'restore');
    const run = await runAction(options(ws, { rekkord: bin }));
    expect(run.exitCode).toBe(1);
    expect(errors(run)[0]).toMatchObject({
      properties: { title: 'rekkord save failed (not started)' },
      message: 'rekkord save: not started: permission denied when starting it',
    });
    expect(log(ws)).toEqual(['post/restore SUCCESS=0 CANCELLED=0 EXIT=']);
    chmodSync(bin, 0o755);
    rmSync(bin);
  });
});

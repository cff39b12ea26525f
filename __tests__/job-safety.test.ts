/**
 * Job-level guarantees, through dist/ as the runner runs it and through the CLI bundle: the post
 * step finishes only what the main step began and signals only a group it can prove; one run per
 * config; processes a hook leaves behind are named; the CLI runs every post hook to its end after
 * a signal.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ROOT,
  runAction,
  runPostStep,
  startAction,
  stopStartedActions,
  STAND_IN,
} from './harness/local-runner.js';
import {
  actionOptions,
  backupWorkspace,
  logHook,
  readLines,
  scratch,
  standInRuns,
  writeHook,
} from './helpers/fixtures.js';
import { readState } from '../src/action/state.js';

const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');
const BOTH = { PreSaveDirectory: 'hooks/pre', PostSaveDirectory: 'hooks/post' };

/** Processes started by a test that must not outlive it. */
const spawned: ChildProcessByStdio<null, Readable, Readable>[] = [];
const groups: number[] = [];

afterEach(async () => {
  await stopStartedActions();
  for (const child of spawned.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
});

let tagCounter = 0;
/** A sleep that can be found in the process table: `sleep <tag>`. */
function sleepTag(): string {
  tagCounter += 1;
  return String(800_000 + process.pid * 10 + tagCounter);
}

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

/** A process in a group of its own that a forged state may name: it must survive. */
function decoy(): number {
  const child = spawn('sleep', ['600'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  spawned.push(child);
  return child.pid ?? 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

interface CliRun {
  child: ChildProcessByStdio<null, Readable, Readable>;
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** The CLI bundle, started: its output as it comes, and its end. */
function startCli(cwd: string, args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.push(child);
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const check = (): void => {
    for (const w of waiters.splice(0)) {
      if ((stdout + stderr).includes(w.text)) w.resolve();
      else waiters.push(w);
    }
  };
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    check();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
    check();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    done,
    waitFor(text, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`No "${text}" in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        check();
      });
    },
  };
}

/** A forged tail for GITHUB_STATE: an unterminated heredoc swallows every line after it. */
const forgery = (pgid: string): string => `stage=pre\\npgid=${pgid}\\nzz<<NEVER_ENDS`;

describe('the post step finishes only what the main step began', () => {
  it('a forged unterminated heredoc written by a hook is gone once the main step ends', async () => {
    const { ws } = backupWorkspace(BOTH);
    const victim = decoy();
    logHook(path.join(ws, 'hooks/pre'), 'dump');
    writeHook(
      path.join(ws, 'hooks/post'),
      'forge',
      `echo "post/forge SUCCESS=$SUCCESS" >> "$HOOK_LOG"; printf '${forgery(String(victim))}\\n' >> "$GITHUB_STATE"`,
    );
    const options = actionOptions(ws, { 'allow-workflow-commands': 'true' });
    const main = await runAction(options);
    expect(main.exitCode).toBe(0);
    expect(main.state.stage).toBe('done');
    expect(main.state.zz).toBeUndefined();

    const post = await runPostStep(main, options);
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('The main step ran the post hooks: nothing to do.');
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
      'save-pre/dump SUCCESS=unset OID=unset',
      'post/forge SUCCESS=1',
    ]);
    expect(standInRuns(ws)).toHaveLength(1);
    expect(alive(victim)).toBe(true);
  });

  it('after a hard kill, a forged group is not signalled and only the owed post hooks run', async () => {
    const tag = sleepTag();
    const { ws } = backupWorkspace(BOTH);
    const victim = decoy();
    // The forged group names a live process with a start time that is not its own.
    writeHook(
      path.join(ws, 'hooks/pre'),
      'dump',
      `echo "pre/dump" >> "$HOOK_LOG"; echo $$ > "$HOOK_LOG.pgid"; printf '${forgery(`${victim}:1`)}\\n' >> "$GITHUB_STATE"; echo "dump started"; sleep ${tag}`,
    );
    writeHook(
      path.join(ws, 'hooks/post'),
      'start-db',
      `echo "post/start-db SUCCESS=$SUCCESS" >> "$HOOK_LOG"`,
    );
    const options = actionOptions(ws, { 'allow-workflow-commands': 'true' });
    const running = startAction(options);
    await running.waitFor('dump started');
    groups.push(Number(readFileSync(path.join(ws, 'hooks.log.pgid'), 'utf8')));
    running.child.kill('SIGKILL');
    const main = await running.done;
    expect(main.state.pgid).toBe(`${victim}:1`);

    const post = await runPostStep(main, options);
    expect(post.stdout).toContain(
      `Not signalling process group ${victim} named by the saved state`,
    );
    expect(post.stdout).toContain('start time differs');
    expect(alive(victim)).toBe(true);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual(['pre/dump', 'post/start-db SUCCESS=0']);
    expect(standInRuns(ws)).toEqual([]);
    // The real group was not proven either: it is still there, and the test ends it.
    expect(processesWith(tag)).not.toEqual([]);
  });

  it('a group id of 1, or one without its leader start time, is never read as provable', () => {
    const token = '01234567-89ab-cdef-0123-456789abcdef';
    const state = (pgid: string) =>
      readState({
        save: () => undefined,
        get: (name) => ({ isPost: token, token, stage: 'pre', pgid })[name] ?? '',
      });
    expect(state('1:5')).toMatchObject({ group: null, unprovenGroup: '1:5' });
    expect(state('4242')).toMatchObject({ group: null, unprovenGroup: '4242' });
    expect(state('4242:77')).toMatchObject({ group: { pgid: 4242, startTime: '77' } });
    expect(state('##[error]x')).toMatchObject({ group: null, unprovenGroup: '???error?x' });
  });
});

/** The demo, copied: its pre hook writes the dump its post hook removes. */
function demo(): string {
  const ws = scratch();
  cpSync(path.join(ROOT, 'examples', 'demo'), ws, { recursive: true });
  return ws;
}

function snapshotFiles(ws: string): Record<string, string[]> {
  const dir = path.join(ws, 'repo', 'snapshots');
  const out: Record<string, string[]> = {};
  for (const oid of readdirSync(dir)) {
    const snap = JSON.parse(readFileSync(path.join(dir, oid), 'utf8')) as {
      channel: string;
      trees: { files: Record<string, string> }[];
    };
    out[snap.channel] = snap.trees.flatMap((t) => Object.keys(t.files)).sort();
  }
  return out;
}

describe('one run per config', () => {
  const save = (channel: string, extra: string[] = []) => [
    'save',
    '-C',
    'rekkord.ini',
    '--rekkord',
    STAND_IN,
    '--channel',
    channel,
    ...extra,
    'data',
  ];

  it('a second save on the same config waits for the first; both snapshots hold the dump', async () => {
    const ws = demo();
    const env = { REKKORD_STANDIN_DELAY_MS: '2000' };
    const first = startCli(ws, save('first'), env);
    await first.waitFor('Wrote');
    await new Promise((r) => setTimeout(r, 1000));
    const second = startCli(ws, save('second'), env);
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(snapshotFiles(ws)).toEqual({
      first: ['dump.sql', 'notes.txt'],
      second: ['dump.sql', 'notes.txt'],
    });
    expect(b.stdout).toContain('Waiting up to 600 s for another run on');
    expect(b.stdout).toMatch(/Waited \d.* for another run on the same config/);
  });

  it('with a short lock-wait the second run fails before any hook, naming the holder', async () => {
    const { ws, log } = backupWorkspace(BOTH);
    logHook(path.join(ws, 'hooks/pre'), 'dump');
    const env = { HOOK_LOG: log, REKKORD_STANDIN_DELAY_MS: '4000' };
    const first = startCli(ws, save('a'), env);
    await first.waitFor('── rekkord save');
    const second = startCli(ws, save('b', ['--lock-wait', '0.5']), env);
    const b = await second.done;
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`No hook ran: another run holds the lock for ${ws}/rekkord.ini`);
    expect(b.stderr).toContain(`pid ${first.child.pid ?? 0} (`);
    expect(b.stderr).toMatch(/since \d{4}-\d\d-\d\dT/);
    expect((await first.done).code).toBe(0);
    // Only the first run's pre hook ran.
    expect(readLines(log)).toEqual(['save-pre/dump SUCCESS=unset OID=unset']);
  });

  it('the action waits too, and its summary shows the wait', async () => {
    const { ws, log } = backupWorkspace(BOTH);
    logHook(path.join(ws, 'hooks/pre'), 'dump');
    const first = startCli(ws, save('a'), { HOOK_LOG: log, REKKORD_STANDIN_DELAY_MS: '1500' });
    await first.waitFor('── rekkord save');
    const run = await runAction(actionOptions(ws, { 'lock-wait': '30' }));
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Waiting up to 30 s for another run on');
    expect(run.summary).toMatch(/Waited \d.* for another run on the same config/);
    expect((await first.done).code).toBe(0);
  });

  it('a run killed with SIGKILL does not keep the lock', async () => {
    const { ws, log } = backupWorkspace(BOTH);
    writeHook(
      path.join(ws, 'hooks/pre'),
      'dump',
      'echo $$ > "$HOOK_LOG.pgid"; echo "dump started"; sleep 30',
    );
    const first = startCli(ws, save('a'), { HOOK_LOG: log });
    await first.waitFor('dump started');
    groups.push(Number(readFileSync(`${log}.pgid`, 'utf8')));
    first.child.kill('SIGKILL');
    await first.done;
    const started = performance.now();
    writeHook(path.join(ws, 'hooks/pre'), 'dump', 'true');
    const second = await startCli(ws, save('b', ['--lock-wait', '10']), { HOOK_LOG: log }).done;
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('Waiting');
    expect(performance.now() - started).toBeLessThan(8000);
  });
});

describe('processes a hook leaves behind', () => {
  it('are named in a warning on the hook and stopped, whether or not they hold the output', async () => {
    const holding = sleepTag();
    const quiet = sleepTag();
    const { ws } = backupWorkspace({ PostSaveDirectory: 'hooks/post' });
    writeHook(path.join(ws, 'hooks/post'), '10-holding', `sleep ${holding} &`);
    writeHook(path.join(ws, 'hooks/post'), '20-quiet', `sleep ${quiet} >/dev/null 2>&1 &`);
    const run = await runAction(actionOptions(ws));
    expect(run.exitCode).toBe(0);
    const warnings = run.annotations.filter((a) => a.command === 'warning');
    expect(warnings.map((w) => w.properties.title)).toEqual([
      'post-save hook 10-holding left processes running',
      'post-save hook 20-quiet left processes running',
    ]);
    expect(warnings[0]?.message).toMatch(new RegExp(`stopped: pid \\d+ \\(sleep ${holding}\\)`));
    expect(warnings[1]?.message).toMatch(new RegExp(`stopped: pid \\d+ \\(sleep ${quiet}\\)`));
    expect(warnings[1]?.message).toContain('setsid');
    expect(processesWith(holding)).toEqual([]);
    expect(processesWith(quiet)).toEqual([]);
  });

  it('what Rekkord itself leaves is named in a warning on the step and stopped', async () => {
    const left = sleepTag();
    const { ws } = backupWorkspace({ PostSaveDirectory: 'hooks/post' });
    // A Rekkord that saves, then leaves a process in its group (as a helper it forgot to reap).
    const rekkord = writeHook(
      ws,
      'rekkord-leaving',
      `case "$*" in --version) echo "rekkord 0.104 (test)";; *--help*) ;; *) sleep ${left} >/dev/null 2>&1 & echo "Snapshot OID: M${'0'.repeat(64)}" >&2;; esac`,
    );
    const run = await runAction(actionOptions(ws, { rekkord, identify: 'false' }));
    expect(run.exitCode).toBe(0);
    const warnings = run.annotations.filter((a) => a.command === 'warning');
    expect(warnings.map((w) => w.properties.title)).toEqual([
      'rekkord save left processes running',
    ]);
    expect(warnings[0]?.message).toMatch(new RegExp(`stopped: pid \\d+ \\(sleep ${left}\\)`));
    expect(processesWith(left)).toEqual([]);
  });

  it('the CLI names them the same way; a service started with setsid is left alone', async () => {
    const left = sleepTag();
    const service = sleepTag();
    const { ws } = backupWorkspace({ PostSaveDirectory: 'hooks/post' });
    writeHook(
      path.join(ws, 'hooks/post'),
      'restart',
      `sleep ${left} & setsid sleep ${service} >/dev/null 2>&1 < /dev/null &`,
    );
    const run = await startCli(ws, [
      'save',
      '-C',
      'rekkord.ini',
      '--rekkord',
      STAND_IN,
      '--channel',
      'n',
      'data',
    ]).done;
    try {
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(
          `warning: post-save hook restart exited and left 1 process\\(es\\).*stopped: pid \\d+ \\(sleep ${left}\\)`,
        ),
      );
      expect(processesWith(left)).toEqual([]);
      expect(processesWith(service)).toHaveLength(1);
    } finally {
      for (const line of processesWith(service))
        process.kill(Number(line.split(':')[0]), 'SIGKILL');
    }
  });
});

describe('the CLI after SIGINT or SIGTERM', () => {
  const save = ['save', '-C', 'rekkord.ini', '--rekkord', STAND_IN, '--channel', 'n', 'data'];

  it('runs every post hook to its end, on no clock of its own', async () => {
    const { ws } = backupWorkspace(BOTH);
    writeHook(path.join(ws, 'hooks/post'), 'start-svc', 'sleep 10; touch started');
    const run = startCli(ws, save, { REKKORD_STANDIN_DELAY_MS: '20000' });
    await run.waitFor('── rekkord save');
    run.child.kill('SIGINT');
    const end = await run.done;
    expect(end.code).toBe(130);
    expect(existsSync(path.join(ws, 'started'))).toBe(true);
    expect(end.stderr).toContain('SIGINT: stopping, then running every post hook to its end');
    expect(end.stdout).not.toContain('post step');
  }, 30_000);

  it('a second signal is reported and ignored; a third stops the post phase and names what did not complete', async () => {
    const { ws } = backupWorkspace(BOTH);
    writeHook(path.join(ws, 'hooks/post'), '10-slow', 'echo "slow started"; sleep 30; touch slow');
    writeHook(path.join(ws, 'hooks/post'), '20-next', 'touch next');
    const run = startCli(ws, save, { REKKORD_STANDIN_DELAY_MS: '20000' });
    await run.waitFor('── rekkord save');
    run.child.kill('SIGTERM');
    await run.waitFor('slow started');
    run.child.kill('SIGINT');
    await run.waitFor('again: ignored');
    run.child.kill('SIGINT');
    const end = await run.done;
    // Cancelled by the first signal, SIGTERM.
    expect(end.code).toBe(143);
    expect(end.stderr).toContain('a third time: stopping the post hooks');
    expect(end.stderr).toContain(
      'rekkord-hooks: post hooks that did not complete: post-save/10-slow, post-save/20-next',
    );
    // The command line has no post step to leave them to.
    expect(end.stdout).toContain('2 post hooks did not complete');
    expect(end.stdout).not.toContain('post step');
    expect(existsSync(path.join(ws, 'slow'))).toBe(false);
    expect(existsSync(path.join(ws, 'next'))).toBe(false);
  }, 30_000);
});

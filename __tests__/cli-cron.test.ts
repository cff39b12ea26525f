/**
 * The command line under cron or systemd (dist/cli/index.js): timestamps when the log is not a
 * terminal, the --json result, and exit codes that tell the cases apart (EXIT in src/cli/options.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAND_IN } from './harness/local-runner.js';
import { backupWorkspace, logHook, readLines, writeHook } from './helpers/fixtures.js';
import { CLI, cli } from './helpers/cli.js';
import { EXIT } from '../src/cli/options.js';
import type { JsonResult } from '../src/report/json.js';

const SAVE = ['save', '-C', 'rekkord.ini', '--rekkord', STAND_IN, '--channel', 'nightly'];
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d /;

function workspace(pre = 0, post = 0) {
  const { ws, log } = backupWorkspace({ PreSaveDirectory: 'pre', PostSaveDirectory: 'post' });
  logHook(path.join(ws, 'pre'), 'dump', pre);
  logHook(path.join(ws, 'post'), 'notify', post);
  return { ws, log };
}

describe('timestamps', () => {
  it('on every line when stdout is not a terminal, hook output included', () => {
    const { ws } = workspace();
    const run = cli(ws, [...SAVE, 'data']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) expect(line).toMatch(STAMP);
    expect(run.stdout).toMatch(/^\S+ dump ran$/m);
    // The local time with its offset: the process's time zone shows.
    const tz = cli(ws, [...SAVE, 'data'], { TZ: 'Asia/Kolkata' });
    expect(tz.stdout.split('\n')[0]).toMatch(/^\S+\+05:30 Rekkord/);
  });

  it('--no-timestamps leaves them out; --timestamps puts them on stderr too', () => {
    const { ws } = workspace();
    const plain = cli(ws, ['--no-timestamps', ...SAVE, 'data']);
    expect(plain.stdout.split('\n')[0]).toMatch(/^Rekkord /);
    const bad = cli(ws, [
      '--timestamps',
      ...SAVE.filter((a) => a !== '--channel' && a !== 'nightly'),
      'data',
    ]);
    expect(bad.code).toBe(EXIT.usage.code);
    expect(bad.stderr).toMatch(new RegExp(`${STAMP.source}rekkord-hooks: --channel is required`));
  });
});

describe('--json', () => {
  function json(args: string[], pre = 0, post = 0) {
    const { ws } = workspace(pre, post);
    const run = cli(ws, ['--json', ...args]);
    return { ...run, ws, result: JSON.parse(run.stdout) as JsonResult };
  }

  it('one object on stdout with every hook, the step and the verdict; the log on stderr', () => {
    const { result, stderr, code } = json([...SAVE, 'data']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^\S+ Rekkord /);
    expect(result).toMatchObject({
      schema: 1,
      command: 'save',
      verdict: 'success',
      exitCode: 0,
      success: true,
      cancelled: null,
      findings: [],
      errors: [],
    });
    expect(result.oid).toMatch(/^M[0-9A-F]{64}$/);
    expect(result.hooks.map((h) => [h.phase, h.name, h.outcome, h.exitCode])).toEqual([
      ['pre-save', 'dump', 'success', 0],
      ['post-save', 'notify', 'success', 0],
    ]);
    expect(result.hooks[0]?.path).toMatch(/\/pre\/dump$/);
    expect(typeof result.hooks[0]?.durationMs).toBe('number');
    expect(result.step).toMatchObject({
      command: 'save',
      outcome: 'success',
      exitCode: 0,
      oid: result.oid,
    });
    expect(result.step?.commandLine).toMatch(/rekkord.* save .*nightly data$/);
  });

  it('a post hook that fails after the snapshot: failed-after-rekkord, exit 3, the OID kept', () => {
    const { result, code } = json([...SAVE, 'data'], 0, 4);
    expect(code).toBe(3);
    expect(result).toMatchObject({
      verdict: 'failed-after-rekkord',
      exitCode: 3,
      success: false,
      rekkordDone: true,
    });
    expect(result.oid).toMatch(/^M/);
    expect(result.hooks[1]).toMatchObject({ name: 'notify', outcome: 'failure', exitCode: 4 });
  });

  it('lockWaitMs: how long the run waited for another run on the same config', async () => {
    const { ws, log } = workspace();
    const held = path.join(ws, 'held');
    writeHook(path.join(ws, 'pre'), 'a-hold', `touch "${held}"\nsleep 1.5`);
    const first = spawn(process.execPath, [CLI, '--json', ...SAVE, 'data'], {
      cwd: ws,
      env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: ws, HOOK_LOG: log },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      first.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const exited = new Promise<number | null>((resolve) => first.on('close', resolve));
      while (!existsSync(held)) await new Promise((r) => setTimeout(r, 20));
      const second = cli(ws, ['--json', ...SAVE, 'data']);
      expect(second.code).toBe(0);
      expect((JSON.parse(second.stdout) as JsonResult).lockWaitMs).toBeGreaterThanOrEqual(500);
      expect(await exited).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ lockWaitMs: 0, rekkordDone: true });
    } finally {
      first.kill('SIGKILL');
    }
  });

  it('a pre hook that fails: failed, exit 1, Rekkord skipped', () => {
    const { result, code } = json([...SAVE, 'data'], 2);
    expect(code).toBe(1);
    expect(result).toMatchObject({ verdict: 'failed', exitCode: 1, oid: null });
    expect(result.step).toMatchObject({ outcome: 'skipped', exitCode: null });
  });

  it('a usage error: verdict usage, exit 2, the reason in errors', () => {
    const { result, code } = json(['save', '--rekkord', STAND_IN, 'data']);
    expect(code).toBe(2);
    expect(result).toMatchObject({ verdict: 'usage', exitCode: 2, hooks: [], step: null });
    expect(result.errors).toEqual([expect.stringContaining('--channel is required')]);
  });

  it('a command line it cannot read: the command as read, verdict usage; --json only as an option', () => {
    const { ws } = workspace();
    const run = cli(ws, ['--json', '--config', 'x.ini', 'save', '--bogus']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toMatchObject({
      command: 'save',
      verdict: 'usage',
      exitCode: 2,
      errors: ['unknown option --bogus'],
    });
    // Words after the one that cannot be read are still read.
    const late = cli(ws, ['save', '--bogus', '--json']);
    expect(JSON.parse(late.stdout)).toMatchObject({ command: 'save', verdict: 'usage' });
    // Here --json is the value of --arg, not the option.
    const arg = cli(ws, ['save', '--arg', '--json', '--bogus']);
    expect(arg).toMatchObject({ code: 2, stdout: '' });
  });

  it('validate: its findings', () => {
    const { ws } = backupWorkspace({}, 'PreSaveDirectory = missing\n');
    const run = cli(ws, ['validate', '--json', '-C', 'rekkord.ini']);
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as JsonResult;
    expect(result).toMatchObject({ command: 'validate', verdict: 'failed', exitCode: 1 });
    expect(result.findings).toContainEqual(
      expect.objectContaining({ severity: 'error', file: path.join(ws, 'rekkord.ini') }),
    );
  });

  it('masks the secrets Rekkord would read, as the log would', () => {
    const { ws } = backupWorkspace({ PostSaveDirectory: 'post' });
    writeHook(path.join(ws, 'post'), 'notify-hunter2secret', 'exit 5');
    const run = cli(ws, ['--json', ...SAVE, 'data'], { SSH_PASSWORD: 'hunter2secret' });
    expect(run.code).toBe(3);
    expect(run.stdout).not.toContain('hunter2secret');
    expect(JSON.parse(run.stdout)).toMatchObject({ hooks: [{ name: 'notify-***' }] });
  });
});

describe('exit codes, each case', () => {
  it('0 success, 1 Rekkord failed, 2 usage', () => {
    const { ws } = workspace();
    expect(cli(ws, [...SAVE, 'data']).code).toBe(0);
    const failed = cli(ws, ['--json', ...SAVE, 'no-such-path']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({
      verdict: 'failed',
      step: { outcome: 'failure' },
    });
    expect(cli(ws, ['save', '--what']).code).toBe(2);
    expect(cli(ws, []).code).toBe(2);
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${code}: cancelled by ${signal} in a pre hook, the post hooks run`, async () => {
      const { ws, log } = workspace();
      const started = path.join(ws, 'started');
      writeHook(path.join(ws, 'pre'), 'slow', `touch "${started}"\nsleep 30`);
      const child = spawn(process.execPath, [CLI, '--json', ...SAVE, 'data'], {
        cwd: ws,
        env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: ws, HOOK_LOG: log },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        let stdout = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
        while (!existsSync(started)) await new Promise((r) => setTimeout(r, 20));
        child.kill(signal);
        expect(await exited).toBe(code);
        expect(JSON.parse(stdout)).toMatchObject({ cancelled: signal, exitCode: code });
        expect(readLines(log).at(-1)).toMatch(/^save-post\/notify SUCCESS=0/);
      } finally {
        child.kill('SIGKILL');
      }
    });
  }
});

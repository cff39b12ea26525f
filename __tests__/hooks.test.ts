import { readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hookEnvironment, type HookContext } from '../src/engine/hook-environment.js';
import { runHook } from '../src/engine/hook.js';
import { scratch, writeFile, writeHook } from './helpers/fixtures.js';

const ctx: HookContext = {
  command: 'save',
  stage: 'post',
  phase: 'post-save',
  configPath: '/etc/rekkord/rekkord.ini',
  channel: 'nightly',
  snapshot: null,
  destination: null,
  success: true,
  exitCode: 0,
  oid: 'M' + 'A'.repeat(64),
  cancelled: false,
};

async function run(
  dir: string,
  name: string,
  options: { timeoutMs?: number; env?: Record<string, string> } = {},
) {
  const out: Buffer[] = [];
  const result = await runHook(
    'pre-save',
    { name, path: path.join(dir, name), args: [] },
    {
      cwd: dir,
      env: { PATH: process.env.PATH, ...options.env },
      timeoutMs: options.timeoutMs ?? 0,
      onOutput: (c) => {
        out.push(c);
        return undefined;
      },
    },
  );
  return { result, output: Buffer.concat(out).toString() };
}

describe('hook environment', () => {
  it('gives post hooks SUCCESS and the context variables', () => {
    const env = hookEnvironment({ PATH: '/bin', SUCCESS: 'stale' }, ctx);
    expect(env).toMatchObject({
      PATH: '/bin',
      SUCCESS: '1',
      REKKORD_HOOK_COMMAND: 'save',
      REKKORD_HOOK_PHASE: 'post',
      REKKORD_HOOK_CONFIG: '/etc/rekkord/rekkord.ini',
      REKKORD_HOOK_CHANNEL: 'nightly',
      REKKORD_HOOK_EXIT_CODE: '0',
      REKKORD_HOOK_OID: ctx.oid,
    });
    expect(
      hookEnvironment({}, { ...ctx, success: false, exitCode: null, oid: null }),
    ).toMatchObject({
      SUCCESS: '0',
      REKKORD_HOOK_EXIT_CODE: '',
      REKKORD_HOOK_OID: '',
    });
  });

  it('gives pre hooks no SUCCESS, even one inherited from the runner', () => {
    const env = hookEnvironment({ SUCCESS: '1' }, { ...ctx, stage: 'pre', phase: 'pre-save' });
    expect(env.SUCCESS).toBeUndefined();
    expect(env.REKKORD_HOOK_OID).toBeUndefined();
    expect(env.REKKORD_HOOK_PHASE).toBe('pre');
  });
});

describe('running a hook', () => {
  it('runs it directly, no arguments, stdin closed, in the given folder, output passed on', async () => {
    const dir = scratch();
    writeHook(
      dir,
      'h',
      'echo "args=$# cwd=$(pwd)"; if read line; then echo "read: $line"; else echo "stdin closed"; fi; echo err >&2',
    );
    const { result, output } = await run(dir, 'h');
    expect(result).toMatchObject({ outcome: 'success', exitCode: 0, signal: null, message: '' });
    expect(output).toContain(`args=0 cwd=${dir}`);
    expect(output).toContain('stdin closed');
    expect(output).toContain('err');
  });

  it('reports a non-zero exit with the last lines of output', async () => {
    const dir = scratch();
    writeHook(dir, 'h', 'echo one; echo two >&2; exit 3');
    const { result } = await run(dir, 'h');
    expect(result).toMatchObject({
      outcome: 'failure',
      exitCode: 3,
      message: 'exited with code 3',
      tail: ['one', 'two'],
    });
  });

  it('reports a hook killed by a signal with the signal name', async () => {
    const dir = scratch();
    writeHook(dir, 'h', 'kill -KILL $$');
    const { result } = await run(dir, 'h');
    expect(result).toMatchObject({
      outcome: 'failure',
      exitCode: null,
      signal: 'SIGKILL',
      message: 'killed by SIGKILL',
    });
  });

  it('says why a hook cannot start', async () => {
    const dir = scratch();
    writeFile(path.join(dir, 'no-interp'), '#!/nonexistent/python9\n', 0o755);
    writeFile(path.join(dir, 'crlf'), '#!/bin/sh\r\necho hi\r\n', 0o755);
    expect((await run(dir, 'no-interp')).result).toMatchObject({
      outcome: 'not-started',
      message: 'not started: its interpreter "/nonexistent/python9" cannot be started (not found)',
    });
    expect((await run(dir, 'crlf')).result.message).toContain('carriage return');
  });

  it('runs a script without a #! line with /bin/sh, as execvp does', async () => {
    const dir = scratch();
    writeFile(path.join(dir, 'plain'), 'echo "no shebang, shell $0"\n', 0o755);
    const { result, output } = await run(dir, 'plain');
    expect(result.outcome).toBe('success');
    expect(output).toContain('no shebang');
  });

  it('does not start an entry discovery found a problem with', async () => {
    const result = await runHook(
      'pre-save',
      {
        name: 'x',
        path: '/x',
        args: [],
        problem: { kind: 'not-executable', message: 'it is not executable' },
      },
      {
        cwd: '/',
        env: {},
        timeoutMs: 0,
        onOutput: () => undefined,
      },
    );
    expect(result).toMatchObject({
      outcome: 'not-started',
      message: 'not started: it is not executable',
      durationMs: 0,
    });
  });

  it('stops a hook and its children at the timeout', async () => {
    const dir = scratch();
    const marker = path.join(dir, 'child-alive');
    writeHook(dir, 'h', `(sleep 2; echo alive > ${marker}) & sleep 30`);
    const { result } = await run(dir, 'h', { timeoutMs: 300 });
    expect(result.outcome).toBe('timed-out');
    expect(result.message).toBe('timed out after 0.3 s and was stopped');
    await new Promise((r) => setTimeout(r, 2500));
    expect(() => readFileSync(marker)).toThrow();
  });

  it('does not wait forever for a background child that keeps the output open', async () => {
    const dir = scratch();
    writeHook(dir, 'h', 'sleep 20 & echo started');
    const started = Date.now();
    const { result, output } = await run(dir, 'h');
    expect(result.outcome).toBe('success');
    expect(output).toContain('started');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports a hook that exited 0 as a success though a background child keeps printing', async () => {
    const dir = scratch();
    writeHook(dir, 'h', '( while :; do echo log; sleep 0.5; done ) & exit 0');
    const started = Date.now();
    const { result } = await run(dir, 'h', { timeoutMs: 1500 });
    expect(result).toMatchObject({ outcome: 'success', exitCode: 0, message: '' });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('says a hook whose #! interpreter is a symbolic link loop cannot start', async () => {
    const dir = scratch();
    symlinkSync(path.join(dir, 'loop'), path.join(dir, 'loop'));
    writeFile(path.join(dir, 'h'), `#!${path.join(dir, 'loop')}\n`, 0o755);
    expect((await run(dir, 'h')).result).toMatchObject({
      outcome: 'not-started',
      message: expect.stringContaining('symbolic link loop') as unknown,
    });
  });
});

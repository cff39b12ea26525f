import { existsSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProcess, type ProcessSpec } from '../src/process/index.js';
import { stripAnsi, Tail } from '../src/process/output-relay.js';
import { scratch, writeFile, writeHook } from './helpers/fixtures.js';

describe('the output tail', () => {
  it('keeps the last lines within a fixed number of bytes, however much passes', () => {
    const tail = new Tail();
    for (let i = 0; i < 100_000; i++) tail.push(Buffer.from(`line ${i}\n`));
    expect(tail.lines(3)).toEqual(['line 99997', 'line 99998', 'line 99999']);
    expect(Buffer.byteLength(tail.lines(1000).join('\n'))).toBeLessThan(16_384);
  });

  it('shows a last line without newline, invalid UTF-8 replaced, colours removed', () => {
    const tail = new Tail();
    tail.push(Buffer.from('\x1b[31mred\x1b[0m\n'));
    tail.push(Buffer.from([0x62, 0x61, 0x64, 0xff, 0x0a, 0x65, 0x6e, 0x64]));
    expect(tail.lines()).toEqual(['red', 'bad\uFFFD', 'end']);
  });

  it('strips colour and title escapes', () => {
    expect(stripAnsi('\x1b[1;32mok\x1b[0m \x1b]0;title\x07done')).toBe('ok done');
  });
});

function spec(file: string, extra: Partial<ProcessSpec> = {}): ProcessSpec & { out: Buffer[] } {
  const out: Buffer[] = [];
  return {
    file,
    args: [],
    cwd: path.dirname(file),
    env: { PATH: process.env.PATH },
    timeoutMs: 0,
    onOutput: (chunk) => {
      out.push(chunk);
      return undefined;
    },
    out,
    ...extra,
  };
}

describe('a process that cannot be started', () => {
  it('is a start error when the kernel finds a symbolic link loop (spawn throws ELOOP)', async () => {
    const dir = scratch();
    symlinkSync(path.join(dir, 'b'), path.join(dir, 'a'));
    symlinkSync(path.join(dir, 'a'), path.join(dir, 'b'));
    const hook = writeFile(path.join(dir, 'h'), `#!${path.join(dir, 'a')}\n`, 0o755);
    const exit = await runProcess(spec(hook));
    expect(exit).toMatchObject({ exitCode: null, signal: null, stoppedBy: null, tail: [] });
    expect(exit.startError).toContain('ELOOP');
  });

  it('is a start error when the environment is too large (spawn throws E2BIG)', async () => {
    const dir = scratch();
    const hook = writeHook(dir, 'h', 'echo never');
    // execve(2): one string longer than MAX_ARG_STRLEN (32 pages) is E2BIG.
    const exit = await runProcess(spec(hook, { env: { HUGE: 'x'.repeat(1024 * 1024) } }));
    expect(exit.startError).toContain('E2BIG');
    expect(exit.exitCode).toBeNull();
  });
});

describe('after the process exits', () => {
  const printer = (marker: string): string =>
    `( while :; do echo log; date +%s%N > '${marker}'; sleep 0.2; done ) & echo started; exit 0`;

  for (const timeoutMs of [0, 5000]) {
    it(`reads a background child's output for a second at most, then stops it (timeout ${timeoutMs})`, async () => {
      const dir = scratch();
      const marker = path.join(dir, 'alive');
      const run = spec(writeHook(dir, 'h', printer(marker)), { timeoutMs });
      const started = performance.now();
      const exit = await runProcess(run);
      expect(performance.now() - started).toBeLessThan(2500);
      expect(exit).toMatchObject({ exitCode: 0, signal: null, stoppedBy: null, startError: null });
      expect(Buffer.concat(run.out).toString()).toContain('started');
      // The leftover group was signalled: the marker stops changing.
      await new Promise((r) => setTimeout(r, 400));
      const last = statSync(marker).mtimeMs;
      await new Promise((r) => setTimeout(r, 600));
      expect(statSync(marker).mtimeMs).toBe(last);
    });
  }

  it('relays everything written before the exit, however slow the sink', async () => {
    const dir = scratch();
    const hook = writeHook(dir, 'h', 'head -c 2000000 /dev/zero | tr "\\0" y; exit 0');
    let bytes = 0;
    const exit = await runProcess(
      spec(hook, {
        onOutput: (chunk) => {
          bytes += chunk.length;
          return new Promise((r) => setTimeout(r, 60));
        },
      }),
    );
    expect(exit.exitCode).toBe(0);
    expect(bytes).toBe(2_000_000);
  });
});

describe('timeouts', () => {
  it('does not fire early for delays beyond what a Node timer holds', async () => {
    const dir = scratch();
    const hook = writeHook(dir, 'h', 'sleep 0.3; echo done');
    for (const timeoutMs of [2 ** 31 + 1000, 24 * 24 * 3600 * 1000, 2 ** 40]) {
      const exit = await runProcess(spec(hook, { timeoutMs }));
      expect(exit).toMatchObject({ exitCode: 0, stoppedBy: null });
    }
  });

  it('stops the whole group at the timeout, SIGKILL after the grace', async () => {
    const dir = scratch();
    const marker = path.join(dir, 'child');
    const hook = writeHook(
      dir,
      'h',
      `trap '' TERM; (trap '' TERM; sleep 1; touch '${marker}') & sleep 30`,
    );
    const started = performance.now();
    const exit = await runProcess(spec(hook, { timeoutMs: 200, killGraceMs: 300 }));
    expect(exit.stoppedBy).toBe('timeout');
    expect(exit.signal).toBe('SIGKILL');
    expect(performance.now() - started).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 1200));
    expect(existsSync(marker)).toBe(false);
  });
});

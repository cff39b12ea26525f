/**
 * Naming what a process left in its group: an empty group is told by one signal, without a scan
 * of `/proc`, whose cost grows with the host's process count. Reads of `/proc` are counted by a
 * wrapper that passes every call on to the real `readdir`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runProcess } from '../src/process/index.js';
import { groupMembers, signalGroup } from '../src/process/process-group.js';
import { scratch, writeHook } from './helpers/fixtures.js';

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return { ...real, readdir: vi.fn(real.readdir) };
});

const groups: number[] = [];

afterEach(() => {
  for (const pgid of groups.splice(0)) signalGroup(pgid, 'SIGKILL');
});

beforeEach(() => {
  vi.mocked(readdir).mockClear();
});

function procScans(): number {
  return vi.mocked(readdir).mock.calls.filter(([dir]) => dir === '/proc').length;
}

/** A process in a group of its own, as the action starts hooks; its group is killed after. */
function startGroup(file: string, args: string[]): ChildProcess {
  const child = spawn(file, args, { detached: true, stdio: 'ignore' });
  if (child.pid) groups.push(child.pid);
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
}

describe('the members of a process group', () => {
  it('are none, without a scan of /proc, once the group has ended and been reaped', async () => {
    const child = startGroup('/bin/sh', ['-c', 'exit 0']);
    await exited(child);
    expect(await groupMembers(child.pid ?? 0)).toEqual([]);
    expect(procScans()).toBe(0);
  });

  it('are named from /proc while the group lives, the leader first', async () => {
    const child = startGroup('/bin/sleep', ['30']);
    const members = await groupMembers(child.pid ?? 0);
    expect(members).toEqual([{ pid: child.pid, command: '/bin/sleep 30' }]);
    expect(procScans()).toBe(1);
  });
});

describe('after a hook exits', () => {
  const PATH = `/usr/bin:/bin`;

  it('a hook that left nothing costs no scan of /proc', async () => {
    const dir = scratch();
    const hook = writeHook(dir, 'quiet', 'echo done');
    const exit = await runProcess({
      file: hook,
      args: [],
      cwd: dir,
      env: { PATH },
      timeoutMs: 0,
      onOutput: () => undefined,
    });
    expect(exit).toMatchObject({ exitCode: 0, leftovers: [] });
    expect(procScans()).toBe(0);
  });

  it('a hook that left a process has it named and stopped', async () => {
    const dir = scratch();
    const marker = path.join(dir, 'left.pid');
    const hook = writeHook(dir, 'leaves', `sleep 37 >/dev/null 2>&1 & echo $! > '${marker}'`);
    let group = 0;
    const exit = await runProcess({
      file: hook,
      args: [],
      cwd: dir,
      env: { PATH },
      timeoutMs: 0,
      onOutput: () => undefined,
      onSpawn: (pgid) => groups.push((group = pgid)),
    });
    const pid = Number(readFileSync(marker, 'utf8'));
    expect(exit.leftovers).toEqual([{ pid, command: 'sleep 37' }]);
    expect(procScans()).toBeGreaterThan(0);
    expect(await groupMembers(group)).toEqual([]);
  });
});

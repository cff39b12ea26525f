/**
 * Process groups: every child runs in its own group (`detached`, i.e. setsid), so a timeout or a
 * cancel reaches everything it started. Checking whether a group still has a live member reads
 * `/proc` asynchronously and only while a stopped group is being waited for.
 */
import { readdir, readFile } from 'node:fs/promises';

/** Sends a signal to a whole process group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Whether `/proc/<pid>/stat` shows a live (not zombie) member of `pgid`. */
async function liveMember(pid: string, pgid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'latin1');
    // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses (proc(5)).
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(group) === pgid && state !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Whether a process group still has a live member. Zombies do not count: an orphan that has exited
 * stays a zombie until init reaps it, which some container inits do late.
 */
export async function groupAlive(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return true;
  }
  const live = await Promise.all(pids.map((pid) => liveMember(pid, pgid)));
  return live.includes(true);
}

const FIRST_CHECK_MS = 10;
const MAX_CHECK_MS = 100;

/** Waits until the group has no live process left, sending SIGKILL once `graceMs` has passed. */
export async function reapGroup(pgid: number, graceMs: number): Promise<void> {
  const until = performance.now() + graceMs;
  let wait = FIRST_CHECK_MS;
  while (await groupAlive(pgid)) {
    const left = until - performance.now();
    if (left <= 0) {
      signalGroup(pgid, 'SIGKILL');
      return;
    }
    await new Promise((r) => setTimeout(r, Math.min(wait, left)));
    wait = Math.min(wait * 2, MAX_CHECK_MS);
  }
}

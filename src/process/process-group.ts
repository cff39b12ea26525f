/**
 * Process groups: every child runs in its own group (`detached`, i.e. setsid), so a timeout or a
 * cancel reaches everything it started. Finding a group's live members reads `/proc`
 * asynchronously, and only once a signal 0 has found the group not empty.
 */
import { readFileSync } from 'node:fs';
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

/** The fields of `/proc/<pid>/stat` after `comm`, which may hold spaces and parentheses (proc(5)). */
function statFields(pid: number): string[] | null {
  try {
    return fieldsOf(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return null;
  }
}

/** "pid (comm) state ppid pgrp ...": the fields after `comm`, whatever `comm` holds. */
function fieldsOf(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * A process's start time (field 22 of `/proc/<pid>/stat`, clock ticks since boot): with the pid,
 * it names one process, as a pid alone is reused. Null when it cannot be read.
 */
export function processStartTime(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

/**
 * Whether `pgid` is still the group a run started: its leader is alive, leads the group, and has
 * the start time recorded when it was started. Why not, in words, or null when it is.
 */
export function groupMismatch(pgid: number, startTime: string): string | null {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) return `${pgid} is not a process group it started`;
  if (pgid === process.pid) return `${pgid} is this process`;
  const fields = statFields(pgid);
  if (!fields) return `its leader ${pgid} is gone`;
  const [state, , group] = fields;
  if (state === 'Z') return `its leader ${pgid} has exited`;
  if (Number(group) !== pgid) return `process ${pgid} no longer leads group ${pgid}`;
  if (fields[19] !== startTime) {
    return `process ${pgid} is not the one started (its start time differs: the pid was reused)`;
  }
  return null;
}

/**
 * The pids of a group's live members (zombies do not count: an orphan that has exited stays a
 * zombie until init reaps it, which some container inits do late). Scanning `/proc` costs a read
 * per process on the host, so an empty group, the usual case once a hook has exited, is told by one
 * signal 0 (ESRCH: no process has that group) and never scanned. Null when the group has members
 * but `/proc` cannot tell which (not Linux).
 */
async function livePids(pgid: number): Promise<string[] | null> {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    // EPERM means a member exists that this process may not signal: it is still looked for.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return [];
  }
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  const live = await Promise.all(pids.map((pid) => liveMember(pid, pgid)));
  return pids.filter((_, i) => live[i]);
}

/**
 * The live members of a group, pid and command line, the leader first; null when the group has
 * members that cannot be named (no `/proc`).
 */
export async function groupMembers(
  pgid: number,
): Promise<{ pid: number; command: string }[] | null> {
  const pids = await livePids(pgid);
  if (pids === null) return null;
  const members = await Promise.all(
    pids.map(async (pid) => ({
      pid: Number(pid),
      command: await readFile(`/proc/${pid}/cmdline`, 'utf8')
        .then((text) => text.replace(/\0+$/, '').replace(/\0/g, ' '))
        .catch(() => ''),
    })),
  );
  return members.sort((a, b) => (a.pid === pgid ? -1 : b.pid === pgid ? 1 : a.pid - b.pid));
}

/** Whether `/proc/<pid>/stat` shows a live (not zombie) member of `pgid`. */
async function liveMember(pid: string, pgid: number): Promise<boolean> {
  try {
    const [state, , group] = fieldsOf(await readFile(`/proc/${pid}/stat`, 'latin1'));
    return Number(group) === pgid && state !== 'Z';
  } catch {
    return false;
  }
}

/** Whether a process group still has a live member (without `/proc`, whether it has any). */
export async function groupAlive(pgid: number): Promise<boolean> {
  const pids = await livePids(pgid);
  return pids === null || pids.length > 0;
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

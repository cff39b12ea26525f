/**
 * Runs one child process the way hooks and Rekkord are run: directly (no shell), stdin closed, in
 * its own process group (so a timeout or a cancel stops everything it started), output passed on
 * live as raw bytes, and only a small tail kept in memory for the failure report.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { CANCEL_KILL_GRACE_MS, type Cancellation } from './cancel.js';
import { relayed } from './memory.js';

/** Takes output; a returned promise means "wait for it before sending more" (backpressure). */
export type OutputSink = (chunk: Buffer) => Promise<void> | undefined;

export interface ProcessSpec {
  file: string;
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  onOutput: OutputSink;
  /** Milliseconds before the group is terminated; 0 for no limit. */
  timeoutMs: number;
  /** How long the group gets after SIGTERM on timeout, before SIGKILL. */
  killGraceMs?: number;
  /** What a cancel does to this process. */
  cancel?: Cancellation;
  /**
   * `interrupt`: the group gets the cancel's signal, then SIGKILL if it does not end (pre hooks,
   * Rekkord). `deadline`: it may go on until the cancel budget runs out (post hooks, which put
   * things back).
   */
  onCancel?: 'interrupt' | 'deadline';
  /** Told the process group id once the child runs. */
  onSpawn?: (pgid: number) => void;
}

export type StopReason = 'timeout' | 'cancel';

export interface ProcessExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  /** Set when the process could not be started: why, in words. */
  startError: string | null;
  /** Set when the action stopped the process. */
  stoppedBy: StopReason | null;
  tail: string[];
}

const TAIL_BYTES = 8192;
const TAIL_LINES = 10;
/** After SIGTERM on timeout, how long the group gets before SIGKILL. */
export const KILL_GRACE_MS = 3000;
/** After exit, how long a background child may keep the output pipes open before they are closed. */
const DRAIN_MS = 1000;
const POLL_MS = 20;
/** After a cancel, a post hook past the budget gets this long after SIGTERM. */
const DEADLINE_KILL_GRACE_MS = 500;

/** Keeps the last few kilobytes of a stream, however much passes through. */
export class Tail {
  private chunks: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= TAIL_BYTES) {
      this.size -= this.chunks.shift()?.length ?? 0;
    }
  }

  lines(count = TAIL_LINES): string[] {
    const text = stripAnsi(Buffer.concat(this.chunks).subarray(-TAIL_BYTES).toString('utf8'));
    return text
      .split(/\r?\n|\r/)
      .map((l) => l.trimEnd())
      .filter((l) => l !== '')
      .slice(-count);
  }
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '');
}

/** Words for a failure to start, better than a bare errno (ENOENT for a missing interpreter...). */
async function startErrorText(file: string, error: NodeJS.ErrnoException): Promise<string> {
  const code = error.code ?? '';
  if (code === 'ENOENT') {
    const head = await readFile(file)
      .then((b) => b.subarray(0, 256).toString('utf8'))
      .catch(() => null);
    if (head === null) return `${file} does not exist`;
    if (head.startsWith('#!')) {
      const shebang = head.slice(2).split('\n')[0] ?? '';
      if (shebang.endsWith('\r')) {
        return 'its #! line ends with a carriage return (CRLF line endings); convert the file to LF';
      }
      return `its interpreter "${shebang.trim()}" cannot be started (not found)`;
    }
  }
  if (code === 'EACCES') return 'permission denied when starting it';
  return `it cannot be started (${code || error.message})`;
}

/** Sends a signal to a whole process group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a process group still has a live member. Zombies do not count: an orphan that has exited
 * stays a zombie until init reaps it, which some container inits do late.
 */
function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  try {
    return readdirSync('/proc').some((name) => {
      if (!/^\d+$/.test(name)) return false;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
        // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(group) === pgid && state !== 'Z';
      } catch {
        return false;
      }
    });
  } catch {
    return true;
  }
}

/** Waits until the group has no live process left, sending SIGKILL once `graceMs` has passed. */
export async function reapGroup(pgid: number, graceMs: number): Promise<void> {
  const until = performance.now() + graceMs;
  while (groupAlive(pgid)) {
    if (performance.now() >= until) {
      signalGroup(pgid, 'SIGKILL');
      return;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export function runProcess(spec: ProcessSpec): Promise<ProcessExit> {
  const started = performance.now();
  const tail = new Tail();
  return new Promise((resolve) => {
    let done = false;
    let stoppedBy: StopReason | null = null;
    let graceMs = 0;
    let unsubscribe = (): void => undefined;
    const timers: NodeJS.Timeout[] = [];
    const finish = (exit: Pick<ProcessExit, 'exitCode' | 'signal' | 'startError'>): void => {
      if (done) return;
      done = true;
      timers.forEach(clearTimeout);
      unsubscribe();
      const result = {
        ...exit,
        stoppedBy,
        durationMs: performance.now() - started,
        tail: tail.lines(),
      };
      // A stopped hook's background children go with it, within what is left of the grace.
      if (stoppedBy && child.pid !== undefined) {
        void reapGroup(child.pid, Math.max(0, graceMs - result.durationMs)).then(() => {
          resolve(result);
        });
      } else resolve(result);
    };

    const child = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let pauses = 0;
    let lastData = performance.now();
    const onData = (chunk: Buffer): void => {
      lastData = performance.now();
      tail.push(chunk);
      relayed(chunk.length);
      const wait = spec.onOutput(chunk);
      if (!wait) return;
      if (pauses++ === 0) {
        child.stdout.pause();
        child.stderr.pause();
      }
      void wait.finally(() => {
        if (--pauses === 0) {
          child.stdout.resume();
          child.stderr.resume();
        }
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);

    const stop = (reason: StopReason, signal: NodeJS.Signals, grace: number): void => {
      if (stoppedBy || child.pid === undefined) return;
      stoppedBy = reason;
      graceMs = performance.now() - started + grace;
      const pgid = child.pid;
      signalGroup(pgid, signal);
      timers.push(
        setTimeout(() => {
          signalGroup(pgid, 'SIGKILL');
        }, grace),
      );
    };

    if (spec.timeoutMs > 0) {
      timers.push(
        setTimeout(() => {
          stop('timeout', 'SIGTERM', spec.killGraceMs ?? KILL_GRACE_MS);
        }, spec.timeoutMs),
      );
    }

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return;
      void startErrorText(spec.file, error).then((text) => {
        finish({ exitCode: null, signal: null, startError: text });
      });
    });
    if (child.pid !== undefined) {
      spec.onSpawn?.(child.pid);
      const cancel = spec.cancel;
      if (cancel) {
        unsubscribe = cancel.onCancel((signal) => {
          if (spec.onCancel === 'deadline') {
            timers.push(
              setTimeout(() => {
                stop('cancel', 'SIGTERM', DEADLINE_KILL_GRACE_MS);
              }, cancel.remainingMs()),
            );
          } else stop('cancel', signal, CANCEL_KILL_GRACE_MS);
        });
      }
    }

    let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const settle = (): void => {
      if (exited) finish({ exitCode: exited.code, signal: exited.signal, startError: null });
    };
    // A background child may hold the pipes open forever: once the process has exited and its
    // output has been idle for a moment, stop waiting for them.
    const drain = (): void => {
      const idle = performance.now() - lastData;
      if (pauses > 0 || idle < DRAIN_MS) {
        timers.push(setTimeout(drain, DRAIN_MS - Math.min(idle, DRAIN_MS) + 1));
        return;
      }
      child.stdout.destroy();
      child.stderr.destroy();
      settle();
    };
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      timers.push(setTimeout(drain, DRAIN_MS));
    });
    child.on('close', settle);
  });
}

/**
 * Runs one child process the way hooks and Rekkord are run: directly (no shell), stdin closed, in
 * its own process group (so a timeout or a cancel stops everything it started), output passed on
 * live as raw bytes, and only a small tail kept in memory for the failure report.
 *
 * A run goes: start (a failure to start is a result, never a rejection) → wait for the child's
 * exit, with the timeout and the cancel armed → drain its output for a bounded time → if the
 * action stopped it, wait for its group to be gone. `ProcessRun` owns the state of one run.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { readHead } from '../kernel/files.js';
import type { Readable } from 'node:stream';
import { CANCEL_KILL_GRACE_MS, type Cancellation } from '../kernel/cancel.js';
import { OutputRelay, type OutputSink } from './output-relay.js';
import { groupMembers, reapGroup, signalGroup } from './process-group.js';
import { errnoSentence } from '../kernel/errors.js';

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
  /** From the start to the child's own exit. */
  durationMs: number;
  /** Set when the process could not be started: why, in words. */
  startError: string | null;
  /** Set when the action stopped the process. */
  stoppedBy: StopReason | null;
  tail: string[];
  /**
   * What was still running in the child's process group after it exited (background processes
   * it started without leaving its group): each was stopped.
   */
  leftovers: { pid: number; command: string }[];
}

/** After SIGTERM on timeout, how long the group gets before SIGKILL. */
export const KILL_GRACE_MS = 3000;
/** After exit, how long the output is still read (README: "a second later"). */
export const DRAIN_MS = 1000;
/** After a cancel, a post hook past the budget gets this long after SIGTERM. */
const DEADLINE_KILL_GRACE_MS = 500;
/** Node's timers hold at most 2^31-1 ms (Node's lib/internal/timers.js, TIMEOUT_MAX). */
const TIMER_MAX_MS = 2 ** 31 - 1;

/** `setTimeout` for any delay: longer ones are chained. Returns the cancel. */
export function setLongTimeout(callback: () => void, ms: number): () => void {
  const due = performance.now() + ms;
  let timer: NodeJS.Timeout;
  const step = (): void => {
    const left = due - performance.now();
    if (left > 1) timer = setTimeout(step, Math.min(left, TIMER_MAX_MS));
    else callback();
  };
  timer = setTimeout(step, Math.min(Math.max(ms, 0), TIMER_MAX_MS));
  return () => {
    clearTimeout(timer);
  };
}

/** Words for a failure to start, better than a bare errno (ENOENT for a missing interpreter...). */
async function startErrorText(file: string, error: NodeJS.ErrnoException): Promise<string> {
  const code = error.code ?? '';
  if (code === 'ENOENT') {
    const head = (await readHead(file, 256))?.toString('utf8') ?? null;
    if (head === null) return `${file} does not exist`;
    if (head.startsWith('#!')) {
      const shebang = head.slice(2).split('\n')[0] ?? '';
      if (shebang.endsWith('\r')) {
        return 'its #! line ends with a carriage return (CRLF line endings); convert the file to LF';
      }
      return `its interpreter "${shebang.trim()}" cannot be started (not found)`;
    }
  }
  return errnoSentence('it', error, 'start');
}

type Child = ChildProcessByStdio<null, Readable, Readable>;
type Ending = { code: number | null; signal: NodeJS.Signals | null } | { error: Error };

class ProcessRun {
  private readonly started = performance.now();
  private stoppedBy: StopReason | null = null;
  /** When a stopped group must be gone (SIGKILL is due then). */
  private killAt = 0;
  private killTimer: NodeJS.Timeout | undefined;
  /** Disarms what only matters while the child runs: timeout, cancel, deadline. */
  private readonly whileRunning: (() => void)[] = [];

  constructor(private readonly spec: ProcessSpec) {}

  async run(): Promise<ProcessExit> {
    let child: Child;
    try {
      child = spawn(this.spec.file, this.spec.args, {
        cwd: this.spec.cwd,
        env: this.spec.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
    } catch (error) {
      return this.notStarted(error as NodeJS.ErrnoException);
    }
    const relay = new OutputRelay([child.stdout, child.stderr], this.spec.onOutput);
    const ending = new Promise<Ending>((resolve) => {
      // After a successful start, 'error' only reports a failed kill: the exit still comes.
      child.on('error', (error) => {
        if (child.pid === undefined) resolve({ error });
      });
      child.once('exit', (code, signal) => {
        resolve({ code, signal });
      });
    });
    const pgid = child.pid;
    if (pgid !== undefined) this.watch(pgid);
    const end = await ending;
    this.whileRunning.forEach((disarm) => {
      disarm();
    });
    if ('error' in end || pgid === undefined) {
      relay.stop();
      return this.notStarted('error' in end ? end.error : new Error('no process id'));
    }
    const durationMs = performance.now() - this.started;
    await relay.drain(DRAIN_MS);
    // One rule, whether or not they hold the output: what the child left in its group is named
    // and stopped, so a run never ends with a hook's process silently stopped or left behind.
    // A service meant to outlive its hook leaves the group (systemctl, setsid).
    const members = this.stoppedBy ? [] : await groupMembers(pgid);
    // Without /proc (macOS) they cannot be named, but a group still alive is stopped all the same.
    const leftovers = members ?? [];
    if ((members === null || leftovers.length) && signalGroup(pgid, 'SIGTERM')) {
      await reapGroup(pgid, KILL_GRACE_MS);
    }
    // A stopped hook's background children go with it, within what is left of the grace.
    if (this.stoppedBy) {
      await reapGroup(pgid, Math.max(0, this.killAt - performance.now()));
      clearTimeout(this.killTimer);
    }
    return {
      exitCode: end.code,
      signal: end.signal,
      durationMs,
      startError: null,
      stoppedBy: this.stoppedBy,
      tail: relay.tail.lines(),
      leftovers,
    };
  }

  /** Arms the timeout and the cancel for a running child. */
  private watch(pgid: number): void {
    const { spec } = this;
    spec.onSpawn?.(pgid);
    if (spec.timeoutMs > 0) {
      const grace = spec.killGraceMs ?? KILL_GRACE_MS;
      this.whileRunning.push(
        setLongTimeout(() => {
          this.stop(pgid, 'timeout', 'SIGTERM', grace);
        }, spec.timeoutMs),
      );
    }
    const cancel = spec.cancel;
    if (!cancel) return;
    this.whileRunning.push(
      cancel.onCancel((signal) => {
        if (spec.onCancel !== 'deadline') {
          this.stop(pgid, 'cancel', signal, CANCEL_KILL_GRACE_MS);
          return;
        }
        const atDeadline = (): void => {
          this.stop(pgid, 'cancel', 'SIGTERM', DEADLINE_KILL_GRACE_MS);
        };
        const left = cancel.remainingMs();
        // An unbounded budget (the command line) has no clock: only `expire` ends the hook.
        if (Number.isFinite(left)) this.whileRunning.push(setLongTimeout(atDeadline, left));
        this.whileRunning.push(cancel.onExpire(atDeadline));
      }),
    );
  }

  /** Signals the group and sends SIGKILL after the grace, whether or not the child has exited. */
  private stop(pgid: number, reason: StopReason, signal: NodeJS.Signals, graceMs: number): void {
    if (this.stoppedBy) return;
    this.stoppedBy = reason;
    this.killAt = performance.now() + graceMs;
    signalGroup(pgid, signal);
    this.killTimer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), graceMs);
  }

  private async notStarted(error: NodeJS.ErrnoException): Promise<ProcessExit> {
    return {
      exitCode: null,
      signal: null,
      durationMs: performance.now() - this.started,
      startError: await startErrorText(this.spec.file, error),
      stoppedBy: null,
      tail: [],
      leftovers: [],
    };
  }
}

/** Runs the process to its end; resolves with how it ended, never rejects. */
export function runProcess(spec: ProcessSpec): Promise<ProcessExit> {
  return new ProcessRun(spec).run();
}

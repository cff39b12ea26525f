/**
 * Runs one child process the way hooks and Rekkord are run: directly (no shell), stdin closed, in
 * its own process group (so a timeout can stop everything it started), output passed on live as
 * raw bytes, and only a small tail kept in memory for the failure report.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface ProcessSpec {
  file: string;
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  onOutput: (chunk: Buffer) => void;
  /** Milliseconds before the group is terminated; 0 for no limit. */
  timeoutMs: number;
}

export interface ProcessExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  /** Set when the process could not be started: why, in words. */
  startError: string | null;
  timedOut: boolean;
  tail: string[];
}

const TAIL_BYTES = 8192;
const TAIL_LINES = 10;
/** After a kill on timeout, how long the group gets before SIGKILL. */
const KILL_GRACE_MS = 3000;
/** After exit, how long a background child may keep the output pipes open before they are closed. */
const DRAIN_MS = 1000;

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
  if (code === 'ENOENT' || code === 'ENOEXEC') {
    const head = await readFile(file)
      .then((b) => b.subarray(0, 256).toString('utf8'))
      .catch(() => null);
    if (head === null) return `${file} does not exist`;
    if (head.startsWith('#!')) {
      const shebang = head.slice(2).split('\n')[0] ?? '';
      if (shebang.endsWith('\r'))
        return 'its #! line ends with a carriage return (CRLF line endings); convert the file to LF';
      return `its interpreter "${shebang.trim()}" cannot be started (not found)`;
    }
  }
  if (code === 'EACCES') return 'permission denied when starting it';
  return `it cannot be started (${code || error.message})`;
}

export function runProcess(spec: ProcessSpec): Promise<ProcessExit> {
  const started = performance.now();
  const tail = new Tail();
  return new Promise((resolve) => {
    let done = false;
    let timedOut = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (exit: Omit<ProcessExit, 'durationMs' | 'tail' | 'timedOut'>): void => {
      if (done) return;
      done = true;
      timers.forEach(clearTimeout);
      resolve({ ...exit, timedOut, durationMs: performance.now() - started, tail: tail.lines() });
    };

    const child = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const onData = (chunk: Buffer): void => {
      tail.push(chunk);
      spec.onOutput(chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);

    const killGroup = (signal: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };

    if (spec.timeoutMs > 0) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          killGroup('SIGTERM');
          timers.push(
            setTimeout(() => {
              killGroup('SIGKILL');
            }, KILL_GRACE_MS),
          );
        }, spec.timeoutMs),
      );
    }

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (child.pid !== undefined) return;
      void startErrorText(spec.file, error).then((text) => {
        finish({ exitCode: null, signal: null, startError: text });
      });
    });

    let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const settle = (): void => {
      if (exited) finish({ exitCode: exited.code, signal: exited.signal, startError: null });
    };
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      // A background child may hold the pipes open forever: stop waiting for them after a moment.
      timers.push(
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          settle();
        }, DRAIN_MS),
      );
    });
    child.on('close', settle);
  });
}

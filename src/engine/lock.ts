/**
 * One run per config at a time: an exclusive kernel lock, `flock(2)`, on a file keyed by the
 * config's real path.
 *
 * Why this and not a library: Node has no `flock`. The npm lock libraries either build a native
 * addon (`fs-ext`, which ncc cannot bundle into `dist/`) or emulate a lock with `mkdir` and an
 * mtime (`proper-lockfile`), which judges a holder dead by a clock, not by its death, so a slow
 * run loses its lock and a killed one blocks until the stale time passes. A kernel lock belongs to
 * an open file: it goes the moment its holder dies, SIGKILL included, and two starters cannot both
 * get it. `flock(1)` is missing on macOS; Perl is on every GitHub runner and Essential on Debian
 * (`perl-base`, which holds Fcntl), so a tiny Perl holder keeps the lock for us:
 *
 * - it runs in its own session (`detached`), so a Ctrl-C to the terminal's group or a signal the
 *   run sends to its own group does not end it while post hooks still run;
 * - its stdin is a pipe from this process; libuv opens our end close-on-exec, so no hook inherits
 *   it. When this process ends for any reason the pipe closes, the holder reads EOF and exits, and
 *   the kernel drops the lock. A process a hook leaves behind does not keep it;
 * - it polls `LOCK_EX|LOCK_NB`, sleeping in `select` on stdin, so a run that gives up or dies while
 *   waiting takes its waiter with it at once;
 * - once locked it writes who holds it (our pid, command, start time) into the lock file, which a
 *   waiter reads when it gives up, to name the holder.
 *
 * Where the lock file lives: `/run/lock` (Linux: shared by all users, not hidden by systemd's
 * PrivateTmp, emptied at boot), else `/tmp` (macOS). Not next to the config: its folder may be
 * read-only or a git checkout (an untracked file). Not `$XDG_RUNTIME_DIR` or `os.tmpdir()`: both
 * differ per user or environment, and a root cron job and the runner user must see one lock. The
 * name hashes the real path, so a symlink and its target are one lock, and an editor that replaces
 * the config by rename keeps it. Lock files are never removed (removing one while another waits on
 * it would split the lock); each is a few hundred bytes.
 *
 * Limits: the lock is per machine. Runs on two machines that share the config (NFS) or in two
 * containers with their own `/run/lock` do not see each other. Waiting is polled (10 ms growing to
 * 100 ms), not first-come first-served. The folder is shared by all local users, so it serves runs
 * that cooperate, not a boundary: another local user who knows the config's path can hold its
 * lock, or remove a lock file they created. Needs `perl` on PATH; without it the run fails clearly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { Socket } from 'node:net';
import path from 'node:path';
import type { Cancellation } from '../kernel/cancel.js';
import { PreflightError } from '../kernel/errors.js';

/** Who holds a lock, as its holder recorded it. */
export interface LockHolder {
  /** The process of the run (not of its Perl holder). */
  pid: number;
  command: string;
  /** ISO 8601, when it got the lock. */
  since: string;
  /** Whether `pid` is still alive; false when the record is stale. */
  alive: boolean;
}

export interface LockOptions {
  /** How long to wait for another run, in seconds; 0 tries once. Infinity waits for ever. */
  waitSeconds: number;
  /** Gives up waiting (the run was cancelled). */
  signal?: AbortSignal;
  /** Where lock files live; defaults to `/run/lock`, else `/tmp`. */
  dir?: string;
  /** How the holder is named to a waiting run; defaults to this process's command line. */
  command?: string;
  /** Called once if the lock is lost while held (its holder process was killed). */
  onLost?: (reason: string) => void;
}

export interface Lock {
  /** The config's real path: what is locked. */
  config: string;
  /** The lock file. */
  path: string;
  /** How long taking the lock took, waiting for another run included. */
  waitedMs: number;
  /** Whether another run held the lock when this one asked (it then waited `waitedMs`). */
  contended: boolean;
  /** Whether the lock was lost while held (see `onLost`). */
  readonly lost: boolean;
  /** Releases the lock; resolves once it is free. Safe to call more than once. */
  release(): Promise<void>;
}

/** Another run held the lock for the whole wait. */
export class LockBusyError extends Error {
  readonly config: string;
  readonly lockPath: string;
  readonly holder: LockHolder | null;
  readonly waitedMs: number;

  constructor(config: string, lockPath: string, holder: LockHolder | null, waitedMs: number) {
    super(
      `another run holds the lock for ${config}: ${describeHolder(holder)}` +
        ` (waited ${formatSeconds(waitedMs)})`,
    );
    this.name = 'LockBusyError';
    this.config = config;
    this.lockPath = lockPath;
    this.holder = holder;
    this.waitedMs = waitedMs;
  }
}

/** The lock could not be taken at all (no Perl, the lock folder is not writable, cancelled). */
export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockError';
  }
}

function describeHolder(holder: LockHolder | null): string {
  if (!holder) return 'holder unknown';
  const who = `pid ${holder.pid} (${holder.command}) since ${holder.since}`;
  return holder.alive ? who : `holder unknown; last recorded ${who}, no longer running`;
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The default folder for lock files. */
function defaultLockDir(): string {
  try {
    if (process.platform === 'linux' && statSync('/run/lock').isDirectory()) return '/run/lock';
  } catch {
    // no /run/lock: fall through
  }
  return '/tmp';
}

/** The config's real path; a config not there yet is named by its absolute path. */
function lockedConfig(configPath: string): string {
  try {
    return realpathSync(configPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return path.resolve(configPath);
    throw error;
  }
}

/** The lock file for a config. */
export function lockPathFor(configPath: string, dir = defaultLockDir()): string {
  const key = createHash('sha256').update(lockedConfig(configPath)).digest('hex').slice(0, 32);
  return path.join(dir, `rekkord-hooks-${key}.lock`);
}

// The holder. Arguments: the lock file; what to record in it once locked; how many seconds to
// wait (-1: for ever; the sleeps are counted, as perl-base has no fine clock). It answers one line
// on stdout: "locked <failed tries>", "busy" (the wait ran out), or "error <what>: <errno text>".
// - No O_CREAT on an existing file: with fs.protected_regular, O_CREAT on another user's file in a
//   sticky folder fails even when it could be opened. A file made here is 0666 so every user's run
//   can record itself in it; one it cannot write is still locked, read-only.
// - O_NOFOLLOW, a regular file and a single link: a planted symlink or hard link in a shared folder
//   must not make us truncate someone's file.
const HOLDER = String.raw`
use strict;
use Fcntl qw(:DEFAULT :flock);
my ($path, $info, $left) = @ARGV;
$| = 1;
sub fail { print "error $_[0]: $!\n"; exit 2 }
my ($fh, $rw);
while (1) {
  if (sysopen($fh, $path, O_RDWR | O_NOFOLLOW)) { $rw = 1; last }
  if ($!{ENOENT}) {
    if (sysopen($fh, $path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0666)) {
      chmod(0666, $fh); $rw = 1; last;
    }
    next if $!{EEXIST};
    fail("create $path");
  }
  if ($!{EACCES} && sysopen($fh, $path, O_RDONLY | O_NOFOLLOW)) { $rw = 0; last }
  fail("open $path");
}
my @st = stat($fh) or fail("stat $path");
unless (-f _ && $st[3] == 1) { $! = 0; fail("$path is not a plain file") }
my $rin = ''; vec($rin, fileno(STDIN), 1) = 1;
my ($delay, $tries) = (0.01, 0);
until (flock($fh, LOCK_EX | LOCK_NB)) {
  $tries++;
  fail("lock $path") unless $!{EWOULDBLOCK} || $!{EAGAIN};
  if ($left >= 0 && $left <= 0) { print "busy\n"; exit 3 }
  my $d = $left >= 0 && $left < $delay ? $left : $delay;
  my $r = $rin;
  if (select($r, undef, undef, $d) > 0) { my $b; exit 0 unless sysread(STDIN, $b, 64) }
  $left -= $d if $left >= 0;
  $delay = $delay * 2 > 0.1 ? 0.1 : $delay * 2;
}
my @t = gmtime();
my $now = sprintf('%04d-%02d-%02dT%02d:%02d:%02dZ', $t[5] + 1900, $t[4] + 1, @t[3, 2, 1, 0]);
$info =~ s/^\{"since":""/{"since":"$now"/;
if ($rw) { truncate($fh, 0); sysseek($fh, 0, 0); syswrite($fh, $info) }
print "locked $tries\n";
my $b;
1 while sysread(STDIN, $b, 64);
truncate($fh, 0) if $rw;
exit 0;
`;

const MAX_COMMAND = 200;
const MAX_RECORD = 4096;
const RELEASE_GRACE_MS = 2000;
// Longer than a timer can count (24.8 days) is for ever.
const MAX_TIMER_MS = 2 ** 31 - 1;
// Beyond the wait: Perl's start-up, and a machine under load.
const WAIT_SLACK_MS = 10_000;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder recorded in a lock file, or null when there is none or it does not parse. */
export function readHolder(lockPath: string): LockHolder | null {
  const text = readRecord(lockPath);
  if (text === null) return null;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof record !== 'object' || record === null) return null;
  const { pid, command, since } = record as Record<string, unknown>;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return null;
  if (typeof command !== 'string' || typeof since !== 'string') return null;
  return {
    pid: pid as number,
    // Anyone may write the file: keep it one short printable line.
    command: clean(command, MAX_COMMAND),
    since: clean(since, 40),
    alive: isAlive(pid as number),
  };
}

/**
 * The first bytes of the lock file. Its owner may have swapped it for a FIFO or a symlink since:
 * never follow, never block, read only a plain file, and only so much.
 */
function readRecord(lockPath: string): string | null {
  let fd: number;
  try {
    fd = openSync(lockPath, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!fstatSync(fd).isFile()) return null;
    const buffer = Buffer.alloc(MAX_RECORD);
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, MAX_RECORD, 0));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The holder, read again shortly when a holder that has just got the lock has not written yet. */
async function holderOf(lockPath: string): Promise<LockHolder | null> {
  const holder = readHolder(lockPath);
  if (holder) return holder;
  await new Promise((r) => setTimeout(r, 200));
  return readHolder(lockPath);
}

function clean(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function unrefStreams(child: ChildProcess): void {
  for (const stream of [child.stdin, child.stdout, child.stderr])
    if (stream instanceof Socket) stream.unref();
  child.unref();
}

/**
 * Takes the lock for a config, waiting up to `waitSeconds` for another run to release it. Rejects
 * with `LockBusyError` (naming the holder) when the wait runs out, `LockError` otherwise.
 */
export async function acquireLock(configPath: string, options: LockOptions): Promise<Lock> {
  const { waitSeconds, signal } = options;
  if (!(waitSeconds >= 0)) throw new LockError(`lock wait must be 0 or more seconds`);
  const config = lockedConfig(configPath);
  const lockPath = lockPathFor(config, options.dir);
  // `since` first and empty: the holder fills it in when it gets the lock.
  const record = JSON.stringify({
    since: '',
    pid: process.pid,
    command: clean(options.command ?? process.argv.join(' '), MAX_COMMAND),
    config,
  });
  const started = performance.now();

  return await new Promise<Lock>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new LockError(`cancelled while waiting for the lock for ${config}`));
      return;
    }
    let child: ChildProcess;
    try {
      // A bare environment: PERL5OPT or PERL5LIB must not run code in the holder.
      const wait = waitSeconds * 1000 <= MAX_TIMER_MS ? String(waitSeconds) : '-1';
      child = spawn('perl', ['-e', HOLDER, lockPath, record, wait], {
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
      });
    } catch (error) {
      reject(new LockError(`cannot start perl to take the lock: ${String(error)}`));
      return;
    }
    let state: 'waiting' | 'held' | 'done' = 'waiting';
    let lost = false;
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<void>((done) => {
      child.once('close', () => {
        done();
      });
    });

    const cleanupWait = (): void => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    // Rejects once the holder has exited, so no waiter outlives a failed acquire.
    const giveUp = (error: Error | Promise<Error>): void => {
      if (state !== 'waiting') return;
      state = 'done';
      cleanupWait();
      child.kill('SIGKILL');
      void Promise.all([error, exited]).then(([e]) => {
        reject(e);
      });
    };
    const onAbort = (): void => {
      giveUp(new LockError(`cancelled while waiting for the lock for ${config}`));
    };

    child.on('error', (error) => {
      giveUp(new LockError(`cannot start perl to take the lock: ${error.message}`));
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_RECORD) stderr += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0] ?? '';
      if (!stdout.includes('\n') || state !== 'waiting') return;
      if (line === 'busy') {
        const waitedMs = Math.round(performance.now() - started);
        giveUp(
          holderOf(lockPath).then(
            (holder) => new LockBusyError(config, lockPath, holder, waitedMs),
          ),
        );
        return;
      }
      const locked = /^locked (\d+)$/.exec(line);
      if (!locked) {
        giveUp(new LockError(`cannot take the lock for ${config}: ${line.replace(/^error /, '')}`));
        return;
      }
      state = 'held';
      cleanupWait();
      unrefStreams(child);
      const waitedMs = Math.round(performance.now() - started);
      let released: Promise<void> | undefined;
      resolve({
        config,
        path: lockPath,
        waitedMs,
        contended: locked[1] !== '0',
        get lost() {
          return lost;
        },
        release() {
          released ??= (async () => {
            state = 'done';
            child.stdin?.end();
            const grace = setTimeout(() => child.kill('SIGKILL'), RELEASE_GRACE_MS);
            await exited;
            clearTimeout(grace);
          })();
          return released;
        },
      });
    });
    child.once('close', (code, sig) => {
      if (state === 'held') {
        lost = true;
        state = 'done';
        options.onLost?.(`the lock holder for ${config} ended (${sig ?? `exit ${code}`})`);
        return;
      }
      const why = stderr.trim() || stdout.trim() || (sig ?? `exit ${code}`);
      giveUp(new LockError(`cannot take the lock for ${config}: perl: ${why}`));
    });

    // Perl keeps the deadline; this only guards against a holder that never answers.
    if (waitSeconds * 1000 + WAIT_SLACK_MS <= MAX_TIMER_MS) {
      timer = setTimeout(
        () => {
          giveUp(new LockError(`the lock holder for ${config} did not answer`));
        },
        waitSeconds * 1000 + WAIT_SLACK_MS,
      );
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A lock a run holds, and how long it waited for it. */
export interface HeldLock {
  lock: Lock;
  /** How long the run waited for another one; 0 when the lock was free. */
  waitedMs: number;
}

/**
 * Takes a run's lock: at once when it is free, else after telling who holds it (`note`) and
 * waiting up to `waitSeconds`; a cancel stops the wait. No hook has run yet, so failing here is
 * a preflight error. A lock lost while held (its holder killed) is told through `note` too.
 */
export async function takeLock(
  key: string,
  waitSeconds: number,
  cancel: Cancellation,
  note?: (text: string) => void,
): Promise<HeldLock> {
  const started = performance.now();
  const controller = new AbortController();
  const stopWatching = cancel.onCancel(() => {
    controller.abort();
  });
  const onLost = (reason: string): void => {
    note?.(`The run's lock was lost: ${reason}; another run on the same config may start now`);
  };
  try {
    try {
      return {
        lock: await acquireLock(key, { waitSeconds: 0, signal: controller.signal, onLost }),
        waitedMs: 0,
      };
    } catch (error) {
      if (!(error instanceof LockBusyError) || waitSeconds === 0) throw error;
      note?.(
        `Waiting up to ${waitSeconds} s for another run on ${error.config}: ${describeHolder(error.holder)}`,
      );
    }
    const lock = await acquireLock(key, { waitSeconds, signal: controller.signal, onLost });
    return { lock, waitedMs: Math.max(1, Math.round(performance.now() - started)) };
  } catch (error) {
    if (error instanceof LockBusyError || error instanceof LockError) {
      throw new PreflightError(`No hook ran: ${error.message}`);
    }
    throw error;
  } finally {
    stopWatching();
  }
}

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  acquireLock,
  LockBusyError,
  LockError,
  lockPathFor,
  readHolder,
  takeLock,
  type Lock,
  type LockOptions,
} from '../src/engine/lock.js';
import { readLines, scratch, writeFile } from './helpers/fixtures.js';
import { Cancellation } from '../src/kernel/cancel.js';

const LOCK_MODULE = fileURLToPath(new URL('../src/engine/lock.ts', import.meta.url));
// lock.ts imports the kernel's errors: its `.js` imports resolve to `src/` as tsc maps them.
const MODULE_HOOKS = fileURLToPath(new URL('../scripts/module-hooks.ts', import.meta.url));

// A run in another process: takes the lock, says "held <pid>", records its time in the lock in
// LOG, then does what MODE says. Node runs the TypeScript module itself (type stripping).
const HOLDER = `
import { appendFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { acquireLock } from ${JSON.stringify(LOCK_MODULE)};
const [config, dir, log, mode, holdMs, wait] = process.argv.slice(2);
if (mode === 'cycle') {
  // All start together once the test says go, so they do contend.
  console.log('ready');
  while (!existsSync(\`\${log}.go\`)) await new Promise((r) => setTimeout(r, 5));
}
if (mode === 'hold-int') process.on('SIGINT', () => console.log('sigint'));
const lock = await acquireLock(config, { waitSeconds: Number(wait), dir });
const now = () => Date.now();
// Clock-free: a second holder finds the first one's mark.
if (mode === 'cycle') {
  try {
    writeFileSync(\`\${log}.owner\`, String(process.pid), { flag: 'wx' });
  } catch {
    appendFileSync(log, \`overlap \${process.pid}\\n\`);
  }
}
appendFileSync(log, \`enter \${process.pid} \${now()} \${lock.waitedMs}\\n\`);
if (mode === 'leftover') {
  // What a hook can leave behind: a process that outlives this run.
  const left = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  left.unref();
  console.log(\`leftover \${left.pid}\`);
}
console.log(\`held \${process.pid}\`);
if (mode.startsWith('hold') || mode === 'leftover') setInterval(() => {}, 1000);
else if (mode === 'cycle') {
  await new Promise((r) => setTimeout(r, Number(holdMs)));
  appendFileSync(log, \`exit \${process.pid} \${now()}\\n\`);
  rmSync(\`\${log}.owner\`);
  await lock.release();
} else if (mode === 'throw') throw new Error('the run failed');
else if (mode === 'exit') process.exit(3);
// 'forget': the event loop ends with the lock never released.
`;

const children: ChildProcess[] = [];
const leftovers: number[] = [];
const locks: Lock[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const pid of leftovers.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await Promise.all(locks.splice(0).map((lock) => lock.release()));
});

interface Fixture {
  dir: string;
  lockDir: string;
  config: string;
  script: string;
  log: string;
}

function fixture(): Fixture {
  const dir = scratch();
  const lockDir = path.join(dir, 'locks');
  mkdirSync(lockDir);
  return {
    dir,
    lockDir,
    config: writeFile(path.join(dir, 'rekkord.ini'), '[Repository]\nURL = repo\n'),
    script: writeFile(path.join(dir, 'holder.ts'), HOLDER),
    log: path.join(dir, 'times.log'),
  };
}

async function take(config: string, options: LockOptions): Promise<Lock> {
  const lock = await acquireLock(config, options);
  locks.push(lock);
  return lock;
}

/** Starts a run in another process; `line` resolves with the first stdout line starting so. */
function start(
  f: Fixture,
  mode: string,
  { holdMs = 0, wait = 10, config = f.config, detached = false } = {},
): { child: ChildProcess; line: (prefix: string) => Promise<string>; exited: Promise<number> } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      MODULE_HOOKS,
      f.script,
      config,
      f.lockDir,
      f.log,
      mode,
      String(holdMs),
      String(wait),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached },
  );
  children.push(child);
  let out = '';
  const collect = (chunk: Buffer): void => {
    out += chunk.toString();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number>((resolve) =>
    child.once('close', (code) => {
      resolve(code ?? -1);
    }),
  );
  const line = async (prefix: string): Promise<string> => {
    const until = performance.now() + 15_000;
    for (;;) {
      const found = out.split('\n').find((l) => l.startsWith(prefix));
      if (found !== undefined) return found;
      if (child.exitCode !== null || performance.now() > until)
        throw new Error(`no "${prefix}" line; output: ${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, line, exited };
}

/** Our live Perl children: the holders this process started. */
function ourHolders(): number[] {
  const kids: number[] = [];
  for (const task of readdirSync(`/proc/${process.pid}/task`)) {
    const text = readFileSync(`/proc/${process.pid}/task/${task}/children`, 'utf8');
    for (const pid of text.split(' ').filter(Boolean).map(Number)) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (stat.includes('(perl)') && !/\) Z /.test(stat)) kids.push(pid);
      } catch {
        // exited meanwhile
      }
    }
  }
  return kids;
}

async function busy(config: string, options: LockOptions): Promise<LockBusyError> {
  const error: unknown = await acquireLock(config, options).then(
    (lock) => {
      locks.push(lock);
      return null;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LockBusyError);
  return error as LockBusyError;
}

describe('the lock for a config', () => {
  it('makes a second run wait until the first releases, and says how long it waited', async () => {
    const f = fixture();
    const first = await take(f.config, { waitSeconds: 0, dir: f.lockDir });
    expect(first.config).toBe(f.config);
    const second = take(f.config, { waitSeconds: 10, dir: f.lockDir });
    await new Promise((r) => setTimeout(r, 400));
    await first.release();
    const got = await second;
    expect(first.contended).toBe(false);
    expect(got.contended).toBe(true);
    expect(got.waitedMs).toBeGreaterThanOrEqual(400);
    expect(got.waitedMs).toBeLessThan(5000);
    expect(got.path).toBe(first.path);
  });

  it('fails after the wait, naming the holder: pid, command and since when', async () => {
    const f = fixture();
    const run = start(f, 'hold');
    const pid = Number((await run.line('held ')).split(' ')[1]);
    const error = await busy(f.config, { waitSeconds: 0.5, dir: f.lockDir });
    expect(error.waitedMs).toBeGreaterThanOrEqual(500);
    expect(error.holder).toMatchObject({ pid, alive: true });
    expect(error.holder?.command).toContain('holder.ts');
    const since = Date.parse(error.holder?.since ?? '');
    expect(Math.abs(Date.now() - since)).toBeLessThan(60_000);
    expect(error.message).toMatch(
      new RegExp(
        `^another run holds the lock for ${f.config}: pid ${pid} \\(.*holder\\.ts.*\\) since \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z \\(waited \\d+\\.\\d s\\)$`,
      ),
    );
    expect(ourHolders()).toEqual([]);
  });

  it('tries once when the wait is 0', async () => {
    const f = fixture();
    await take(f.config, { waitSeconds: 0, dir: f.lockDir });
    const error = await busy(f.config, { waitSeconds: 0, dir: f.lockDir });
    expect(error.waitedMs).toBeLessThan(3000);
    expect(error.holder?.pid).toBe(process.pid);
  });

  it('is free at once when its holder is killed with SIGKILL, though a process it left lives on', async () => {
    const f = fixture();
    const run = start(f, 'leftover');
    leftovers.push(Number((await run.line('leftover ')).split(' ')[1]));
    await run.line('held ');
    await busy(f.config, { waitSeconds: 0, dir: f.lockDir });
    run.child.kill('SIGKILL');
    await run.exited;
    const lock = await take(f.config, { waitSeconds: 5, dir: f.lockDir });
    expect(lock.waitedMs).toBeLessThan(3000);
    // The leftover still runs: it did not inherit the pipe that ties the lock to the run.
    expect(() => {
      process.kill(leftovers[0] ?? 0, 0);
    }).not.toThrow();
  });

  it('stays held when the process group of the run gets a SIGINT (Ctrl-C) that the run handles', async () => {
    const f = fixture();
    const run = start(f, 'hold-int', { detached: true });
    await run.line('held ');
    process.kill(-(run.child.pid ?? 0), 'SIGINT');
    await run.line('sigint');
    await new Promise((r) => setTimeout(r, 200));
    await busy(f.config, { waitSeconds: 0, dir: f.lockDir });
  });

  it('never has two holders among many runs started at once', async () => {
    const f = fixture();
    const runs = Array.from({ length: 8 }, () => start(f, 'cycle', { holdMs: 100, wait: 60 }));
    await Promise.all(runs.map((r) => r.line('ready')));
    writeFileSync(`${f.log}.go`, '');
    expect(await Promise.all(runs.map((r) => r.exited))).toEqual(Array(8).fill(0));
    const events = readLines(f.log).map((l) => {
      const [what, pid, , waited] = l.split(' ');
      return { what, pid, waited: Number(waited) };
    });
    expect(events).toHaveLength(16);
    // They did contend: most waited for another.
    const waited = events.filter((e) => e.what === 'enter' && e.waited >= 100);
    expect(waited.length).toBeGreaterThanOrEqual(4);
    // In the order written (O_APPEND), not by clock, since clocks of processes may disagree by a
    // little: strictly alternating, each enter followed by the same run's exit.
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i]?.what).toBe('enter');
      expect(events[i + 1]).toMatchObject({ what: 'exit', pid: events[i]?.pid });
    }
  });

  it('does not make runs on different configs wait for each other', async () => {
    const f = fixture();
    const other = writeFile(path.join(f.dir, 'other.ini'), '[Repository]\nURL = other\n');
    const one = await take(f.config, { waitSeconds: 0, dir: f.lockDir });
    const two = await take(other, { waitSeconds: 0, dir: f.lockDir });
    expect(two.path).not.toBe(one.path);
  });

  it('is one lock for a config named through a symbolic link', async () => {
    const f = fixture();
    const link = path.join(f.dir, 'link.ini');
    symlinkSync(f.config, link);
    expect(lockPathFor(link, f.lockDir)).toBe(lockPathFor(f.config, f.lockDir));
    const held = await take(f.config, { waitSeconds: 0, dir: f.lockDir });
    const error = await busy(link, { waitSeconds: 0, dir: f.lockDir });
    expect(error.config).toBe(f.config);
    await held.release();
    const lock = await take(link, { waitSeconds: 0, dir: f.lockDir });
    expect(lock.config).toBe(f.config);
  });

  it('keeps the lock file (shared by all users) and clears the record on release', async () => {
    const f = fixture();
    const lock = await take(f.config, { waitSeconds: 0, dir: f.lockDir, command: 'save #1' });
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({
      pid: process.pid,
      command: 'save #1',
      config: f.config,
    });
    expect(statSync(lock.path).mode & 0o777).toBe(0o666);
    await lock.release();
    expect(readFileSync(lock.path, 'utf8')).toBe('');
  });
});

describe('releasing the lock', () => {
  it('is idempotent, and leaves no holder process behind', async () => {
    const f = fixture();
    const lock = await take(f.config, { waitSeconds: 0, dir: f.lockDir });
    expect(ourHolders()).toHaveLength(1);
    await Promise.all([lock.release(), lock.release()]);
    await lock.release();
    expect(ourHolders()).toEqual([]);
    expect(lock.lost).toBe(false);
    await take(f.config, { waitSeconds: 0, dir: f.lockDir });
  });

  it.each(['throw', 'exit', 'forget'])(
    'happens when a run ends without releasing it (%s), and does not keep the run alive',
    async (mode) => {
      const f = fixture();
      const run = start(f, mode);
      await run.line('held ');
      expect(await run.exited).not.toBe(-1);
      const lock = await take(f.config, { waitSeconds: 5, dir: f.lockDir });
      expect(lock.waitedMs).toBeLessThan(3000);
    },
  );

  it('reports a lock lost when its holder process is killed', async () => {
    const f = fixture();
    const reasons: string[] = [];
    const lock = await take(f.config, {
      waitSeconds: 0,
      dir: f.lockDir,
      onLost: (reason) => reasons.push(reason),
    });
    const [holder] = ourHolders();
    process.kill(holder ?? 0, 'SIGKILL');
    const until = performance.now() + 5000;
    while (!lock.lost && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(lock.lost).toBe(true);
    expect(reasons).toEqual([expect.stringContaining('SIGKILL')]);
    await lock.release();
  });
});

describe("a run's lock", () => {
  it('tells the run when it is lost while held', async () => {
    const config = writeFile(path.join(scratch(), 'rekkord.ini'), '');
    const notes: string[] = [];
    const held = await takeLock(config, 0, new Cancellation(), (text) => notes.push(text));
    try {
      const [holder] = ourHolders();
      process.kill(holder ?? 0, 'SIGKILL');
      const until = performance.now() + 5000;
      while (!notes.length && performance.now() < until) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(notes).toEqual([
        expect.stringMatching(
          /^The run's lock was lost: .*SIGKILL.*another run on the same config may start now$/,
        ),
      ]);
    } finally {
      await held.lock.release();
    }
  });
});

describe('a lock that cannot be taken', () => {
  it('stops waiting when the run is cancelled, and leaves no waiter behind', async () => {
    const f = fixture();
    await take(f.config, { waitSeconds: 0, dir: f.lockDir });
    const cancel = new AbortController();
    setTimeout(() => {
      cancel.abort();
    }, 300);
    const started = performance.now();
    await expect(
      acquireLock(f.config, { waitSeconds: 30, dir: f.lockDir, signal: cancel.signal }),
    ).rejects.toThrow(/^cancelled while waiting for the lock for /);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(ourHolders()).toHaveLength(1);
  });

  it('says why when the lock folder is missing', async () => {
    const f = fixture();
    const missing = path.join(f.dir, 'no-such-folder');
    await expect(acquireLock(f.config, { waitSeconds: 0, dir: missing })).rejects.toThrow(
      LockError,
    );
    await expect(acquireLock(f.config, { waitSeconds: 0, dir: missing })).rejects.toThrow(
      /No such file or directory/,
    );
  });

  it.each(['symbolic link', 'hard link'])(
    'refuses a %s planted at the lock path, and leaves its target alone',
    async (kind) => {
      const f = fixture();
      const victim = writeFile(path.join(f.dir, 'victim'), 'precious\n');
      const at = lockPathFor(f.config, f.lockDir);
      if (kind === 'symbolic link') symlinkSync(victim, at);
      else linkSync(victim, at);
      await expect(acquireLock(f.config, { waitSeconds: 0, dir: f.lockDir })).rejects.toThrow(
        LockError,
      );
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    },
  );

  it('names no holder, without blocking, when the lock file was swapped for a FIFO', async () => {
    const f = fixture();
    await take(f.config, { waitSeconds: 0, dir: f.lockDir });
    const at = lockPathFor(f.config, f.lockDir);
    rmSync(at);
    execFileSync('mkfifo', [at]);
    // The held lock is on the unlinked file; this run's holder refuses the FIFO.
    await expect(acquireLock(f.config, { waitSeconds: 0, dir: f.lockDir })).rejects.toThrow(
      /is not a plain file/,
    );
    expect(readHolder(at)).toBeNull();
  });

  it('names no holder when the record is not one', async () => {
    const f = fixture();
    await take(f.config, { waitSeconds: 0, dir: f.lockDir });
    writeFileSync(lockPathFor(f.config, f.lockDir), 'garbage');
    const error = await busy(f.config, { waitSeconds: 0, dir: f.lockDir });
    expect(error.holder).toBeNull();
    expect(error.message).toContain(': holder unknown (waited');
  });

  it('rejects a negative wait', async () => {
    await expect(acquireLock('/x', { waitSeconds: -1 })).rejects.toThrow(LockError);
  });
});

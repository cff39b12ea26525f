/**
 * sqlite-backup, sqlite-cleanup and sqlite-drill with Debian's sqlite3, against a writer that
 * commits in a loop while the battery copies, in both journal modes. In rollback-journal mode a
 * reader without a busy timeout gets "database is locked" against such a writer; the battery waits
 * (busy timeout) and retries a bounded number of times.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireTool, roundTrip, runBattery, siblings } from '../harness/servers.js';

let work: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  requireTool('sqlite3', 'sqlite3');
  work = mkdtempSync(path.join(os.tmpdir(), 'battery-sqlite-test-'));
});

afterEach(async () => {
  // Every writer stops on every path, even when an assertion failed.
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

function sqlite(db: string, sql: string): string {
  const res = spawnSync('sqlite3', ['-bail', '-batch', db, '.timeout 10000', sql], {
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`sqlite3 failed: ${res.stderr}`);
  return res.stdout.trim();
}

const ROWS_PER_COMMIT = 100;

function createDatabase(file: string, journal: 'wal' | 'delete'): void {
  sqlite(
    file,
    `PRAGMA journal_mode=${journal}; CREATE TABLE t (id INTEGER PRIMARY KEY, batch INT, v BLOB); CREATE TABLE other (x); INSERT INTO other VALUES (1), (2);`,
  );
}

/**
 * One sqlite3 process committing `commits` transactions of ROWS_PER_COMMIT rows, as fast as it
 * can, with a busy timeout of its own (a writer without one would fail, not the battery).
 */
function startWriter(file: string, commits: number): ChildProcess {
  const script = path.join(work, `writer-${String(children.length)}.sql`);
  const fd = openSync(script, 'w');
  writeSync(fd, '.timeout 20000\n');
  for (let i = 1; i <= commits; i++) {
    writeSync(
      fd,
      `BEGIN IMMEDIATE; INSERT INTO t (batch, v) SELECT ${String(i)}, randomblob(40) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${String(ROWS_PER_COMMIT)}) SELECT x FROM c); COMMIT;\n`,
    );
  }
  closeSync(fd);
  const input = openSync(script, 'r');
  const child = spawn('sqlite3', ['-bail', '-batch', file], { stdio: [input, 'ignore', 'pipe'] });
  closeSync(input);
  children.push(child);
  return child;
}

async function waitForRows(file: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Number(sqlite(file, 'SELECT count(*) FROM t')) === 0) {
    if (Date.now() > deadline) throw new Error('the writer wrote nothing');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(['delete', 'wal'] as const)('sqlite-backup, journal mode %s', (journal) => {
  it('copies a database that a writer keeps committing to, consistently', async () => {
    const dir = path.join(work, `busy-${journal}`);
    const db = path.join(dir, 'app.db');
    const backup = path.join(dir, 'backup');
    mkdirSync(dir);
    createDatabase(db, journal);
    const writer = startWriter(db, 20_000);
    let writerErrors = '';
    writer.stderr?.setEncoding('utf8').on('data', (d: string) => (writerErrors += d));
    await waitForRows(db);
    const res = await runBattery('sqlite-backup', {
      SQLITE_DATABASES: db,
      SQLITE_BACKUP_DIR: backup,
    });
    // The writer was still at work when the copy ended, and none of its commits failed.
    expect(writer.exitCode).toBe(null);
    expect(writerErrors).toBe('');
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('integrity ok');
    const copy = path.join(backup, 'app.db');
    expect(sqlite(copy, 'PRAGMA integrity_check')).toBe('ok');
    // A consistent snapshot: whole transactions only.
    const [rows, batches] = sqlite(copy, 'SELECT count(*), count(DISTINCT batch) FROM t')
      .split('|')
      .map(Number);
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBe((batches ?? 0) * ROWS_PER_COMMIT);
    expect(sqlite(copy, 'SELECT count(*) FROM other')).toBe('2');
    expect(siblings(backup)).toEqual([]);
  });
});

describe('sqlite-backup under a lock held longer than its busy timeout', () => {
  async function holdLock(db: string, seconds: number): Promise<ChildProcess> {
    const holder = spawn('sqlite3', ['-bail', '-batch', db], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(holder);
    const locked = new Promise<void>((resolve) => {
      holder.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (d.includes('locked')) resolve();
      });
    });
    holder.stdin.end(
      `BEGIN EXCLUSIVE;\nINSERT INTO other VALUES (3);\n.print locked\n.shell sleep ${String(seconds)}\nCOMMIT;\n`,
    );
    await locked;
    return holder;
  }

  it('fails after its bounded retries, leaving nothing', async () => {
    const db = path.join(work, 'locked.db');
    const backup = path.join(work, 'locked-backup');
    createDatabase(db, 'delete');
    await holdLock(db, 6);
    const res = await runBattery('sqlite-backup', {
      SQLITE_DATABASES: db,
      SQLITE_BACKUP_DIR: backup,
      SQLITE_BUSY_TIMEOUT: '100',
      SQLITE_RETRIES: '2',
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('attempt 1 failed');
    expect(res.stderr).toContain('copy failed 2 times');
    expect(res.stderr).toContain('database is locked');
    expect(existsSync(backup)).toBe(false);
    expect(siblings(backup)).toEqual([]);
  });

  it('succeeds once the lock is released, within its retries', async () => {
    const db = path.join(work, 'released.db');
    const backup = path.join(work, 'released-backup');
    createDatabase(db, 'delete');
    await holdLock(db, 2);
    const res = await runBattery('sqlite-backup', {
      SQLITE_DATABASES: db,
      SQLITE_BACKUP_DIR: backup,
      SQLITE_BUSY_TIMEOUT: '100',
      SQLITE_RETRIES: '10',
    });
    expect(res.status).toBe(0);
    expect(res.stderr).toContain('attempt 1 failed');
    expect(sqlite(path.join(backup, 'released.db'), 'SELECT count(*) FROM other')).toBe('3');
  });
});

describe('sqlite-cleanup and sqlite-drill', () => {
  it('checks the copies of a save/restore round trip, and finds damage', async () => {
    const db = path.join(work, 'shop.db');
    const backup = path.join(work, 'drill', 'sqlite');
    createDatabase(db, 'wal');
    sqlite(db, "INSERT INTO t (batch, v) VALUES (1, 'a'), (1, 'b')");
    const env = { SQLITE_DATABASES: db, SQLITE_BACKUP_DIR: backup };
    expect((await runBattery('sqlite-backup', env)).status).toBe(0);
    const restored = await roundTrip(path.join(work, 'drill-rekkord'), [backup]);

    const kept = await runBattery('sqlite-cleanup', { ...env, SUCCESS: '0' });
    expect(kept.status).toBe(0);
    expect(existsSync(backup)).toBe(true);
    const removed = await runBattery('sqlite-cleanup', { ...env, SUCCESS: '1' });
    expect(removed.status).toBe(0);
    expect(existsSync(backup)).toBe(false);

    const ok = await runBattery(
      'sqlite-drill',
      { ...env, SQLITE_DRILL_COMPARE: '1', REKKORD_HOOK_DESTINATION: restored, SUCCESS: '1' },
      ['restore', 'post'],
    );
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('shop.db: integrity ok, 2 tables, row counts match');

    sqlite(db, "INSERT INTO t (batch, v) VALUES (2, 'c')");
    const differs = await runBattery('sqlite-drill', {
      ...env,
      SQLITE_DRILL_COMPARE: '1',
      SQLITE_DRILL_DIR: restored,
    });
    expect(differs.status).toBe(1);
    expect(differs.stderr).toContain('< t|3');

    // Damage the restored copy: its second page (the first table's) overwritten.
    const copy = path.join(restored, 'sqlite', 'shop.db');
    const fd = openSync(copy, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x55), 0, 4096, 4096);
    closeSync(fd);
    const broken = await runBattery('sqlite-drill', { SQLITE_DRILL_DIR: restored });
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('fails PRAGMA integrity_check');
  });

  it('needs a backup folder in the restored files', async () => {
    const empty = path.join(work, 'empty');
    writeFileSync(path.join(work, 'not-a-db'), 'x');
    const res = await runBattery('sqlite-drill', { SQLITE_DRILL_DIR: empty });
    expect(res.status).toBe(1);
  });
});

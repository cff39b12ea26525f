/**
 * mariadb-dump, mariadb-cleanup and mariadb-drill against a real MariaDB server (Debian's
 * mariadb-server, started by the test in a temporary folder on loopback). The batteries log in as
 * a user with a password, which they only ever see through the option file.
 */
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  roundTrip,
  runBattery,
  siblings,
  startMariadb,
  type MariadbServer,
} from '../harness/servers.js';

let db: MariadbServer;
let work: string;
let env: Record<string, string>;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'battery-mariadb-test-'));
  db = await startMariadb();
  env = { MARIADB_OPTION_FILE: db.optionFile };
  db.sql(
    `CREATE DATABASE shop;
     CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB;
     USE shop;
     INSERT INTO shop.items SELECT seq, CONCAT('item ', seq) FROM seq_1_to_300;
     CREATE TABLE shop.\`order lines\` (item INT, qty INT) ENGINE=InnoDB;
     INSERT INTO shop.\`order lines\` SELECT seq % 300 + 1, seq FROM seq_1_to_900;
     CREATE PROCEDURE shop.total() SELECT SUM(qty) FROM shop.\`order lines\`;
     CREATE DATABASE blog;
     CREATE TABLE blog.posts (id INT PRIMARY KEY) ENGINE=InnoDB;
     INSERT INTO blog.posts VALUES (1), (2), (3);`,
  );
}, 120_000);

afterAll(async () => {
  await db.stop();
  rmSync(work, { recursive: true, force: true });
});

const dumpDir = (name: string): string => path.join(work, name, 'mariadb');

describe('mariadb-dump', () => {
  it('dumps every user database with routines, and the users, through the option file', async () => {
    const dir = dumpDir('all');
    const res = await runBattery('mariadb-dump', { ...env, MARIADB_DUMP_DIR: dir });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(readdirSync(path.join(dir, 'databases')).sort()).toEqual(['blog.sql', 'shop.sql']);
    const shop = readFileSync(path.join(dir, 'databases', 'shop.sql'), 'utf8');
    expect(shop).toContain('CREATE TABLE `order lines`');
    expect(shop).toContain('PROCEDURE `total`');
    // Loadable into any database: no CREATE DATABASE or USE.
    expect(shop).not.toMatch(/^(CREATE DATABASE|USE )/m);
    expect(readFileSync(path.join(dir, 'users.sql'), 'utf8')).toContain('`backup`@`127.0.0.1`');
    expect(siblings(dir)).toEqual([]);
  });

  it('cannot log in without the option file (the password is nowhere else)', async () => {
    const dir = dumpDir('no-option-file');
    const res = await runBattery('mariadb-dump', { MARIADB_DUMP_DIR: dir });
    expect(res.status).not.toBe(0);
    expect(existsSync(dir)).toBe(false);
    expect(siblings(dir)).toEqual([]);
  });

  it('dumps only the listed databases', async () => {
    const dir = dumpDir('listed');
    const res = await runBattery('mariadb-dump', {
      ...env,
      MARIADB_DUMP_DIR: dir,
      MARIADB_DATABASES: 'blog',
    });
    expect(res.status).toBe(0);
    expect(readdirSync(path.join(dir, 'databases'))).toEqual(['blog.sql']);
  });

  it('fails when the server is down, leaving the previous dumps as they were', async () => {
    const dir = dumpDir('down');
    expect((await runBattery('mariadb-dump', { ...env, MARIADB_DUMP_DIR: dir })).status).toBe(0);
    const before = readFileSync(path.join(dir, 'databases', 'shop.sql'), 'utf8');
    // The option file says where the server is: here, a port nothing listens on.
    const downFile = path.join(work, 'down.cnf');
    const port = await freePort();
    writeFileSync(
      downFile,
      readFileSync(db.optionFile, 'utf8').replace(/port=\d+/, `port=${String(port)}`),
      { mode: 0o600 },
    );
    const down = await runBattery('mariadb-dump', {
      MARIADB_OPTION_FILE: downFile,
      MARIADB_DUMP_DIR: dir,
    });
    expect(down.status).not.toBe(0);
    expect(down.stderr).toContain("Can't connect");
    expect(readFileSync(path.join(dir, 'databases', 'shop.sql'), 'utf8')).toBe(before);
    expect(siblings(dir)).toEqual([]);
  });

  it('writes nothing when one database of the list fails half-way', async () => {
    const dir = dumpDir('half');
    const res = await runBattery('mariadb-dump', {
      ...env,
      MARIADB_DUMP_DIR: dir,
      MARIADB_DATABASES: 'shop missing',
    });
    expect(res.status).not.toBe(0);
    expect(res.stdout).toContain('database shop ->');
    expect(existsSync(dir)).toBe(false);
    expect(siblings(dir)).toEqual([]);
  });
});

describe('mariadb-cleanup', () => {
  it('removes the dumps on SUCCESS=1 and keeps them on SUCCESS=0', async () => {
    const dir = dumpDir('cleanup');
    expect((await runBattery('mariadb-dump', { ...env, MARIADB_DUMP_DIR: dir })).status).toBe(0);
    const kept = await runBattery('mariadb-cleanup', { MARIADB_DUMP_DIR: dir, SUCCESS: '0' });
    expect(kept.status).toBe(0);
    expect(existsSync(path.join(dir, 'databases', 'shop.sql'))).toBe(true);
    const removed = await runBattery('mariadb-cleanup', { MARIADB_DUMP_DIR: dir, SUCCESS: '1' });
    expect(removed.status).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('mariadb-drill', () => {
  const scratchDatabases = (): string[] =>
    db
      .sql('SHOW DATABASES')
      .split('\n')
      .filter((d) => d.startsWith('rekkord_drill_'));

  it('loads each dump of a save/restore round trip and matches the row counts', async () => {
    const dir = dumpDir('drill');
    expect((await runBattery('mariadb-dump', { ...env, MARIADB_DUMP_DIR: dir })).status).toBe(0);
    const restored = await roundTrip(path.join(work, 'drill-rekkord'), [dir]);
    const ok = await runBattery(
      'mariadb-drill',
      { ...env, REKKORD_HOOK_DESTINATION: restored, SUCCESS: '1' },
      ['restore', 'post'],
    );
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(
      'shop: the dump loads, 2 tables, row counts match the live database',
    );
    expect(ok.stdout).toContain('database dumps checked: 2');
    expect(scratchDatabases()).toEqual([]);

    db.sql('DELETE FROM blog.posts WHERE id = 3');
    const differs = await runBattery('mariadb-drill', { ...env, MARIADB_DRILL_DIR: restored });
    expect(differs.status).toBe(1);
    expect(differs.stderr).toContain('< posts\t2');
    expect(differs.stderr).toContain('> posts\t3');
    expect(scratchDatabases()).toEqual([]);

    appendFileSync(path.join(restored, 'mariadb', 'databases', 'shop.sql'), 'CREATE TABLE (;\n');
    const broken = await runBattery('mariadb-drill', {
      ...env,
      MARIADB_DRILL_DIR: restored,
      MARIADB_DRILL_COMPARE: '0',
    });
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain('shop.sql does not load');
    expect(scratchDatabases()).toEqual([]);
  });
});

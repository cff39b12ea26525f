/**
 * postgresql-dump, postgresql-cleanup and postgresql-drill against a real PostgreSQL server
 * (Debian's postgresql, started by the test in a temporary folder on loopback).
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runAction, STAND_IN } from '../harness/local-runner.js';
import {
  freePort,
  rekkord,
  rekkordRepository,
  roundTrip,
  runBattery,
  siblings,
  startPostgres,
  type PostgresServer,
} from '../harness/servers.js';

let pg: PostgresServer;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'battery-pg-test-'));
  pg = await startPostgres();
  pg.sql('postgres', 'CREATE DATABASE shop');
  pg.sql('postgres', 'CREATE DATABASE "two words"');
  pg.sql('postgres', 'CREATE ROLE reader LOGIN');
  pg.sql(
    'shop',
    `CREATE TABLE items (id int PRIMARY KEY, name text);
     INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 250) g;
     CREATE SCHEMA sales;
     CREATE TABLE sales."order lines" (item int REFERENCES items, qty int);
     INSERT INTO sales."order lines" SELECT g % 250 + 1, g FROM generate_series(1, 1000) g;
     GRANT SELECT ON items TO reader;`,
  );
  pg.sql('two words', 'CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2)');
}, 120_000);

afterAll(async () => {
  await pg.stop();
  rmSync(work, { recursive: true, force: true });
});

const dumpDir = (name: string): string => path.join(work, name, 'postgresql');

describe('postgresql-dump', () => {
  it('dumps every non-template database as plain SQL, and the globals', async () => {
    const dir = dumpDir('all');
    const res = await runBattery('postgresql-dump', { ...pg.env, POSTGRESQL_DUMP_DIR: dir });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(readdirSync(path.join(dir, 'databases')).sort()).toEqual([
      'postgres.sql',
      'shop.sql',
      'two words.sql',
    ]);
    const shop = readFileSync(path.join(dir, 'databases', 'shop.sql'), 'utf8');
    // Plain and uncompressed: text Rekkord can deduplicate.
    expect(shop).toMatch(/^--\n-- PostgreSQL database dump/);
    expect(shop).toContain('CREATE TABLE sales."order lines"');
    expect(readFileSync(path.join(dir, 'globals.sql'), 'utf8')).toContain('CREATE ROLE reader');
    expect(res.stdout).toContain('database shop ->');
    expect(siblings(dir)).toEqual([]);
  });

  it('dumps only the listed databases', async () => {
    const dir = dumpDir('listed');
    const res = await runBattery('postgresql-dump', {
      ...pg.env,
      POSTGRESQL_DUMP_DIR: dir,
      POSTGRESQL_DATABASES: 'shop',
    });
    expect(res.status).toBe(0);
    expect(readdirSync(path.join(dir, 'databases'))).toEqual(['shop.sql']);
  });

  it('fails when the server is down, leaving the previous dumps as they were', async () => {
    const dir = dumpDir('down');
    expect(
      (await runBattery('postgresql-dump', { ...pg.env, POSTGRESQL_DUMP_DIR: dir })).status,
    ).toBe(0);
    const before = readFileSync(path.join(dir, 'databases', 'shop.sql'), 'utf8');
    const down = await runBattery('postgresql-dump', {
      ...pg.env,
      PGPORT: String(await freePort()),
      POSTGRESQL_DUMP_DIR: dir,
    });
    expect(down.status).not.toBe(0);
    expect(down.stderr).toContain('Connection refused');
    expect(down.stderr).toContain(`failed; ${dir} left as it was`);
    expect(readFileSync(path.join(dir, 'databases', 'shop.sql'), 'utf8')).toBe(before);
    expect(siblings(dir)).toEqual([]);
  });

  it('writes nothing when one database of the list fails half-way', async () => {
    const dir = dumpDir('half');
    const res = await runBattery('postgresql-dump', {
      ...pg.env,
      POSTGRESQL_DUMP_DIR: dir,
      POSTGRESQL_DATABASES: 'shop missing',
    });
    expect(res.status).not.toBe(0);
    expect(res.stdout).toContain('database shop ->');
    expect(res.stderr).toContain('"missing" does not exist');
    expect(existsSync(dir)).toBe(false);
    expect(siblings(dir)).toEqual([]);
  });

  it('refuses a folder it did not make', async () => {
    const res = await runBattery('postgresql-dump', { ...pg.env, POSTGRESQL_DUMP_DIR: work });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('was not made by this battery');
    expect(siblings(work)).toEqual([]);
  });

  it('changes nothing in a rehearsal, and skips other phases of a hooks-dir', async () => {
    const dir = dumpDir('rehearsal');
    const rehearsal = await runBattery('postgresql-dump', {
      ...pg.env,
      POSTGRESQL_DUMP_DIR: dir,
      REKKORD_HOOK_REHEARSAL: '1',
    });
    expect(rehearsal.status).toBe(0);
    expect(rehearsal.stdout).toContain('rehearsal: would dump');
    const other = await runBattery('postgresql-dump', { ...pg.env, POSTGRESQL_DUMP_DIR: dir }, [
      'save',
      'post',
    ]);
    expect(other.status).toBe(0);
    expect(existsSync(dir)).toBe(false);
    const own = await runBattery('postgresql-dump', { ...pg.env, POSTGRESQL_DUMP_DIR: dir }, [
      'save',
      'pre',
    ]);
    expect(own.status).toBe(0);
    expect(existsSync(path.join(dir, 'globals.sql'))).toBe(true);
  });
});

describe('postgresql-cleanup', () => {
  it('removes the dumps on SUCCESS=1 and keeps them on SUCCESS=0 or unset', async () => {
    const dir = dumpDir('cleanup');
    const env = { ...pg.env, POSTGRESQL_DUMP_DIR: dir };
    expect((await runBattery('postgresql-dump', env)).status).toBe(0);
    for (const success of ['0', undefined]) {
      const kept = await runBattery('postgresql-cleanup', { ...env, SUCCESS: success });
      expect(kept.status).toBe(0);
      expect(kept.stdout).toContain(`keeping ${dir}`);
      expect(existsSync(path.join(dir, 'databases', 'shop.sql'))).toBe(true);
    }
    const removed = await runBattery('postgresql-cleanup', { ...env, SUCCESS: '1' });
    expect(removed.status).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it('never removes a folder the dump battery did not make', async () => {
    const res = await runBattery('postgresql-cleanup', { POSTGRESQL_DUMP_DIR: work, SUCCESS: '1' });
    expect(res.status).toBe(1);
    expect(existsSync(work)).toBe(true);
  });
});

describe('postgresql-drill', () => {
  const scratchDatabases = (): string[] =>
    pg
      .sql('postgres', 'SELECT datname FROM pg_database')
      .split('\n')
      .filter((d) => d.startsWith('rekkord_drill_'));

  it(
    'loads each dump of a save/restore round trip and matches the row counts',
    { timeout: 120_000 },
    async () => {
      const dir = dumpDir('drill');
      // Two databases, not all three: each scratch database costs a CREATE DATABASE.
      const dumped = await runBattery('postgresql-dump', {
        ...pg.env,
        POSTGRESQL_DUMP_DIR: dir,
        POSTGRESQL_DATABASES: 'shop postgres',
      });
      expect(dumped.status).toBe(0);
      const restored = await roundTrip(path.join(work, 'drill-rekkord'), [dir]);
      // As the action runs it in restore post: the destination in REKKORD_HOOK_DESTINATION.
      const ok = await runBattery(
        'postgresql-drill',
        { ...pg.env, REKKORD_HOOK_DESTINATION: restored, SUCCESS: '1' },
        ['restore', 'post'],
      );
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      expect(ok.stdout).toContain(
        'shop: the dump loads, 2 tables, row counts match the live database',
      );
      expect(ok.stdout).toContain('database dumps checked: 2');
      expect(scratchDatabases()).toEqual([]);

      // The live database moves on: the drill sees the difference, and still drops its scratch.
      pg.sql('shop', "INSERT INTO items VALUES (1000, 'new')");
      const differs = await runBattery('postgresql-drill', {
        ...pg.env,
        POSTGRESQL_DRILL_DIR: restored,
      });
      expect(differs.status).toBe(1);
      expect(differs.stderr).toContain('< public.items|251');
      expect(differs.stderr).toContain('> public.items|250');
      expect(scratchDatabases()).toEqual([]);
      const loadsOnly = await runBattery('postgresql-drill', {
        ...pg.env,
        POSTGRESQL_DRILL_DIR: restored,
        POSTGRESQL_DRILL_COMPARE: '0',
      });
      expect(loadsOnly.status).toBe(0);
      pg.sql('shop', 'DELETE FROM items WHERE id = 1000');

      // A damaged dump fails the drill.
      appendFileSync(
        path.join(restored, 'postgresql', 'databases', 'shop.sql'),
        'CREATE TABLE (;\n',
      );
      const broken = await runBattery('postgresql-drill', {
        ...pg.env,
        POSTGRESQL_DRILL_DIR: restored,
      });
      expect(broken.status).toBe(1);
      expect(broken.stderr).toContain('shop.sql does not load');
      expect(scratchDatabases()).toEqual([]);
    },
  );

  it(
    'runs as examples/restore-drill through the action: restore, then the drill in hooks-dir',
    { timeout: 120_000 },
    async () => {
      const dir = dumpDir('example');
      const dumped = await runBattery('postgresql-dump', {
        ...pg.env,
        POSTGRESQL_DUMP_DIR: dir,
        POSTGRESQL_DATABASES: 'shop',
      });
      expect(dumped.status).toBe(0);
      const ws = path.join(work, 'example-ws');
      mkdirSync(ws);
      const config = rekkordRepository(ws);
      expect((await rekkord(['save', '-C', config, 'db-server-nightly', dir])).status).toBe(0);
      const result = await runAction({
        workspace: ws,
        inputs: {
          command: 'restore',
          config: 'rekkord.ini',
          rekkord: STAND_IN,
          snapshot: 'db-server-nightly',
          destination: 'drill',
          'hooks-dir': path.join(ROOT, 'examples', 'restore-drill'),
        },
        env: pg.env,
      });
      expect(result.stdout).toContain(
        'postgresql-drill: shop: the dump loads, 2 tables, row counts match the live database',
      );
      expect(result.exitCode).toBe(0);
    },
  );

  it('fails when the restored folder has no dump', async () => {
    const res = await runBattery('postgresql-drill', {
      ...pg.env,
      POSTGRESQL_DRILL_DIR: work + '/none',
    });
    expect(res.status).not.toBe(0);
  });
});

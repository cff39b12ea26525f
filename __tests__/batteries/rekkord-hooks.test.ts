/**
 * Batteries on the plain Rekkord path, no action: symlinked into the [Hooks] folders of a config,
 * run by the Rekkord stand-in itself on `save` (no arguments, only the environment, SUCCESS for
 * post hooks), against a real PostgreSQL server and a loopback heartbeat monitor. The restore
 * drill then runs by hand after `rekkord restore`, which runs no hooks.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BATTERIES,
  freePort,
  rekkord,
  rekkordRepository,
  runBattery,
  startPostgres,
  type PostgresServer,
} from '../harness/servers.js';

let pg: PostgresServer;
let work: string;
let config: string;
let monitor: http.Server;
let pingUrl: string;
const pings: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'battery-rekkord-'));
  monitor = http.createServer((req, res) => {
    pings.push(req.url ?? '');
    res.end('OK');
  });
  await new Promise<void>((resolve) => monitor.listen(0, '127.0.0.1', resolve));
  pingUrl = `http://127.0.0.1:${String((monitor.address() as net.AddressInfo).port)}/check`;
  pg = await startPostgres();
  pg.sql('postgres', 'CREATE DATABASE app');
  pg.sql('app', 'CREATE TABLE notes (id int); INSERT INTO notes SELECT generate_series(1, 42)');

  // The hooks a user would link, named so that byte order is the order wanted.
  const pre = path.join(work, 'hooks', 'pre-save');
  const post = path.join(work, 'hooks', 'post-save');
  mkdirSync(pre, { recursive: true });
  mkdirSync(post, { recursive: true });
  const link = (folder: string, name: string, battery: string): void => {
    symlinkSync(path.join(BATTERIES, battery), path.join(folder, name));
  };
  link(pre, '10-heartbeat-start', 'heartbeat-start');
  link(pre, '50-postgresql-dump', 'postgresql-dump');
  link(post, '50-postgresql-cleanup', 'postgresql-cleanup');
  link(post, '90-heartbeat-end', 'heartbeat-end');
  config = rekkordRepository(
    work,
    '[Hooks]\nPreSaveDirectory = hooks/pre-save\nPostSaveDirectory = hooks/post-save\n',
  );
}, 120_000);

afterAll(async () => {
  await pg.stop();
  monitor.closeAllConnections();
  await new Promise((resolve) => monitor.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

describe('batteries in a Rekkord [Hooks] folder', () => {
  const dumps = (): string => path.join(work, 'dumps', 'postgresql');
  const env = (): Record<string, string> => ({
    ...pg.env,
    POSTGRESQL_DUMP_DIR: dumps(),
    HEARTBEAT_URL: pingUrl,
    HEARTBEAT_RETRIES: '0',
  });

  it('save: dumps, saves the dumps, removes them, pings start and success; the drill passes', async () => {
    pings.length = 0;
    const saved = await rekkord(['save', '-C', config, 'nightly', dumps()], env());
    expect(saved.stderr).toContain('Snapshot OID: M');
    expect(saved.status).toBe(0);
    expect(saved.stdout).toContain('postgresql-dump: database app ->');
    expect(saved.stdout).toContain('postgresql-cleanup: the save succeeded: removed');
    expect(existsSync(dumps())).toBe(false);
    expect(pings).toEqual(['/check/start', '/check']);

    const restored = path.join(work, 'restored');
    const restore = await rekkord(['restore', '-C', config, 'nightly', restored], env());
    expect(restore.status).toBe(0);
    expect(
      readFileSync(path.join(restored, 'postgresql', 'databases', 'app.sql'), 'utf8'),
    ).toContain('CREATE TABLE public.notes');
    const drill = await runBattery('postgresql-drill', {
      ...pg.env,
      POSTGRESQL_DRILL_DIR: restored,
    });
    expect(drill.stderr).toBe('');
    expect(drill.status).toBe(0);
    expect(drill.stdout).toContain('app: the dump loads, 1 tables, row counts match');
  });

  it('a failed save keeps the dumps and pings /fail', async () => {
    pings.length = 0;
    const missing = path.join(work, 'no-such-path');
    const saved = await rekkord(['save', '-C', config, 'nightly', dumps(), missing], env());
    expect(saved.status).toBe(1);
    expect(saved.stdout).toContain('the save did not succeed (SUCCESS=0): keeping');
    expect(existsSync(path.join(dumps(), 'databases', 'app.sql'))).toBe(true);
    expect(pings).toEqual(['/check/start', '/check/fail']);
    rmSync(dumps(), { recursive: true });
  });

  it('server down: the pre hook fails, Rekkord saves nothing and runs no post hook', async () => {
    pings.length = 0;
    const saved = await rekkord(['save', '-C', config, 'nightly', dumps()], {
      ...env(),
      PGPORT: String(await freePort()),
    });
    expect(saved.status).toBe(1);
    expect(saved.stderr).toContain('Pre-save hooks failed');
    expect(saved.stderr).not.toContain('Snapshot OID');
    expect(existsSync(dumps())).toBe(false);
    // Rekkord runs no post hook after a failed pre phase: no end ping (the monitor's grace
    // period reports the missing one).
    expect(pings).toEqual(['/check/start']);
  });
});

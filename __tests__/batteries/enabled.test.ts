/**
 * The batteries enabled by name: the action's `batteries` input and the command line's
 * `--batteries`, against real servers, each run from a copy of what users get rather than from
 * this repository: the action from a checkout as the runner lays it out (action.yml, dist/,
 * batteries/), the command line from the npm package (`npm pack`, extracted). Each proves the
 * bundle finds the batteries beside itself: every battery that ran has its path in the copy.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SYSTEMCTL } from '../harness/service-stand-ins.js';
import {
  ROOT,
  runAction,
  runPostStep,
  startAction,
  type ActionRun,
} from '../harness/local-runner.js';
import {
  freePort,
  rekkordRepository,
  requireTool,
  runBattery,
  STAND_IN_REKKORD,
  startMariadb,
  startPostgres,
  type BatteryResult,
  type MariadbServer,
  type PostgresServer,
} from '../harness/servers.js';

let work: string;
let actionDir: string;
let cli: string;
let pg: PostgresServer;
let maria: MariadbServer;
let monitor: http.Server;
let pingUrl: string;
const pings: string[] = [];

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'battery-enabled-'));
  // The action as the runner downloads it: the repository, of which only these parts matter.
  actionDir = path.join(work, 'action');
  for (const part of ['action.yml', 'dist', 'batteries']) {
    cpSync(path.join(ROOT, part), path.join(actionDir, part), { recursive: true });
  }
  // The command line as npm installs it.
  const packed = spawnSync(
    'npm',
    ['pack', '--silent', '--ignore-scripts', '--pack-destination', work],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const tarball = readdirSync(work).find((n) => n.endsWith('.tgz')) ?? '';
  mkdirSync(path.join(work, 'npm'));
  const untar = spawnSync('tar', ['-xzf', path.join(work, tarball), '-C', path.join(work, 'npm')]);
  if (untar.status !== 0) throw new Error('tar failed');
  cli = path.join(work, 'npm', 'package', 'dist', 'cli', 'index.js');

  monitor = http.createServer((req, res) => {
    pings.push(req.url ?? '');
    res.end('OK');
  });
  await new Promise<void>((resolve) => monitor.listen(0, '127.0.0.1', resolve));
  pingUrl = `http://127.0.0.1:${String((monitor.address() as net.AddressInfo).port)}/check`;

  requireTool('sqlite3', 'sqlite3');
  [pg, maria] = await Promise.all([startPostgres(), startMariadb()]);
  pg.sql('postgres', 'CREATE DATABASE app');
  pg.sql('app', 'CREATE TABLE notes (id int); INSERT INTO notes SELECT generate_series(1, 42)');
  maria.sql(
    'CREATE DATABASE shop; CREATE TABLE shop.orders (id int); INSERT INTO shop.orders VALUES (1), (2), (3);',
  );
}, 240_000);

afterAll(async () => {
  await Promise.all([pg.stop(), maria.stop()]);
  monitor.closeAllConnections();
  await new Promise((resolve) => monitor.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

interface Hook {
  phase: string;
  name: string;
  path: string;
  outcome: string;
}

function hooks(run: ActionRun): Hook[] {
  return JSON.parse(run.outputs.hooks ?? '[]') as Hook[];
}

/** A workspace with a stand-in repository and a config without [Hooks]. */
function workspace(name: string): string {
  const dir = path.join(work, name);
  mkdirSync(dir);
  rekkordRepository(dir);
  return dir;
}

/** The action from the copy: a save, then a restore of it with the same batteries. */
async function action(
  dir: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
): Promise<ActionRun> {
  return runAction({
    actionDir,
    workspace: dir,
    inputs: { config: 'rekkord.ini', rekkord: STAND_IN_REKKORD, ...inputs },
    env: { HOME: work, ...env },
  });
}

/** The command line from the npm package, in `dir`, with the project's Node. */
function command(
  dir: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<BatteryResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [cli, ...args, '--config', 'rekkord.ini', '--rekkord', STAND_IN_REKKORD],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
          HOME: work,
          LANG: 'C',
          ...env,
        },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => {
      resolve({ status, stdout, stderr });
    });
  });
}

function ranFrom(list: Hook[], dir: string): void {
  expect(list.length).toBeGreaterThan(0);
  for (const h of list) expect(h.path, h.name).toBe(path.join(dir, 'batteries', h.name));
}

describe('PostgreSQL through the action', () => {
  const env = (dir: string): Record<string, string> => ({
    ...pg.env,
    POSTGRESQL_DUMP_DIR: path.join(dir, 'dumps'),
  });

  it('dumps in the save, removes the dumps after it, and the drill checks the restore', async () => {
    const dir = workspace('pg-action');
    const saved = await action(
      dir,
      { command: 'save', channel: 'nightly', paths: 'dumps', batteries: 'postgresql' },
      env(dir),
    );
    expect(saved.exitCode, saved.stdout).toBe(0);
    expect(saved.outputs.oid).toMatch(/^M[0-9A-F]{64}$/);
    expect(hooks(saved).map((h) => `${h.phase} ${h.name} ${h.outcome}`)).toEqual([
      'pre-save postgresql-dump success',
      'post-save postgresql-cleanup success',
    ]);
    ranFrom(hooks(saved), actionDir);
    expect(saved.stdout).toContain('postgresql-dump: database app ->');
    expect(existsSync(path.join(dir, 'dumps'))).toBe(false);

    const restored = await action(
      dir,
      { command: 'restore', snapshot: 'nightly', destination: 'restored', batteries: 'postgresql' },
      env(dir),
    );
    expect(restored.exitCode, restored.stdout).toBe(0);
    expect(hooks(restored).map((h) => `${h.phase} ${h.name} ${h.outcome}`)).toEqual([
      'post-restore postgresql-drill success',
    ]);
    expect(restored.stdout).toContain(
      'app: the dump loads, 1 tables, row counts match the live database',
    );
  }, 120_000);

  it('server down: the dump fails, nothing is saved, the cleanup keeps the last dumps', async () => {
    const dir = workspace('pg-down');
    // The dumps of an earlier night, still there.
    const before = await runBattery('postgresql-dump', env(dir));
    expect(before.status, before.stderr).toBe(0);
    const saved = await action(
      dir,
      { command: 'save', channel: 'nightly', paths: 'dumps', batteries: 'postgresql' },
      { ...env(dir), PGPORT: String(await freePort()) },
    );
    expect(saved.exitCode).toBe(1);
    expect(saved.outputs.oid ?? '').toBe('');
    expect(hooks(saved).map((h) => `${h.phase} ${h.name} ${h.outcome}`)).toEqual([
      'pre-save postgresql-dump failure',
      'post-save postgresql-cleanup success',
    ]);
    expect(saved.stdout).toContain('the save did not succeed (SUCCESS=0): keeping');
    expect(existsSync(path.join(dir, 'dumps', 'databases', 'app.sql'))).toBe(true);
  }, 120_000);
});

describe('PostgreSQL through the command line of the npm package', () => {
  it('save with --batteries, then the drill after a restore', async () => {
    const dir = workspace('pg-cli');
    const env = { ...pg.env, POSTGRESQL_DUMP_DIR: path.join(dir, 'dumps') };
    const saved = await command(
      dir,
      ['save', '--batteries', 'postgresql', '--channel', 'nightly', 'dumps'],
      env,
    );
    expect(saved.status, saved.stdout + saved.stderr).toBe(0);
    expect(saved.stdout).toContain('postgresql-dump: database app ->');
    expect(saved.stdout).toContain('postgresql-cleanup: the save succeeded: removed');
    expect(saved.stdout).toContain(path.join(work, 'npm', 'package', 'batteries'));
    const restored = await command(
      dir,
      ['restore', '--batteries=postgresql-drill', '--snapshot', 'nightly', '--destination', 'r'],
      env,
    );
    expect(restored.status, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stdout).toContain('app: the dump loads, 1 tables, row counts match');
  }, 120_000);

  it('server down: exit 1, no save, the post hooks run with SUCCESS=0', async () => {
    const dir = workspace('pg-cli-down');
    const saved = await command(
      dir,
      ['save', '--batteries', 'postgresql', '--channel', 'nightly', 'dumps'],
      { ...pg.env, POSTGRESQL_DUMP_DIR: path.join(dir, 'dumps'), PGPORT: String(await freePort()) },
    );
    expect(saved.status).toBe(1);
    expect(saved.stdout + saved.stderr).not.toContain('Snapshot OID');
    expect(saved.stdout).toContain('postgresql-cleanup: the save did not succeed (SUCCESS=0)');
  }, 120_000);

  it('an unknown battery stops everything before anything runs', async () => {
    const dir = workspace('pg-cli-unknown');
    const saved = await command(
      dir,
      ['save', '--batteries', 'postgresql,postgres', '--channel', 'nightly', 'dumps'],
      pg.env,
    );
    // A wrong setting is a usage error on the command line, in its own words.
    expect(saved.status).toBe(2);
    expect(saved.stderr).toContain("--batteries: 'postgres' is no battery");
    expect(saved.stdout).not.toContain('postgresql-dump');
  });
});

describe('MariaDB', () => {
  const env = (dir: string): Record<string, string> => ({
    MARIADB_OPTION_FILE: maria.optionFile,
    MARIADB_DATABASES: 'shop',
    MARIADB_DUMP_DIR: path.join(dir, 'dumps'),
  });

  it('through the action: dump, save, cleanup, then the drill', async () => {
    const dir = workspace('maria-action');
    const saved = await action(
      dir,
      { command: 'save', channel: 'nightly', paths: 'dumps', batteries: 'mariadb' },
      env(dir),
    );
    expect(saved.exitCode, saved.stdout).toBe(0);
    ranFrom(hooks(saved), actionDir);
    expect(saved.stdout).toContain('database shop ->');
    expect(existsSync(path.join(dir, 'dumps'))).toBe(false);
    const restored = await action(
      dir,
      { command: 'restore', snapshot: 'nightly', destination: 'restored', batteries: 'mariadb' },
      env(dir),
    );
    expect(restored.exitCode, restored.stdout).toBe(0);
    expect(restored.stdout).toContain(
      'shop: the dump loads, 1 tables, row counts match the live database',
    );
  }, 120_000);

  it('through the command line: dump, save, cleanup, then the drill', async () => {
    const dir = workspace('maria-cli');
    const saved = await command(
      dir,
      ['save', '--batteries', 'mariadb', '--channel', 'nightly', 'dumps'],
      env(dir),
    );
    expect(saved.status, saved.stdout + saved.stderr).toBe(0);
    expect(saved.stdout).toContain('mariadb-cleanup: the save succeeded: removed');
    const restored = await command(
      dir,
      ['restore', '--batteries', 'mariadb', '--snapshot', 'nightly', '--destination', 'r'],
      env(dir),
    );
    expect(restored.status, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stdout).toContain('shop: the dump loads, 1 tables, row counts match');
  }, 120_000);
});

describe('SQLite', () => {
  function database(dir: string): string {
    const db = path.join(dir, 'app.db');
    const res = spawnSync('sqlite3', [
      db,
      'CREATE TABLE t (x); INSERT INTO t VALUES (1), (2), (3);',
    ]);
    if (res.status !== 0) throw new Error('sqlite3 failed');
    return db;
  }
  const env = (dir: string, db: string): Record<string, string> => ({
    SQLITE_DATABASES: db,
    SQLITE_BACKUP_DIR: path.join(dir, 'copies'),
    SQLITE_DRILL_COMPARE: '1',
  });

  it('through the action: backup, save, cleanup, then the drill', async () => {
    const dir = workspace('sqlite-action');
    const db = database(dir);
    const saved = await action(
      dir,
      { command: 'save', channel: 'nightly', paths: 'copies', batteries: 'sqlite' },
      env(dir, db),
    );
    expect(saved.exitCode, saved.stdout).toBe(0);
    ranFrom(hooks(saved), actionDir);
    expect(saved.stdout).toContain('integrity ok');
    expect(existsSync(path.join(dir, 'copies'))).toBe(false);
    const restored = await action(
      dir,
      { command: 'restore', snapshot: 'nightly', destination: 'restored', batteries: 'sqlite' },
      env(dir, db),
    );
    expect(restored.exitCode, restored.stdout).toBe(0);
    expect(restored.stdout).toContain('app.db: integrity ok, 1 tables, row counts match');
  }, 120_000);

  it('through the command line: backup, save, cleanup, then the drill', async () => {
    const dir = workspace('sqlite-cli');
    const db = database(dir);
    const saved = await command(
      dir,
      ['save', '--batteries', 'sqlite', '--channel', 'nightly', 'copies'],
      env(dir, db),
    );
    expect(saved.status, saved.stdout + saved.stderr).toBe(0);
    const restored = await command(
      dir,
      ['restore', '--batteries', 'sqlite', '--snapshot', 'nightly', '--destination', 'r'],
      env(dir, db),
    );
    expect(restored.status, restored.stdout + restored.stderr).toBe(0);
    expect(restored.stdout).toContain('app.db: integrity ok, 1 tables, row counts match');
  }, 120_000);
});

describe('heartbeat and order through the action', () => {
  it('pings around the save, outermost: heartbeat, then dumps; post in reverse', async () => {
    const dir = workspace('heartbeat');
    const db = path.join(dir, 'app.db');
    spawnSync('sqlite3', [db, 'CREATE TABLE t (x)']);
    pings.length = 0;
    const saved = await action(
      dir,
      { command: 'save', channel: 'nightly', paths: 'copies', batteries: 'sqlite\nheartbeat' },
      {
        SQLITE_DATABASES: db,
        SQLITE_BACKUP_DIR: path.join(dir, 'copies'),
        HEARTBEAT_URL: pingUrl,
        HEARTBEAT_RETRIES: '0',
      },
    );
    expect(saved.exitCode, saved.stdout).toBe(0);
    expect(hooks(saved).map((h) => `${h.phase} ${h.name}`)).toEqual([
      'pre-save heartbeat-start',
      'pre-save sqlite-backup',
      'post-save sqlite-cleanup',
      'post-save heartbeat-end',
    ]);
    expect(pings).toEqual(['/check/start', '/check']);

    pings.length = 0;
    const failed = await action(
      dir,
      { command: 'save', channel: 'nightly', paths: 'copies\nmissing', batteries: 'heartbeat' },
      { HEARTBEAT_URL: pingUrl, HEARTBEAT_RETRIES: '0' },
    );
    expect(failed.exitCode).toBe(1);
    // Rekkord's own exit status, which the action gives the post hooks.
    expect(pings).toEqual(['/check/start', '/check/1']);
  }, 120_000);
});

describe('services through the action (a systemctl stand-in on PATH: CI runs no systemd)', () => {
  function services(name: string): {
    dir: string;
    env: Record<string, string>;
    state: () => string;
  } {
    const dir = workspace(name);
    const standin = path.join(dir, 'standin');
    mkdirSync(path.join(standin, 'bin'), { recursive: true });
    mkdirSync(path.join(standin, 'units'));
    writeFileSync(path.join(standin, 'bin', 'systemctl'), SYSTEMCTL, { mode: 0o755 });
    writeFileSync(path.join(standin, 'units', 'app.service'), 'active\n');
    return {
      dir,
      env: {
        PATH: `${path.join(standin, 'bin')}:${process.env.PATH ?? ''}`,
        STANDIN: standin,
        SERVICES_UNITS: 'app.service',
        SERVICES_STATE_FILE: path.join(standin, 'services.state'),
      },
      state: () => readFileSync(path.join(standin, 'units', 'app.service'), 'utf8').trim(),
    };
  }

  it('stops the unit for the save and starts it after', async () => {
    const { dir, env, state } = services('services');
    mkdirSync(path.join(dir, 'data'));
    const saved = await action(
      dir,
      { command: 'save', channel: 'nightly', paths: 'data', batteries: 'services' },
      env,
    );
    expect(saved.exitCode, saved.stdout).toBe(0);
    expect(hooks(saved).map((h) => `${h.phase} ${h.name} ${h.outcome}`)).toEqual([
      'pre-save services-stop success',
      'post-save services-start success',
    ]);
    expect(state()).toBe('active');
  }, 120_000);

  it('a dump that fails after the stop: no save, and the unit is started again', async () => {
    const { dir, env, state } = services('services-failed');
    const saved = await action(
      dir,
      { command: 'save', channel: 'nightly', paths: 'copies', batteries: 'services, sqlite' },
      { ...env, SQLITE_DATABASES: path.join(dir, 'missing.db') },
    );
    expect(saved.exitCode).toBe(1);
    expect(hooks(saved).map((h) => `${h.phase} ${h.name} ${h.outcome}`)).toEqual([
      'pre-save services-stop success',
      'pre-save sqlite-backup failure',
      'post-save sqlite-cleanup success',
      'post-save services-start success',
    ]);
    expect(state()).toBe('active');
  }, 120_000);
});

describe('services when the main step is killed', () => {
  it('the post step, from its own bundle, starts the unit again', async () => {
    const dir = workspace('services-killed');
    const standin = path.join(dir, 'standin');
    mkdirSync(path.join(standin, 'bin'), { recursive: true });
    mkdirSync(path.join(standin, 'units'));
    writeFileSync(path.join(standin, 'bin', 'systemctl'), SYSTEMCTL, { mode: 0o755 });
    writeFileSync(path.join(standin, 'units', 'app.service'), 'active\n');
    // A [Hooks] pre hook that is still running when the main step dies.
    mkdirSync(path.join(dir, 'hooks'));
    writeFileSync(path.join(dir, 'hooks', 'slow'), '#!/bin/sh\necho "slow started"\nsleep 30\n', {
      mode: 0o755,
    });
    writeFileSync(
      path.join(dir, 'rekkord.ini'),
      '[Repository]\nURL = repo\nKeyFile = backup.key\n[Hooks]\nPreSaveDirectory = hooks\n',
    );
    const options = {
      actionDir,
      workspace: dir,
      inputs: {
        command: 'save',
        config: 'rekkord.ini',
        rekkord: STAND_IN_REKKORD,
        channel: 'nightly',
        paths: 'hooks',
        batteries: 'services',
      },
      env: {
        HOME: work,
        PATH: `${path.join(standin, 'bin')}:${process.env.PATH ?? ''}`,
        STANDIN: standin,
        SERVICES_UNITS: 'app.service',
        SERVICES_STATE_FILE: path.join(standin, 'services.state'),
      },
    };
    const running = startAction(options);
    try {
      await running.waitFor('slow started');
    } finally {
      running.child.kill('SIGKILL');
    }
    const main = await running.done;
    expect(readFileSync(path.join(standin, 'units', 'app.service'), 'utf8').trim()).toBe(
      'inactive',
    );
    const post = await runPostStep(main, options);
    expect(post.exitCode, post.stdout).toBe(0);
    const started = hooks(post).find((h) => h.name === 'services-start');
    expect(started?.path).toBe(path.join(actionDir, 'batteries', 'services-start'));
    expect(started?.outcome).toBe('success');
    expect(readFileSync(path.join(standin, 'units', 'app.service'), 'utf8').trim()).toBe('active');
  }, 120_000);
});

describe('validate with batteries', () => {
  it('lists them in their phases and warns about a [Hooks] link to one it enables', async () => {
    const dir = workspace('validate');
    const pre = path.join(dir, 'hooks', 'pre-save');
    mkdirSync(pre, { recursive: true });
    symlinkSync(path.join(actionDir, 'batteries', 'postgresql-dump'), path.join(pre, '50-dump'));
    writeFileSync(
      path.join(dir, 'rekkord.ini'),
      '[Repository]\nURL = repo\nKeyFile = backup.key\n[Hooks]\nPreSaveDirectory = hooks/pre-save\n',
    );
    const run = await action(dir, { command: 'validate', batteries: 'postgresql' }, {});
    expect(run.exitCode, run.stdout).toBe(0);
    expect(hooks(run).map((h) => `${h.phase} ${h.name}`)).toEqual([
      'pre-save postgresql-dump',
      'pre-save 50-dump',
      'post-save postgresql-cleanup',
      'post-restore postgresql-drill',
    ]);
    const warnings = run.annotations.filter((a) => a.command === 'warning');
    expect(warnings.map((w) => w.message).join('\n')).toContain(
      "50-dump is the battery postgresql-dump, which the 'batteries' input also enables",
    );

    // The command line of the package, with a config without [Hooks]: the batteries alone.
    const alone = workspace('validate-alone');
    const cliRun = await command(alone, ['validate', '--batteries', 'sqlite'], {});
    expect(cliRun.status, cliRun.stdout + cliRun.stderr).toBe(0);
    expect(cliRun.stdout).toContain(path.join(work, 'npm', 'package', 'batteries'));
    expect(cliRun.stdout).toContain('sqlite-drill');
  }, 120_000);
});

describe('the example workflows', () => {
  interface Step {
    uses?: string;
    with?: Record<string, string>;
    env?: Record<string, string>;
  }
  function actionStep(file: string): Step {
    const doc = parse(readFileSync(path.join(ROOT, 'examples', 'workflows', file), 'utf8')) as {
      jobs: Record<string, { steps: Step[] }>;
    };
    const step = Object.values(doc.jobs)
      .flatMap((j) => j.steps)
      .find((s) => s.uses?.startsWith('OWNER/rekkord-hooks-action') && s.with?.batteries);
    if (!step?.with) throw new Error(`${file}: no step of the action with batteries`);
    return step;
  }

  it('nightly-self-hosted.yml saves with its batteries, restore-drill.yml drills with them', async () => {
    const dir = workspace('examples');
    const nightly = actionStep('nightly-self-hosted.yml');
    const drill = actionStep('restore-drill.yml');
    // The host's server and folders become this test's; the inputs that choose hooks stay.
    const env = { ...pg.env, POSTGRESQL_DUMP_DIR: path.join(dir, 'dumps') };
    const saved = await action(
      dir,
      { ...nightly.with, paths: 'dumps', 'hook-timeout': '600' },
      { ...nightly.env, ...env },
    );
    expect(saved.exitCode, saved.stdout).toBe(0);
    expect(saved.stdout).toContain('postgresql-dump: database app ->');
    const restored = await action(
      dir,
      { ...drill.with, snapshot: nightly.with?.channel ?? '', destination: 'drill' },
      { ...drill.env, ...env },
    );
    expect(restored.exitCode, restored.stdout).toBe(0);
    expect(restored.stdout).toContain('app: the dump loads, 1 tables, row counts match');
  }, 120_000);
});

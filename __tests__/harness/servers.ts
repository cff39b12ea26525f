/**
 * Real database servers for the battery tests, from Debian's packages: each one in its own
 * temporary folder, on loopback and a free port, never as a system service. On Linux a missing
 * tool is an error, not a skip: CI (.ci/run) installs them, so a test that did not run would hide
 * a broken battery.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from './local-runner.js';

export const BATTERIES = path.join(ROOT, 'batteries');

/** The absolute path of a tool, or an error naming the Debian package that brings it. */
export function requireTool(name: string, pkg: string): string {
  const found = spawnSync('sh', ['-c', `command -v "${name}"`], { encoding: 'utf8' });
  const where = found.stdout.trim();
  if (found.status !== 0 || !where) {
    throw new Error(`${name} is missing: install Debian's ${pkg} (.ci/run does)`);
  }
  return where;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function run(file: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const res = spawnSync(file, args, { encoding: 'utf8', env: env ?? process.env });
  if (res.status !== 0) {
    throw new Error(`${file} ${args.join(' ')} failed (${String(res.status)}): ${res.stderr}`);
  }
  return res.stdout;
}

/** A system user's uid and gid, from getent (the Debian packages create postgres and mysql). */
function systemUser(name: string): { uid: number; gid: number } {
  const [, , uid, gid] = run('getent', ['passwd', name]).trim().split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

const isRoot = process.getuid?.() === 0;

export interface BatteryResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one battery as a hook runs: no stdin, the given environment (PATH and a scratch HOME
 * unless given, so that no ~/.pgpass or ~/.my.cnf of the machine is read), optional arguments.
 * Asynchronous, so that an in-process server (the heartbeat's) can answer meanwhile.
 */
export function runBattery(
  name: string,
  env: Record<string, string | undefined>,
  args: string[] = [],
  file = path.join(BATTERIES, name),
): Promise<BatteryResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, HOME: os.tmpdir(), LANG: 'C', ...env },
    });
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

/** Waits for a child to exit, SIGKILL after `ms`. */
async function stopChild(child: ChildProcess, ms = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      resolve();
    });
  });
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

// ── PostgreSQL ──

export interface PostgresServer {
  port: number;
  dir: string;
  /** libpq's variables for the batteries: TCP on loopback, the superuser, no password (trust). */
  env: Record<string, string>;
  /** Runs SQL with psql on a database and returns its unaligned output. */
  sql(database: string, sql: string): string;
  stop(): Promise<void>;
}

function postgresBin(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(path.join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0])
    throw new Error("initdb is missing: install Debian's postgresql (.ci/run does)");
  return path.join(base, versions[0], 'bin');
}

/**
 * initdb and pg_ctl in a temporary folder: a unix socket there and TCP on 127.0.0.1. PostgreSQL
 * refuses to run as root ("cannot be run as root"), so as root the server runs as the postgres
 * user the Debian package creates, in a folder it owns.
 */
export async function startPostgres(): Promise<PostgresServer> {
  requireTool('psql', 'postgresql-client');
  requireTool('pg_dump', 'postgresql-client');
  const bin = postgresBin();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'battery-pg-'));
  chmodSync(dir, 0o755);
  const asServer = (tool: string, args: string[]): string => {
    if (!isRoot) return run(path.join(bin, tool), args);
    const { uid, gid } = systemUser('postgres');
    return run('setpriv', [
      `--reuid=${uid}`,
      `--regid=${gid}`,
      '--init-groups',
      path.join(bin, tool),
      ...args,
    ]);
  };
  if (isRoot) {
    const { uid, gid } = systemUser('postgres');
    chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  let started = false;
  const stop = (): Promise<void> => {
    if (started) {
      try {
        asServer('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already down: a test stopped it on purpose.
      }
      started = false;
    }
    rmSync(dir, { recursive: true, force: true });
    return Promise.resolve();
  };
  try {
    asServer('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
    started = true;
    asServer('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-k ${dir} -p ${port} -h 127.0.0.1 -c fsync=off`,
      'start',
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  const env = { PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' };
  return {
    port,
    dir,
    env,
    sql: (database, sql) =>
      run('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', sql], {
        ...process.env,
        ...env,
      }),
    stop,
  };
}

// ── MariaDB ──

export interface MariadbServer {
  port: number;
  dir: string;
  socket: string;
  /** An option file ([client] host, port, user backup, its password), mode 0600. */
  optionFile: string;
  password: string;
  /** Runs SQL as root through the socket and returns its tab-separated output. */
  sql(sql: string): string;
  stop(): Promise<void>;
}

/**
 * mariadb-install-db then mariadbd with its own datadir and socket in a temporary folder, TCP on
 * 127.0.0.1 only. As root the server drops to the mysql user (mariadbd --user), which owns the
 * folder. A user `backup` with a password is created: the batteries reach it through an option
 * file only.
 */
export async function startMariadb(): Promise<MariadbServer> {
  const installDb = requireTool('mariadb-install-db', 'mariadb-server');
  const server = existsSync('/usr/sbin/mariadbd')
    ? '/usr/sbin/mariadbd'
    : requireTool('mariadbd', 'mariadb-server');
  const client = requireTool('mariadb', 'mariadb-client');
  requireTool('mariadb-dump', 'mariadb-client');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'battery-mariadb-'));
  chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  mkdirSync(data);
  const user = isRoot ? ['--user=mysql'] : [];
  if (isRoot) {
    const { uid, gid } = systemUser('mysql');
    chownSync(dir, uid, gid);
    chownSync(data, uid, gid);
  }
  const socket = path.join(dir, 'mysqld.sock');
  const port = await freePort();
  let child: ChildProcess | null = null;
  const stop = async (): Promise<void> => {
    if (child) await stopChild(child, 20_000);
    child = null;
    rmSync(dir, { recursive: true, force: true });
  };
  const rootSql = (sql: string): string =>
    run(client, ['--no-defaults', `--socket=${socket}`, '-uroot', '-N', '-B', '-e', sql]);
  try {
    run(installDb, [
      '--no-defaults',
      ...user,
      `--datadir=${data}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ]);
    child = spawn(
      server,
      [
        '--no-defaults',
        ...user,
        `--datadir=${data}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${path.join(dir, 'mariadbd.pid')}`,
        `--log-error=${path.join(dir, 'error.log')}`,
        '--skip-log-bin',
        '--innodb-flush-log-at-trx-commit=0',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`mariadbd exited (${String(child.exitCode)})`);
      try {
        rootSql('SELECT 1');
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const password = `pw-${String(process.pid)}-${String(port)}`;
  rootSql(
    `CREATE USER backup@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT ALL ON *.* TO backup@'127.0.0.1' WITH GRANT OPTION;`,
  );
  const optionFile = path.join(dir, 'backup.cnf');
  writeFileSync(
    optionFile,
    `[client]\nhost=127.0.0.1\nport=${String(port)}\nuser=backup\npassword=${password}\n`,
    { mode: 0o600 },
  );
  return { port, dir, socket, optionFile, password, sql: rootSql, stop };
}

// ── Rekkord stand-in ──

export const STAND_IN_REKKORD = path.join(ROOT, '__tests__', 'stand-in', 'rekkord');

/** A stand-in repository and key in `dir`, and a config with the given extra lines. */
export function rekkordRepository(dir: string, extra = ''): string {
  mkdirSync(path.join(dir, 'repo'), { recursive: true });
  writeFileSync(path.join(dir, 'repo', 'rekkord.repo'), 'stand-in repository\n');
  writeFileSync(path.join(dir, 'backup.key'), 'key\n');
  const config = path.join(dir, 'rekkord.ini');
  writeFileSync(config, `[Repository]\nURL = repo\nKeyFile = backup.key\n${extra}`);
  return config;
}

/** Runs the Rekkord stand-in with the project's Node. */
export function rekkord(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<BatteryResult> {
  return runBattery('rekkord', env, [STAND_IN_REKKORD, ...args], process.execPath);
}

/** Saves `paths` with the stand-in (no hooks), restores the snapshot into a new folder. */
export async function roundTrip(dir: string, paths: string[]): Promise<string> {
  const config = rekkordRepository(dir);
  const saved = await rekkord(['save', '-C', config, 'drill', ...paths]);
  if (saved.status !== 0) throw new Error(`stand-in save failed: ${saved.stderr}`);
  const destination = path.join(dir, 'restored');
  const restored = await rekkord(['restore', '-C', config, 'drill', destination]);
  if (restored.status !== 0) throw new Error(`stand-in restore failed: ${restored.stderr}`);
  return destination;
}

/** What is left beside a battery's output folder: temporary names would show here. */
export function siblings(dir: string): string[] {
  return readdirSync(path.dirname(dir)).filter((n) => n.startsWith(`${path.basename(dir)}.`));
}

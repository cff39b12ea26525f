/**
 * services-stop and services-start. CI machines and containers have no running systemd and no
 * container engine, and stopping real services of the test machine would be wrong anyway, so
 * `systemctl`, `docker` and `podman` are stand-ins on PATH: small scripts that keep each unit's and
 * container's state in files and log every call. PATH holds only them and the few tools the
 * batteries use, so a real systemctl or docker of the machine can never be reached.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runBattery } from '../harness/servers.js';
import { ENGINE, SYSTEMCTL } from '../harness/service-stand-ins.js';

const TOOLS = ['sh', 'id', 'mktemp', 'mv', 'cat', 'sed', 'grep', 'rm', 'touch', 'wc', 'basename'];

let dir: string;
let env: Record<string, string>;

function tool(name: string): string {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
}

function setup(engines: string[]): void {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of TOOLS) symlinkSync(tool(name), path.join(bin, name));
  writeFileSync(path.join(bin, 'systemctl'), SYSTEMCTL, { mode: 0o755 });
  for (const engine of engines) {
    writeFileSync(path.join(bin, engine), ENGINE, { mode: 0o755 });
    mkdirSync(path.join(dir, 'containers', engine), { recursive: true });
  }
  mkdirSync(path.join(dir, 'units'));
  env = {
    PATH: bin,
    STANDIN: dir,
    SERVICES_STATE_FILE: path.join(dir, 'run', 'services.state'),
  };
  mkdirSync(path.join(dir, 'run'));
}

function unit(name: string, state: 'active' | 'inactive'): void {
  writeFileSync(path.join(dir, 'units', name), `${state}\n`);
}
function container(engine: string, name: string, state: 'running' | 'exited'): void {
  writeFileSync(path.join(dir, 'containers', engine, name), `${state}\n`);
}
function stateOf(kind: string, name: string): string {
  const file =
    kind === 'units' ? path.join(dir, 'units', name) : path.join(dir, 'containers', kind, name);
  return readFileSync(file, 'utf8').trim();
}
function calls(): string[] {
  const file = path.join(dir, 'calls');
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  return lines.filter((l) => !l.includes('is-active') && !l.includes('inspect'));
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'battery-services-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('services-stop and services-start', () => {
  it.each(['0', '1'])(
    'stop the running ones and start exactly those again, SUCCESS=%s',
    async (success) => {
      setup(['docker']);
      unit('web.service', 'active');
      unit('idle.service', 'inactive');
      unit('worker.service', 'active');
      container('docker', 'cache', 'running');
      container('docker', 'old', 'exited');
      const stop = await runBattery('services-stop', {
        ...env,
        SERVICES_UNITS: 'web.service idle.service worker.service',
        SERVICES_CONTAINERS: 'cache old',
      });
      expect(stop.stderr).toBe('');
      expect(stop.status).toBe(0);
      expect(stop.stdout).toContain('unit idle.service is not running: left alone');
      expect(calls()).toEqual([
        'systemctl stop -- web.service',
        'systemctl stop -- worker.service',
        'docker stop -- cache',
      ]);
      expect(readFileSync(env.SERVICES_STATE_FILE ?? '', 'utf8')).toBe(
        'unit systemctl web.service\nunit systemctl worker.service\ncontainer docker cache\n',
      );
      const start = await runBattery('services-start', { ...env, SUCCESS: success });
      expect(start.status).toBe(0);
      // Last stopped, first started; what was not running stays as it was.
      expect(calls().slice(3)).toEqual([
        'docker start -- cache',
        'systemctl start -- worker.service',
        'systemctl start -- web.service',
      ]);
      expect(stateOf('units', 'idle.service')).toBe('inactive');
      expect(stateOf('docker', 'old')).toBe('exited');
      expect(stateOf('units', 'web.service')).toBe('active');
      expect(existsSync(env.SERVICES_STATE_FILE ?? '')).toBe(false);
    },
  );

  it('starts again what it stopped when one unit will not stop, and fails', async () => {
    setup([]);
    unit('a.service', 'active');
    unit('b.service', 'active');
    unit('c.service', 'active');
    writeFileSync(path.join(dir, 'units', 'b.service.fail-stop'), '');
    const stop = await runBattery('services-stop', {
      ...env,
      SERVICES_UNITS: 'a.service b.service c.service',
    });
    expect(stop.status).not.toBe(0);
    expect(stop.stderr).toContain('started unit a.service again');
    expect(calls()).toEqual([
      'systemctl stop -- a.service',
      'systemctl stop -- b.service',
      'systemctl start -- a.service',
    ]);
    expect(stateOf('units', 'a.service')).toBe('active');
    expect(stateOf('units', 'c.service')).toBe('active');
    expect(existsSync(env.SERVICES_STATE_FILE ?? '')).toBe(false);
  });

  it('keeps what would not start in the state file, fails, and starts it on the next run', async () => {
    setup(['docker']);
    unit('web.service', 'active');
    container('docker', 'db', 'running');
    const vars = { ...env, SERVICES_UNITS: 'web.service', SERVICES_CONTAINERS: 'db' };
    expect((await runBattery('services-stop', vars)).status).toBe(0);
    writeFileSync(path.join(dir, 'containers', 'docker', 'db.fail-start'), '');
    const start = await runBattery('services-start', { ...env, SUCCESS: '0' });
    expect(start.status).toBe(1);
    expect(start.stderr).toContain('could not start container db');
    expect(stateOf('units', 'web.service')).toBe('active');
    expect(readFileSync(env.SERVICES_STATE_FILE ?? '', 'utf8')).toBe('container docker db\n');
    rmSync(path.join(dir, 'containers', 'docker', 'db.fail-start'));
    const again = await runBattery('services-start', { ...env, SUCCESS: '1' });
    expect(again.status).toBe(0);
    expect(stateOf('docker', 'db')).toBe('running');
    expect(existsSync(env.SERVICES_STATE_FILE ?? '')).toBe(false);
  });

  it('uses podman when docker is absent, or the engine named', async () => {
    setup(['podman']);
    container('podman', 'app', 'running');
    const stop = await runBattery('services-stop', { ...env, SERVICES_CONTAINERS: 'app' });
    expect(stop.status).toBe(0);
    expect(calls()).toEqual(['podman stop -- app']);
    expect((await runBattery('services-start', env)).status).toBe(0);
    const named = await runBattery('services-stop', {
      ...env,
      SERVICES_CONTAINERS: 'app',
      SERVICES_CONTAINER_ENGINE: 'docker',
    });
    expect(named.status).toBe(1);
    expect(named.stderr).toContain('docker not found');
  });

  it('fails on a container that does not exist, leaving every service running', async () => {
    setup(['docker']);
    unit('web.service', 'active');
    const stop = await runBattery('services-stop', {
      ...env,
      SERVICES_UNITS: 'web.service',
      SERVICES_CONTAINERS: 'nope',
    });
    expect(stop.status).toBe(1);
    expect(stop.stderr).toContain('no docker container nope');
    expect(stateOf('units', 'web.service')).toBe('active');
  });

  it('keeps the services an earlier run left stopped', async () => {
    setup([]);
    unit('a.service', 'inactive');
    unit('b.service', 'active');
    writeFileSync(env.SERVICES_STATE_FILE ?? '', 'unit systemctl a.service\n');
    const stop = await runBattery('services-stop', { ...env, SERVICES_UNITS: 'b.service' });
    expect(stop.status).toBe(0);
    expect(stop.stderr).toContain('lists services stopped by an earlier run');
    expect((await runBattery('services-start', { ...env, SUCCESS: '1' })).status).toBe(0);
    expect(stateOf('units', 'a.service')).toBe('active');
    expect(stateOf('units', 'b.service')).toBe('active');
  });

  it('stops nothing in a rehearsal, and has nothing to start when nothing was stopped', async () => {
    setup([]);
    unit('web.service', 'active');
    const stop = await runBattery('services-stop', {
      ...env,
      SERVICES_UNITS: 'web.service',
      REKKORD_HOOK_REHEARSAL: '1',
    });
    expect(stop.status).toBe(0);
    expect(calls()).toEqual([]);
    const start = await runBattery('services-start', { ...env, SUCCESS: '1' });
    expect(start.status).toBe(0);
    expect(start.stdout).toContain('nothing to start');
    expect(calls()).toEqual([]);
  });
});

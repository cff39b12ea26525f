/**
 * The Rekkord stand-in itself, run as a process: the behaviours of Rekkord's source the action's
 * tests rely on (global options, key file variables, identify, the [Link] report, --no_snapshot,
 * hooks).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STAND_IN } from './harness/local-runner.js';
import { logHook, readLines, scratch, writeFile } from './helpers/fixtures.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the stand-in in `cwd` with only the given environment; killed if it outlives 20 s. */
function rekkord(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(STAND_IN, args, {
      cwd,
      env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: cwd, ...env },
      timeout: 20_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

/** A folder with a stand-in repository, `data/file.txt`, and one key file per key type. */
function workspace(): string {
  const ws = scratch('rekkord-stand-in-');
  writeFile(path.join(ws, 'repo', 'rekkord.repo'), 'stand-in repository\n');
  writeFile(path.join(ws, 'data', 'file.txt'), 'data\n');
  for (const type of ['Master', 'ReadWrite', 'WriteOnly', 'LogOnly']) {
    writeFile(path.join(ws, 'keys', `${type}.key`), `${type}\n`);
  }
  return ws;
}

const keyType = (run: Run) => /^Key type: (\w+)$/m.exec(run.stderr)?.[1];
const OID = /^Snapshot OID: (M[0-9A-F]{64})$/m;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A loopback HTTP server playing the [Link] web app, answering `status` to every request. */
async function linkServer(status: number): Promise<{ url: string; requests: Received[] }> {
  const requests: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, key: req.headers['x-api-key'], body });
      res.writeHead(status).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}
interface Received {
  method?: string;
  url?: string;
  key?: string | string[];
  body: string;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('global options', () => {
  it.each([
    ['before the command', ['-K', 'keys/WriteOnly.key', '-R', 'repo', 'identify']],
    ['after the command', ['identify', '-R', 'repo', '-K', 'keys/WriteOnly.key']],
    ['as --long=value', ['identify', '--repository=repo', '--key_file=keys/WriteOnly.key']],
  ])('-K and -R are taken %s', async (_where, args) => {
    const ws = workspace();
    const run = await rekkord(ws, ['--no_config', ...args]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`Repository: ${path.join(ws, 'repo')} (WriteOnly)`);
    expect(keyType(run)).toBe('WriteOnly');
  });

  it('-K and -R override the config file; the config file overrides the environment', async () => {
    const ws = workspace();
    writeFile(path.join(ws, 'other', 'rekkord.repo'), 'another repository\n');
    writeFile(
      path.join(ws, 'rekkord.ini'),
      '[Repository]\nURL = other\nKeyFile = keys/Master.key\n',
    );
    const env = { REKKORD_KEY_FILE: 'keys/LogOnly.key', REKKORD_REPOSITORY: 'repo' };
    const fromConfig = await rekkord(ws, ['identify', '-C', 'rekkord.ini'], env);
    expect(fromConfig.stderr).toContain(`Repository: ${path.join(ws, 'other')} (Master)`);
    const fromOptions = await rekkord(
      ws,
      ['identify', '-C', 'rekkord.ini', '-K', 'keys/ReadWrite.key', '-R', 'repo'],
      env,
    );
    expect(fromOptions.stderr).toContain(`Repository: ${path.join(ws, 'repo')} (ReadWrite)`);
  });

  it('--no_config reads no config file, not even REKKORD_CONFIG_FILE', async () => {
    const ws = workspace();
    writeFile(
      path.join(ws, 'rekkord.ini'),
      '[Repository]\nURL = repo\nKeyFile = keys/Master.key\n',
    );
    const env = { REKKORD_CONFIG_FILE: path.join(ws, 'rekkord.ini') };
    expect(keyType(await rekkord(ws, ['identify'], env))).toBe('Master');
    const none = await rekkord(ws, ['identify', '--no_config'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('Missing repository location\nMissing repository key file\n');
  });

  it('-j takes a count of at least 1', async () => {
    const ws = workspace();
    const args = ['--no_config', '-R', 'repo', '-K', 'keys/Master.key', 'identify'];
    expect((await rekkord(ws, ['-j', '4', ...args])).code).toBe(0);
    const zero = await rekkord(ws, [...args, '--threads', '0']);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toContain('Threads count cannot be < 1');
  });
});

describe('key file variables', () => {
  const args = ['identify', '--no_config', '-R', 'repo'];

  it.each(['REKKORD_KEY_FILE', 'REKKORD_KEYFILE'])('%s alone names the key', async (name) => {
    const ws = workspace();
    const run = await rekkord(ws, args, { [name]: 'keys/WriteOnly.key' });
    expect(run.code).toBe(0);
    expect(keyType(run)).toBe('WriteOnly');
  });

  it('REKKORD_KEY_FILE comes first when both are set', async () => {
    const ws = workspace();
    const env = { REKKORD_KEY_FILE: 'keys/Master.key', REKKORD_KEYFILE: 'keys/LogOnly.key' };
    expect(keyType(await rekkord(ws, args, env))).toBe('Master');
  });

  it.each([
    ['new', 'REKKORD_KEYFILE'],
    ['old', 'REKKORD_KEY_FILE'],
  ])('a build of the %s name does not read %s', async (build, ignored) => {
    const ws = workspace();
    const env = { REKKORD_STANDIN_KEY_ENV: build, [ignored]: 'keys/Master.key' };
    const run = await rekkord(ws, args, env);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('Missing repository key file\n');
  });
});

describe('identify', () => {
  it.each(['Master', 'ReadWrite', 'WriteOnly', 'LogOnly'])(
    'names a %s key as its role and its key type',
    async (type) => {
      const ws = workspace();
      const run = await rekkord(ws, [
        'identify',
        '--no_config',
        '-R',
        'repo',
        '-K',
        `keys/${type}.key`,
      ]);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(
        new RegExp(
          `^Repository: .*/repo \\(${type}\\)\\n\\nKey ID: [0-9A-F]{32}\\nKey type: ${type}\\n$`,
        ),
      );
    },
  );

  it('takes a key file that names no type as ReadWrite, as the existing fixtures write them', async () => {
    const ws = workspace();
    writeFile(path.join(ws, 'backup.key'), 'key\n');
    const run = await rekkord(ws, ['identify', '--no_config', '-R', 'repo', '-K', 'backup.key']);
    expect(keyType(run)).toBe('ReadWrite');
    const demo = path.resolve('examples/demo');
    const demoRun = await rekkord(demo, ['identify', '-C', 'rekkord.ini']);
    expect(demoRun.code).toBe(0);
    expect(keyType(demoRun)).toBe('ReadWrite');
  });

  it('--offline reads the key file without the repository', async () => {
    const ws = workspace();
    const run = await rekkord(ws, [
      'identify',
      '--offline',
      '--no_config',
      '-K',
      'keys/LogOnly.key',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^Key ID: [0-9A-F]{32}\nKey type: LogOnly\n$/);
  });

  it('says Missing repository key file when no key is given anywhere', async () => {
    const ws = workspace();
    writeFile(path.join(ws, 'rekkord.ini'), '[Repository]\nURL = repo\n');
    for (const args of [['identify'], ['save', 'nightly', 'data'], ['scan']]) {
      const run = await rekkord(ws, [...args, '-C', 'rekkord.ini']);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe('Missing repository key file\n');
    }
  });
});

describe('save and the [Link] report', () => {
  /** A workspace whose config reports to `link`, with a logging post-save hook. */
  function linked(link: string, apiKey = 'link-secret'): string {
    const ws = workspace();
    const lines = ['[Repository]', 'URL = repo', 'KeyFile = keys/WriteOnly.key', '[Link]'];
    lines.push(`URL = ${link}`, `ApiKey = ${apiKey}`, '[Hooks]', 'PostSaveDirectory = post');
    writeFile(path.join(ws, 'rekkord.ini'), `${lines.join('\n')}\n`);
    logHook(path.join(ws, 'post'), 'report');
    return ws;
  }
  const save = (ws: string, ...extra: string[]) =>
    rekkord(ws, ['save', '-C', 'rekkord.ini', ...extra, 'nightly', 'data'], {
      HOOK_LOG: path.join(ws, 'hooks.log'),
    });

  it('writes the snapshot, prints its OID, then fails with exit 1 when the Link server is down', async () => {
    const ws = linked(`http://127.0.0.1:${await closedPort()}`);
    const run = await save(ws);
    expect(run.code).toBe(1);
    const oid = OID.exec(run.stderr)?.[1];
    expect(readdirSync(path.join(ws, 'repo', 'snapshots'))).toEqual([oid]);
    expect(run.stderr).toMatch(
      /Snapshot OID: .*\n[^]*Reporting snapshot to connected web app...\nFailed to perform report call: Couldn't connect to server\n$/,
    );
    // The post hooks run after the whole command, the failed report included.
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual(['-/report SUCCESS=0 OID=unset']);
  });

  it('cannot resolve a Link host that is not on loopback', async () => {
    const ws = linked('https://link.example.com');
    const run = await save(ws);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(OID);
    expect(run.stderr).toContain("Failed to perform report call: Couldn't resolve host name");
  });

  it('--no_report skips the report', async () => {
    const ws = linked('https://link.example.com');
    const run = await save(ws, '--no_report');
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('Reporting');
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual(['-/report SUCCESS=1 OID=unset']);
  });

  it('posts the snapshot to <URL>/api/link/snapshot with the API key', async () => {
    const link = await linkServer(200);
    const ws = linked(`${link.url}/`);
    const run = await save(ws);
    expect(run.code).toBe(0);
    expect(link.requests).toHaveLength(1);
    const request = link.requests[0] ?? { body: '' };
    expect(request).toMatchObject({
      method: 'POST',
      url: '/api/link/snapshot',
      key: 'link-secret',
    });
    expect(JSON.parse(request.body)).toMatchObject({
      channel: 'nightly',
      oid: OID.exec(run.stderr)?.[1],
    });
  });

  it('fails with the status the Link server answers', async () => {
    const link = await linkServer(500);
    const ws = linked(link.url);
    const run = await save(ws);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(OID);
    expect(run.stderr).toContain('Failed to send report with status 500');
  });
});

describe('save --no_snapshot', () => {
  const base = ['save', '--no_config', '-R', 'repo', '-K', 'keys/WriteOnly.key'];

  it('takes no channel, prints Data OID and writes no snapshot', async () => {
    const ws = workspace();
    const run = await rekkord(ws, [...base, '--no_snapshot', 'data']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^Data OID: M[0-9A-F]{64}$/m);
    expect(run.stderr).not.toContain('Snapshot OID:');
    expect(run.stderr).not.toContain('Snapshot channel:');
    expect(existsSync(path.join(ws, 'repo', 'snapshots'))).toBe(false);
  });

  it('says it in French too, and saves one object only', async () => {
    const ws = workspace();
    const fr = await rekkord(ws, [...base, '--no_snapshot', 'data'], { LANG: 'fr_FR.UTF-8' });
    expect(fr.stderr).toMatch(/^OID de l'objet : M[0-9A-F]{64}$/m);
    const two = await rekkord(ws, [...base, '--no_snapshot', 'data', 'repo']);
    expect(two.code).toBe(1);
    expect(two.stderr).toContain('Only one object can be saved up in raw mode');
  });
});

describe('hooks', () => {
  function hooked(): string {
    const ws = workspace();
    const lines = ['[Repository]', 'URL = repo', 'KeyFile = keys/WriteOnly.key', '[Hooks]'];
    lines.push('PreSaveDirectory = pre', 'PostSaveDirectory = post');
    writeFile(path.join(ws, 'rekkord.ini'), `${lines.join('\n')}\n`);
    logHook(path.join(ws, 'pre'), 'dump');
    logHook(path.join(ws, 'post'), 'a-first');
    logHook(path.join(ws, 'post'), 'b-second');
    return ws;
  }
  const save = (ws: string, paths: string[], env: Record<string, string> = {}) =>
    rekkord(ws, ['save', '-C', 'rekkord.ini', 'nightly', ...paths], {
      HOOK_LOG: path.join(ws, 'hooks.log'),
      ...env,
    });

  it('runs the save hooks, SUCCESS=1 after a save that worked', async () => {
    const ws = hooked();
    const run = await save(ws, ['data']);
    expect(run.code).toBe(0);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
      '-/dump SUCCESS=unset OID=unset',
      '-/a-first SUCCESS=1 OID=unset',
      '-/b-second SUCCESS=1 OID=unset',
    ]);
  });

  it('gives SUCCESS=0 after a failed save, and to every hook after a failed hook', async () => {
    const ws = hooked();
    expect((await save(ws, ['missing'])).code).toBe(1);
    logHook(path.join(ws, 'post'), 'a-first', 3);
    expect((await save(ws, ['data'])).code).toBe(1);
    expect(readLines(path.join(ws, 'hooks.log')).filter((l) => !l.includes('dump'))).toEqual([
      '-/a-first SUCCESS=0 OID=unset',
      '-/b-second SUCCESS=0 OID=unset',
      '-/a-first SUCCESS=1 OID=unset',
      '-/b-second SUCCESS=0 OID=unset',
    ]);
  });

  it('a failed pre hook stops the save before any snapshot and any post hook', async () => {
    const ws = hooked();
    logHook(path.join(ws, 'pre'), 'dump', 1);
    const run = await save(ws, ['data']);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toContain('Snapshot OID');
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual(['-/dump SUCCESS=unset OID=unset']);
  });

  it('--no_hooks runs none; a Rekkord older than it refuses the option', async () => {
    const ws = hooked();
    const run = await rekkord(ws, ['save', '--no_hooks', '-C', 'rekkord.ini', 'nightly', 'data'], {
      HOOK_LOG: path.join(ws, 'hooks.log'),
    });
    expect(run.code).toBe(0);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);
    const old = await rekkord(ws, ['save', '--no_hooks', '-C', 'rekkord.ini', 'nightly', 'data'], {
      REKKORD_STANDIN_NO_HOOKS_OPTION: '0',
    });
    expect(old.code).toBe(1);
    expect(old.stderr).toContain("Unknown option '--no_hooks'");
  });

  it('checks that the key may write before any hook', async () => {
    const ws = hooked();
    const run = await rekkord(
      ws,
      ['save', '-C', 'rekkord.ini', '-K', 'keys/LogOnly.key', 'nightly', 'data'],
      { HOOK_LOG: path.join(ws, 'hooks.log') },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Cannot save data with LogOnly key');
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);
  });
});

/**
 * Rekkord's newest contract, through the bundled action and the command line: repository options
 * in `args` reach identify, both key file variables, a save that writes its snapshot then fails
 * its [Link] report, `save --no_snapshot`, keys a newer Rekkord may know, and restore with no
 * hook-free copy.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runAction, STAND_IN } from './harness/local-runner.js';
import {
  actionOptions,
  backupWorkspace,
  logHook,
  readLines,
  standInRuns,
  writeFile,
} from './helpers/fixtures.js';

const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: cwd, ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A workspace whose config names no key file (and, with `url: false`, no repository). */
function keylessWorkspace(url = true): string {
  const { ws } = backupWorkspace({ PreSaveDirectory: 'pre', PostSaveDirectory: 'post' });
  writeFile(
    path.join(ws, 'rekkord.ini'),
    `[Repository]\n${url ? 'URL = repo\n' : ''}[Hooks]\nPreSaveDirectory = pre\nPostSaveDirectory = post\n`,
  );
  logHook(path.join(ws, 'pre'), 'dump');
  logHook(path.join(ws, 'post'), 'notify');
  return ws;
}

const errors = (r: { annotations: { command: string; message: string }[] }) =>
  r.annotations.filter((a) => a.command === 'error').map((a) => a.message);

describe('repository options in args', () => {
  it.each([
    ['-K FILE', ['-K', 'backup.key']],
    ['--key_file=FILE', ['--key_file=backup.key']],
  ])('%s with no key in the config reaches identify and the save', async (_, keyArgs) => {
    const ws = keylessWorkspace();
    const run = await runAction(actionOptions(ws, { args: [...keyArgs, '--follow'].join('\n') }));
    expect(errors(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    // identify gets the repository options only: it would refuse a save option like --follow.
    expect(standInRuns(ws, 'identify').map((r) => r.argv.slice(3))).toEqual([keyArgs]);
    expect(standInRuns(ws)[0]?.argv).toEqual(expect.arrayContaining([...keyArgs, '--follow']));
    expect(readLines(path.join(ws, 'hooks.log'))).toHaveLength(2);
  });

  it('-R URL and -j with no repository in the config, from the command line too', () => {
    const ws = keylessWorkspace(false);
    const run = cli(
      ws,
      [
        'save',
        ...['-C', 'rekkord.ini', '--rekkord', STAND_IN, '--channel', 'nightly'],
        ...['-R', 'repo', '-K', 'backup.key', '-j', '2'].map((a) => `--arg=${a}`),
        'data',
      ],
      { HOOK_LOG: path.join(ws, 'hooks.log'), REKKORD_STANDIN_LOG: path.join(ws, 'rekkord.log') },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(standInRuns(ws, 'identify')[0]?.argv.slice(3)).toEqual([
      '-R',
      'repo',
      '-K',
      'backup.key',
      '-j',
      '2',
    ]);
  });

  it('without them the repository does not open and no hook runs', async () => {
    const ws = keylessWorkspace();
    const run = await runAction(actionOptions(ws));
    expect(run.exitCode).toBe(1);
    expect(errors(run)[0]).toContain('Missing repository key file');
    expect(errors(run)[0]).toContain(
      "No key file is named: set [Repository] KeyFile in the config, -K FILE in 'args', or REKKORD_KEY_FILE (REKKORD_KEYFILE for builds",
    );
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);
  });

  it('the command line says where its own Rekkord arguments name the key file', () => {
    const ws = keylessWorkspace();
    const run = cli(
      ws,
      ['save', '-C', 'rekkord.ini', '--rekkord', STAND_IN, '--channel', 'n', 'data'],
      {
        HOOK_LOG: path.join(ws, 'hooks.log'),
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'No key file is named: set [Repository] KeyFile in the config, -K FILE in the Rekkord arguments (-- -K FILE), or REKKORD_KEY_FILE',
    );
    expect(run.stderr).not.toContain("'args'");
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);
  });
});

describe('key file variables', () => {
  it.each([
    ['REKKORD_KEY_FILE', 'new'],
    ['REKKORD_KEYFILE', 'old'],
  ])('%s, for a build that reads it', async (variable, build) => {
    const ws = keylessWorkspace();
    const env = { [variable]: path.join(ws, 'backup.key'), REKKORD_STANDIN_KEY_ENV: build };
    const run = await runAction(actionOptions(ws, {}, env));
    expect(errors(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
  });

  it('names both variables when the build reads the other one', async () => {
    const ws = keylessWorkspace();
    const env = { REKKORD_KEYFILE: path.join(ws, 'backup.key'), REKKORD_STANDIN_KEY_ENV: 'new' };
    const run = await runAction(actionOptions(ws, {}, env));
    expect(run.exitCode).toBe(1);
    expect(errors(run)[0]).toContain('Missing repository key file');
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);
  });
});

describe('a save that writes its snapshot, then fails', () => {
  it('reports the OID, says the snapshot exists, and post hooks get SUCCESS=0', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const { ws } = backupWorkspace(
        { PostSaveDirectory: 'post' },
        `[Link]\nURL = http://127.0.0.1:${port}\nApiKey = link-key\n`,
      );
      logHook(path.join(ws, 'post'), 'notify');
      const run = await runAction(actionOptions(ws));
      expect(run.exitCode).toBe(1);
      const oid = run.outputs.oid ?? '';
      expect(oid).toMatch(/^M[0-9A-F]{64}$/);
      expect(run.stdout).toContain('Failed to send report with status 503');
      expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
        `save-post/notify SUCCESS=0 OID=${oid}`,
      ]);
      expect(run.summary).toContain(
        `Snapshot <code>${oid}</code> exists in channel <code>nightly</code>, but Rekkord failed after writing it (exit code 1).`,
      );
      expect(run.outputs.success).toBe('false');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('save --no_snapshot', () => {
  it('saves one path with no channel and reads the Data OID', async () => {
    const { ws } = backupWorkspace({ PostSaveDirectory: 'post' });
    logHook(path.join(ws, 'post'), 'notify');
    const run = await runAction(actionOptions(ws, { channel: '', args: '--no_snapshot' }));
    expect(errors(run)).toEqual([]);
    expect(run.exitCode).toBe(0);
    const oid = run.outputs.oid ?? '';
    expect(oid).toMatch(/^M[0-9A-F]{64}$/);
    expect(standInRuns(ws)[0]?.argv.slice(-2)).toEqual(['--no_snapshot', 'data']);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
      `save-post/notify SUCCESS=1 OID=${oid}`,
    ]);
    expect(run.summary).toContain(
      `Object <code>${oid}</code> saved (save --no_snapshot: an object, no channel).`,
    );
  });

  it.each([
    [{ args: '--no_snapshot' }, "Input 'channel' is not used with --no_snapshot"],
    [{ channel: '', args: '--no_snapshot', paths: 'data\nrekkord.ini' }, 'must hold one path'],
  ])('refuses %j before any hook', async (inputs, message) => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre' });
    logHook(path.join(ws, 'pre'), 'dump');
    const run = await runAction(actionOptions(ws, inputs));
    expect(run.exitCode).toBe(1);
    expect(errors(run)[0]).toContain(message);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);
  });

  it('the command line reads the Data OID too', () => {
    const { ws } = backupWorkspace();
    const run = cli(ws, [
      'save',
      ...['-C', 'rekkord.ini', '--rekkord', STAND_IN, '--arg=--no_snapshot', 'data'],
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/✔ rekkord save with hooks succeeded: snapshot M[0-9A-F]{64}/);
  });
});

describe('keys a newer Rekkord may know', () => {
  it('leaves an unknown [S3] key to Rekkord: its verdict reaches the user before any hook', async () => {
    const { ws } = backupWorkspace(
      { PreSaveDirectory: 'pre' },
      '[S3]\nBucket = b\nRetentionMode = governance\n',
    );
    logHook(path.join(ws, 'pre'), 'dump');
    const run = await runAction(actionOptions(ws));
    expect(run.exitCode).toBe(1);
    expect(errors(run)[0]).toContain("Unknown attribute 'RetentionMode'");
    expect(errors(run)[0]).toMatch(/^No hook ran: 'rekkord identify'/);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);
  });

  it('validate, which has no Rekkord, warns on the line', async () => {
    const { ws, config } = backupWorkspace({}, '[S3]\nBucket = b\nRetentionMode = governance\n');
    const run = await runAction(actionOptions(ws, { command: 'validate', channel: '', paths: '' }));
    expect(run.exitCode).toBe(0);
    const warning = run.annotations.find((a) => a.command === 'warning');
    expect(warning?.message).toContain('key RetentionMode in [S3] is unknown to the newest');
    expect(warning?.properties.file).toBe(path.relative(ws, config));
    expect(warning?.properties.line).toBe('8');
  });
});

describe('restore', () => {
  it('gets the config as written, with no copy and no note of one, from a Rekkord without --no_hooks', async () => {
    const { ws, config } = backupWorkspace({ PreSaveDirectory: 'pre' });
    const env = { REKKORD_STANDIN_NO_HOOKS_OPTION: '0' };
    expect((await runAction(actionOptions(ws, {}, env))).exitCode).toBe(0);
    const run = await runAction(
      actionOptions(
        ws,
        { command: 'restore', channel: '', paths: '', snapshot: 'nightly', destination: 'out' },
        env,
      ),
    );
    expect(run.exitCode).toBe(0);
    expect(standInRuns(ws).at(-1)?.config).toBe(config);
    expect(run.stdout).not.toContain('private copy');
  });
});

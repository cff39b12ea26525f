/**
 * The bundled action (dist/index.js) run as the runner runs it, against real hook scripts and the
 * Rekkord stand-in, which runs [Hooks] itself as Rekkord 0.104+ does: a hook run twice shows.
 */
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runAction, STAND_IN, type ActionRun } from './harness/local-runner.js';
import {
  actionOptions,
  backupWorkspace,
  logHook,
  readLines,
  scratch,
  writeFile,
  writeHook,
  standInRuns,
} from './helpers/fixtures.js';

const BOTH = { PreSaveDirectory: 'hooks/pre', PostSaveDirectory: 'hooks/post' };

function save(
  ws: string,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<ActionRun> {
  return runAction(actionOptions(ws, { channel: 'nightly-db', ...inputs }, env));
}

const errors = (run: ActionRun) => run.annotations.filter((a) => a.command === 'error');
const groups = (run: ActionRun) =>
  run.commands.filter((c) => c.command === 'group').map((c) => c.message);
const rekkordRuns = (ws: string) => standInRuns(ws);

/** Asserts that the run stopped before any hook or Rekkord ran, with one clear error. */
function expectRejected(run: ActionRun, ws: string, message: string): void {
  expect(run.exitCode).toBe(1);
  expect(errors(run)).toHaveLength(1);
  expect(errors(run)[0]?.message).toContain(message);
  expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);
  expect(rekkordRuns(ws)).toEqual([]);
  expect(run.outputs).toMatchObject({ success: 'false', hooks: '[]', 'failed-hooks': '0' });
}

describe('a backup step, as the runner runs it', () => {
  it('runs pre hooks, rekkord save, post hooks, each once, and reports them', async () => {
    const { ws } = backupWorkspace(BOTH);
    logHook(path.join(ws, 'hooks/pre'), '10-dump');
    logHook(path.join(ws, 'hooks/pre'), '20-stop-service');
    logHook(path.join(ws, 'hooks/post'), '80-start-service');
    const run = await save(ws);

    expect(run.exitCode).toBe(0);
    const oid = run.outputs.oid ?? '';
    expect(oid).toMatch(/^M[0-9A-F]{64}$/);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
      'save-pre/10-dump SUCCESS=unset OID=unset',
      'save-pre/20-stop-service SUCCESS=unset OID=unset',
      `save-post/80-start-service SUCCESS=1 OID=${oid}`,
    ]);
    expect(groups(run)).toEqual([
      'pre-save › 10-dump',
      'pre-save › 20-stop-service',
      `rekkord save -C ${path.join(ws, 'rekkord.ini')} --no_hooks nightly-db data`,
      'post-save › 80-start-service',
    ]);
    // The hook's output sits between a pause of workflow commands and its end.
    expect(run.stdout).toMatch(
      /::group::pre-save › 10-dump\n::stop-commands::(rekkord-hooks-[\w-]+)\n10-dump ran\n::\1::\n::endgroup::\n/,
    );
    expect(errors(run)).toEqual([]);
    expect(run.annotations).toEqual([
      {
        command: 'notice',
        properties: { title: 'Rekkord snapshot' },
        message: `Snapshot ${oid} saved in channel nightly-db`,
      },
    ]);
    expect(run.outputs.success).toBe('true');
    expect(run.outputs['failed-hooks']).toBe('0');
    const hooks = JSON.parse(run.outputs.hooks ?? '') as Record<string, unknown>[];
    expect(hooks.map((h) => [h.phase, h.name, h.exitCode, h.signal, h.outcome])).toEqual([
      ['pre-save', '10-dump', 0, null, 'success'],
      ['pre-save', '20-stop-service', 0, null, 'success'],
      ['post-save', '80-start-service', 0, null, 'success'],
    ]);
    expect(hooks[0]?.path).toBe(path.join(ws, 'hooks/pre/10-dump'));
    expect(typeof hooks[0]?.durationMs).toBe('number');
    expect(run.summary).toContain('## Rekkord save ✅ succeeded');
    expect(run.summary).toContain('| pre-save | <code>10-dump</code> | ✅ success | 0 |');
    expect(run.summary).toContain('| rekkord | <code>rekkord save</code> | ✅ success | 0 |');
    expect(run.summary).toContain('| post-save | <code>80-start-service</code> | ✅ success | 0 |');
  });

  it("gives Rekkord the user's config as written, with --no_hooks, after identify", async () => {
    const { ws, config } = backupWorkspace(BOTH, '[Settings]\nThreads = 2\n');
    logHook(path.join(ws, 'hooks/pre'), 'a');
    const run = await save(ws);
    expect(run.exitCode).toBe(0);
    expect(standInRuns(ws, 'identify').map((r) => r.argv)).toEqual([['identify', '-C', config]]);
    expect(rekkordRuns(ws).map((r) => r.argv)).toEqual([
      ['save', '-C', config, '--no_hooks', 'nightly-db', 'data'],
    ]);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual(['save-pre/a SUCCESS=unset OID=unset']);
  });

  it('without --no_hooks (an older Rekkord), gives it a private copy of the config without [Hooks], removed afterwards', async () => {
    const { ws } = backupWorkspace(BOTH, '[Settings]\nThreads = 2\n');
    logHook(path.join(ws, 'hooks/pre'), 'a');
    const run = await save(ws, {}, { REKKORD_STANDIN_NO_HOOKS_OPTION: '0' });
    expect(run.exitCode).toBe(0);
    const [rekkord] = rekkordRuns(ws);
    expect(rekkord?.mode).toBe('600');
    expect(rekkord?.text).toBe(
      `[Repository]\nURL = ${path.join(ws, 'repo')}\nKeyFile = ${path.join(ws, 'backup.key')}\n\n[Settings]\nThreads = 2\n`,
    );
    expect(existsSync(rekkord?.config ?? '')).toBe(false);
    expect(existsSync(path.dirname(rekkord?.config ?? ''))).toBe(false);
  });

  it('passes the extra args after the config and --no_hooks, before the channel', async () => {
    const { ws, config } = backupWorkspace();
    const run = await save(ws, { args: '--threads\n4\n' });
    expect(run.exitCode).toBe(0);
    expect(rekkordRuns(ws)[0]?.argv).toEqual([
      'save',
      '-C',
      config,
      '--no_hooks',
      '--threads',
      '4',
      'nightly-db',
      'data',
    ]);
  });
});

describe('reading [Hooks] exactly as Rekkord does', () => {
  it('resolves a relative hook directory against the config file folder, not the workspace', async () => {
    const { ws } = backupWorkspace();
    const confDir = path.join(ws, 'etc');
    writeFile(
      path.join(confDir, 'rekkord.ini'),
      '[Repository]\nURL = ../repo\nKeyFile = ../backup.key\n[Hooks]\nPreSaveDirectory = hooks.d\n',
    );
    logHook(path.join(confDir, 'hooks.d'), 'from-config-folder');
    logHook(path.join(ws, 'hooks.d'), 'from-workspace');
    const run = await save(ws, { config: 'etc/rekkord.ini' });
    expect(run.exitCode).toBe(0);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
      'save-pre/from-config-folder SUCCESS=unset OID=unset',
    ]);
  });

  it('finds the config through $REKKORD_CONFIG_FILE when the input is empty', async () => {
    const { ws, config } = backupWorkspace({ PreSaveDirectory: 'pre' });
    logHook(path.join(ws, 'pre'), 'env-config');
    const run = await save(ws, { config: '' }, { REKKORD_CONFIG_FILE: config });
    expect(run.exitCode).toBe(0);
    expect(readLines(path.join(ws, 'hooks.log'))).toHaveLength(1);
  });

  it('finds rekkord.ini beside the executable, as Rekkord does', async () => {
    const { ws, config } = backupWorkspace({ PreSaveDirectory: 'pre' });
    logHook(path.join(ws, 'pre'), 'beside');
    mkdirSync(path.join(ws, 'bin'));
    copyFileSync(STAND_IN, path.join(ws, 'bin', 'rekkord'));
    copyFileSync(config, path.join(ws, 'bin', 'rekkord.ini'));
    writeFile(
      path.join(ws, 'bin', 'rekkord.ini'),
      '[Repository]\nURL = ../repo\nKeyFile = ../backup.key\n[Hooks]\nPreSaveDirectory = ../pre\n',
    );
    const run = await save(
      ws,
      { config: '', rekkord: 'rekkord' },
      { PATH: `${path.join(ws, 'bin')}:/usr/bin:/bin`, XDG_CONFIG_HOME: ws },
    );
    expect(run.exitCode).toBe(0);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
      'save-pre/beside SUCCESS=unset OID=unset',
    ]);
  });

  it.each([
    [
      'an inline comment',
      'PreSaveDirectory = pre # dumps',
      'does not exist (most INI readers would read "pre"',
    ],
    ['quotes', 'PreSaveDirectory = "pre"', 'does not exist (most INI readers would read "pre"'],
    ['a line without =', 'PreSaveDirectory pre', 'rekkord.ini:7: expected "key = value"'],
    [
      'a key in the wrong case',
      'presavedirectory = pre',
      'unknown key "presavedirectory" in [Hooks]',
    ],
    [
      'an unknown [Hooks] key',
      'PreBackupDirectory = pre',
      'unknown key in [Hooks] (the action knows',
    ],
    ['an empty directory', 'PreSaveDirectory =', '[Hooks] PreSaveDirectory is empty'],
  ])('stops before running anything on %s', async (_, line, message) => {
    const { ws } = backupWorkspace({ PostSaveDirectory: 'post' }, `${line}\n`);
    logHook(path.join(ws, 'pre'), 'would-dump');
    logHook(path.join(ws, 'post'), 'would-restart');
    const run = await save(ws);
    expectRejected(run, ws, message);
  });

  it('stops on an unknown section in any case, as Rekkord would refuse the file', async () => {
    const { ws } = backupWorkspace(BOTH, '[hooks]\nPreSaveDirectory = hooks/pre\n');
    logHook(path.join(ws, 'hooks/pre'), 'x');
    expectRejected(await save(ws), ws, 'unknown section [hooks]');
  });
});

describe('hook directories', () => {
  it('runs entries in byte order, dotfiles too as Rekkord does, skips folders, fails what cannot start', async () => {
    const { ws } = backupWorkspace(BOTH);
    const pre = path.join(ws, 'hooks/pre');
    for (const name of ['a', '_x', 'B', '9', '10']) logHook(pre, name);
    logHook(pre, '.disabled');
    mkdirSync(path.join(pre, 'lib'));
    writeFile(path.join(pre, 'README'), 'notes\n');
    logHook(path.join(ws, 'hooks/post'), 'post');
    const run = await save(ws);

    expect(run.exitCode).toBe(1);
    // README sorts between B and _x: the hooks after the failed one still run.
    expect(readLines(path.join(ws, 'hooks.log')).map((l) => l.split(' ')[0])).toEqual([
      'save-pre/.disabled',
      'save-pre/10',
      'save-pre/9',
      'save-pre/B',
      'save-pre/_x',
      'save-pre/a',
      'save-post/post',
    ]);
    const [readme, ...rest] = errors(run);
    expect(readme).toMatchObject({
      properties: { title: 'pre-save hook README failed (not started)', file: 'hooks/pre/README' },
      message: `${path.join(pre, 'README')}: not started: it is not executable (mode 0644; run chmod +x on it)`,
    });
    expect(rest.map((e) => e.message)).toEqual([
      expect.stringContaining('1 of 8 hooks failed; rekkord save did not run'),
    ]);
    expect(run.summary).toContain('Skipped entries: <code>pre-save/lib</code> (directory)');
    expect(run.stdout).toContain('skipped: lib (directory)');
  });

  it('stops before anything runs when a configured directory does not exist', async () => {
    const { ws } = backupWorkspace(
      { PreSaveDirectory: 'hooks/pre' },
      'PostSaveDirectory = hooks/missing\n',
    );
    logHook(path.join(ws, 'hooks/pre'), 'would-stop-db');
    expectRejected(
      await save(ws),
      ws,
      `the hook directory ${path.join(ws, 'hooks/missing')} does not exist`,
    );
  });
});

describe('failures', () => {
  it('runs all pre hooks after one fails, skips Rekkord, restarts with post hooks (SUCCESS=0), fails the step', async () => {
    const { ws } = backupWorkspace(BOTH);
    logHook(path.join(ws, 'hooks/pre'), '10-stop-db');
    logHook(path.join(ws, 'hooks/pre'), '20-dump', 3);
    logHook(path.join(ws, 'hooks/pre'), '30-more');
    logHook(path.join(ws, 'hooks/post'), '90-start-db');
    const run = await save(ws);
    expect(run.exitCode).toBe(1);
    expect(rekkordRuns(ws)).toEqual([]);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
      'save-pre/10-stop-db SUCCESS=unset OID=unset',
      'save-pre/20-dump SUCCESS=unset OID=unset',
      'save-pre/30-more SUCCESS=unset OID=unset',
      'save-post/90-start-db SUCCESS=0 OID=',
    ]);
    expect(errors(run).map((e) => e.properties.title ?? e.message)).toEqual([
      'pre-save hook 20-dump failed (exit code 3)',
      'Rekkord save with hooks failed: 1 of 4 hooks failed; rekkord save did not run',
    ]);
    expect(errors(run)[0]?.message).toContain('Last output:\n20-dump ran');
    expect(run.outputs).toMatchObject({ success: 'false', oid: '', 'failed-hooks': '1' });
    expect(run.summary).toContain('| rekkord | <code>rekkord save</code> | ⏭️ skipped |');
  });

  it('gives later post hooks SUCCESS=0 after a post hook fails, and fails the step', async () => {
    const { ws } = backupWorkspace(BOTH);
    logHook(path.join(ws, 'hooks/post'), '10-notify', 1);
    logHook(path.join(ws, 'hooks/post'), '20-after');
    const run = await save(ws);
    expect(run.exitCode).toBe(1);
    expect(readLines(path.join(ws, 'hooks.log')).map((l) => l.replace(/ OID=.*/, ''))).toEqual([
      'save-post/10-notify SUCCESS=1',
      'save-post/20-after SUCCESS=0',
    ]);
    expect(run.outputs.oid).toMatch(/^M/);
    expect(run.outputs.success).toBe('false');
  });

  it('shows the last lines of a failed Rekkord step in its annotation, post hooks get SUCCESS=0', async () => {
    const { ws } = backupWorkspace(BOTH);
    logHook(path.join(ws, 'hooks/post'), 'notify');
    const run = await save(ws, { paths: 'data\nno-such-dir\n' });
    expect(run.exitCode).toBe(1);
    const [step] = errors(run);
    expect(step?.properties.title).toBe('rekkord save failed (exit code 1)');
    expect(step?.message).toContain("Cannot stat 'no-such-dir': No such file or directory");
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual(['save-post/notify SUCCESS=0 OID=']);
  });

  it('shows at most 10 errors, the last saying how many more', async () => {
    const { ws } = backupWorkspace(BOTH);
    for (let i = 10; i < 25; i++) logHook(path.join(ws, 'hooks/pre'), `h${i}`, 1);
    const run = await save(ws);
    expect(run.exitCode).toBe(1);
    const shown = errors(run);
    expect(shown).toHaveLength(10);
    expect(shown[7]?.properties).toMatchObject({
      title: 'pre-save hook h17 failed (exit code 1)',
      file: 'hooks/pre/h17',
    });
    expect(shown[8]?.properties.title).toBe('7 more failures');
    expect(shown[9]?.message).toContain('15 of 15 hooks failed');
    expect(run.outputs['failed-hooks']).toBe('15');
    expect(run.summary.match(/❌ failure/g)).toHaveLength(15);
  });
});

describe('the Rekkord step and the hook environment', () => {
  it('reads the OID in English whatever the locale, and post hooks see it', async () => {
    const { ws } = backupWorkspace(BOTH);
    writeHook(
      path.join(ws, 'hooks/post'),
      'show',
      'echo "cmd=$REKKORD_HOOK_COMMAND phase=$REKKORD_HOOK_PHASE channel=$REKKORD_HOOK_CHANNEL oid=$REKKORD_HOOK_OID code=$REKKORD_HOOK_EXIT_CODE config=$REKKORD_HOOK_CONFIG pwd=$(pwd)"',
    );
    const run = await save(ws, {}, { LANGUAGE: 'fr', LANG: 'fr_FR.UTF-8' });
    expect(run.exitCode).toBe(0);
    const oid = run.outputs.oid ?? '';
    expect(oid).toMatch(/^M[0-9A-F]{64}$/);
    expect(run.stdout).toContain(
      `cmd=save phase=post channel=nightly-db oid=${oid} code=0 config=${path.join(ws, 'rekkord.ini')} pwd=${ws}`,
    );
  });

  it('runs scan hooks around rekkord scan', async () => {
    const { ws } = backupWorkspace({ PreScanDirectory: 'pre', PostScanDirectory: 'post' });
    logHook(path.join(ws, 'pre'), 'a');
    logHook(path.join(ws, 'post'), 'b');
    const run = await runAction({
      workspace: ws,
      inputs: { command: 'scan', config: 'rekkord.ini', rekkord: STAND_IN },
      env: { HOOK_LOG: path.join(ws, 'hooks.log') },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('There does not seem to be any snapshot');
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
      'scan-pre/a SUCCESS=unset OID=unset',
      'scan-post/b SUCCESS=1 OID=',
    ]);
    expect(run.outputs).toMatchObject({ success: 'true', oid: '' });
  });
});

describe('bad input', () => {
  const cases: [string, Record<string, string>, string][] = [
    [
      'an unknown command',
      { command: 'backup' },
      "Input 'command' is 'backup'; expected one of save, scan, restore, validate",
    ],
    [
      'a missing config',
      { config: 'nope.ini' },
      "nope.ini (from the 'config' input) does not exist",
    ],
    ['an empty channel', { channel: '' }, "Input 'channel' is required"],
    [
      'an over-long channel',
      { channel: 'c'.repeat(257) },
      "Input 'channel' is 257 bytes long; Rekkord's limit is 256 bytes",
    ],
    ['a save without paths', { paths: '' }, "Input 'paths' is required for save"],
    [
      'a missing Rekkord',
      { rekkord: 'rekkord-not-installed' },
      "Rekkord was not found: no executable 'rekkord-not-installed' in PATH. Install Rekkord",
    ],
    ['a bad hook timeout', { 'hook-timeout': 'soon' }, "Input 'hook-timeout' is 'soon'"],
  ];
  it.each(cases)('rejects %s with a clear error and runs nothing', async (_, inputs, message) => {
    const { ws } = backupWorkspace(BOTH);
    logHook(path.join(ws, 'hooks/pre'), 'pre');
    logHook(path.join(ws, 'hooks/post'), 'post');
    expectRejected(await save(ws, inputs), ws, message);
  });

  it('rejects an unreadable config path that is a folder', async () => {
    const ws = scratch();
    expectRejected(await save(ws, { config: '.' }), ws, 'is a directory, not a file');
    expect(readdirSync(ws)).toEqual([]);
  });
});

describe('the example in examples/demo', () => {
  it('backs up green from the repository root, as the uses: ./ job in CI runs it', async () => {
    const ws = scratch();
    cpSync(path.join(ROOT, 'examples'), path.join(ws, 'examples'), { recursive: true });
    const run = await runAction({
      workspace: ws,
      inputs: {
        command: 'save',
        config: 'examples/demo/rekkord.ini',
        channel: 'ci-demo',
        paths: 'examples/demo/data',
        rekkord: STAND_IN,
      },
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ success: 'true', 'failed-hooks': '0' });
    expect(JSON.parse(run.outputs.hooks ?? '')).toHaveLength(3);
    expect(run.stdout).toContain(`Backup succeeded: snapshot ${run.outputs.oid ?? ''}`);
    expect(run.summary).not.toContain('Skipped entries');
  });
});

describe('remote repositories', () => {
  it.each([
    ['backup@nas:/srv/rekkord', 'nas'],
    ['sftp://backup@nas/srv/rekkord', 'nas'],
    ['s3:https://s3.example.com/bucket', 's3.example.com'],
  ])(
    'a config with [Hooks] and URL = %s works, with --no_hooks and with the copy of an older Rekkord',
    async (url, host) => {
      for (const noHooksOption of ['1', '0']) {
        const { ws } = backupWorkspace(BOTH);
        const config = path.join(ws, 'rekkord.ini');
        writeFileSync(config, readFileSync(config, 'utf8').replace(/^URL = .*$/m, `URL = ${url}`));
        logHook(path.join(ws, 'hooks/pre'), 'dump');
        const remotes = JSON.stringify({ [host]: path.join(ws, 'repo') });
        const run = await save(
          ws,
          {},
          {
            REKKORD_STANDIN_REMOTES: remotes,
            REKKORD_STANDIN_NO_HOOKS_OPTION: noHooksOption,
          },
        );
        expect(run.exitCode).toBe(0);
        expect(run.outputs.oid).toMatch(/^M[0-9A-F]{64}$/);
        // Rekkord read the URL as written, from the user's file or from the copy.
        expect(rekkordRuns(ws)[0]?.text).toContain(`URL = ${url}\n`);
        expect(readLines(path.join(ws, 'hooks.log'))).toHaveLength(1);
      }
    },
  );

  it('a remote that cannot be reached stops the run before any hook', async () => {
    const { ws } = backupWorkspace(BOTH);
    const config = path.join(ws, 'rekkord.ini');
    writeFileSync(
      config,
      readFileSync(config, 'utf8').replace(/^URL = .*$/m, 'URL = backup@gone:/x'),
    );
    logHook(path.join(ws, 'hooks/pre'), 'dump');
    const run = await save(ws);
    expect(run.exitCode).toBe(1);
    expect(errors(run)[0]?.message).toContain("'rekkord identify' could not open the repository");
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);
    expect(rekkordRuns(ws)).toEqual([]);
  });
});

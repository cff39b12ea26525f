import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction, STAND_IN } from './harness/local-runner.js';
import {
  actionOptions,
  backupWorkspace,
  logHook,
  readLines,
  writeHook,
} from './helpers/fixtures.js';
import { parseSettings } from '../src/plan/inputs.js';
import { PreflightError } from '../src/kernel/errors.js';

const context = { workspace: '/ws', tempDir: '/tmp', env: {} };
const settings = (inputs: Record<string, string>) =>
  parseSettings((name) => inputs[name] ?? '', context);
const save = { command: 'save', channel: 'nightly', paths: '/srv/a\n\n  /srv/b  \n' };

describe('inputs', () => {
  it('reads a save into typed settings with defaults', () => {
    const s = settings(save);
    expect(s).toMatchObject({
      command: 'save',
      channel: 'nightly',
      paths: ['/srv/a', '/srv/b'],
      rekkord: 'rekkord',
      args: [],
      config: null,
      hookTimeoutMs: 0,
      workspace: '/ws',
    });
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('reads args one per line and the hook timeout in seconds', () => {
    const s = settings({
      ...save,
      args: '--threads\n4\n',
      'hook-timeout': '1.5',
      config: ' cfg.ini ',
    });
    expect(s.args).toEqual(['--threads', '4']);
    expect(s.hookTimeoutMs).toBe(1500);
    expect(s.config).toBe('cfg.ini');
  });

  it('accepts a scan with no channel or paths', () => {
    expect(settings({ command: 'scan' })).toMatchObject({
      command: 'scan',
      channel: null,
      paths: [],
    });
  });

  it('reads a restore: snapshot (OID or channel, with a sub-tree) and destination', () => {
    const oid = `M${'0123456789ABCDEF'.repeat(4)}`;
    expect(
      settings({ command: 'restore', snapshot: `${oid}:etc/nginx`, destination: 'out' }),
    ).toMatchObject({
      command: 'restore',
      snapshot: `${oid}:etc/nginx`,
      destination: 'out',
      channel: null,
    });
    expect(
      settings({ command: 'restore', snapshot: 'nightly-db', destination: '/r' }).snapshot,
    ).toBe('nightly-db');
  });

  it('reads validate with hooks-dir and exercise', () => {
    expect(
      settings({ command: 'validate', 'hooks-dir': 'hooks.d', exercise: 'true' }),
    ).toMatchObject({
      command: 'validate',
      hooksDir: 'hooks.d',
      exercise: true,
    });
  });

  it('reads save --no_snapshot: one path and no channel', () => {
    expect(settings({ command: 'save', paths: '/a', args: '--no_snapshot' })).toMatchObject({
      channel: null,
      paths: ['/a'],
    });
  });

  it('looks for the batteries folder only when a battery is named', () => {
    const found = (inputs: Record<string, string>) =>
      parseSettings((name) => inputs[name] ?? '', { ...context, batteriesDir: '/b' });
    expect(found(save)).toMatchObject({ batteries: [], batteriesDir: null });
    expect(found({ ...save, batteries: 'heartbeat' })).toMatchObject({
      batteries: ['heartbeat-start', 'heartbeat-end'],
      batteriesDir: '/b',
    });
    expect(() =>
      parseSettings((name) => ({ ...save, batteries: 'heartbeat' })[name] ?? '', {
        ...context,
        batteriesDir: null,
      }),
    ).toThrow("Input 'batteries': the batteries folder was not found beside the code");
  });

  it('accepts a channel of exactly 256 bytes (multi-byte characters counted as bytes)', () => {
    expect(settings({ ...save, channel: 'é'.repeat(128) }).channel).toBe('é'.repeat(128));
  });

  it.each([
    [{}, "Input 'command' is required"],
    [{ command: 'backup' }, "Input 'command' is 'backup'"],
    [{ command: 'restore', destination: '/r' }, "Input 'snapshot' is required for restore"],
    [{ command: 'restore', snapshot: 'nightly' }, "Input 'destination' is required for restore"],
    [
      { command: 'restore', snapshot: `m${'a'.repeat(64)}`, destination: '/r' },
      'looks like an OID but is not upper case',
    ],
    [
      { command: 'restore', snapshot: 'x'.repeat(300), destination: '/r' },
      "Input 'snapshot' is 300 bytes long",
    ],
    [
      { command: 'restore', snapshot: 'nightly', destination: '/r', channel: 'c' },
      "Input 'channel' is only used by save, not restore",
    ],
    [{ command: 'validate', exercise: 'yes' }, "Input 'exercise' is 'yes'; expected true or false"],
    [
      { command: 'save', channel: 'c', paths: '/a', exercise: 'true' },
      "Input 'exercise' is only used by validate, not save",
    ],
    [{ command: 'Save', channel: 'c', paths: '/a' }, "Input 'command' is 'Save'"],
    [{ ...save, channel: '' }, 'Snapshot channel cannot be empty'],
    [{ ...save, 'allow-workflow-commands': 'yes' }, "Input 'allow-workflow-commands' is 'yes'"],
    [{ ...save, channel: 'x'.repeat(257) }, '257 bytes long'],
    [{ ...save, channel: 'é'.repeat(129) }, '258 bytes long'],
    [{ ...save, channel: '-f' }, "must not start with '-'"],
    [{ ...save, paths: '\n \n' }, "Input 'paths' is required for save"],
    [{ ...save, paths: '-x' }, "Path '-x' starts with '-'"],
    [{ command: 'scan', channel: 'c' }, "'channel' is only used by save"],
    [{ command: 'scan', paths: '/a' }, "'paths' is only used by save"],
    [{ ...save, args: '-C\n/etc/other.ini' }, "must not choose the config or its hooks ('-C')"],
    [{ ...save, args: '--config_file=/x' }, 'must not choose the config'],
    [{ ...save, args: '--no_config' }, 'must not choose the config'],
    [{ ...save, 'hook-timeout': '-1' }, "Input 'hook-timeout' is '-1'"],
    [{ ...save, 'hook-timeout': '10s' }, "Input 'hook-timeout' is '10s'"],
    // save --no_snapshot refuses the inputs any save refuses, besides its channel and extra paths.
    [
      { command: 'save', paths: '/a', args: '--no_snapshot', snapshot: 'x' },
      "Input 'snapshot' is only used by restore, not save",
    ],
    [
      { command: 'save', paths: '/a', args: '--no_snapshot', destination: 'x' },
      "Input 'destination' is only used by restore, not save",
    ],
    [
      { command: 'save', paths: '/a', args: '--raw', exercise: 'true' },
      "Input 'exercise' is only used by validate, not save",
    ],
    [{ ...save, args: '--no_snapshot' }, "Input 'channel' is not used with --no_snapshot"],
    [{ command: 'save', args: '--no_snapshot' }, "Input 'paths' is required for save"],
    [{ ...save, channel: '', args: '--no_snapshot' }, 'must hold one path with --no_snapshot'],
  ])('rejects %j', (inputs, message) => {
    expect(() => settings(inputs)).toThrow(PreflightError);
    expect(() => settings(inputs)).toThrow(message);
  });
});

describe('inputs as the runner passes them (through dist/)', () => {
  it('reads True, TRUE, False and FALSE as core.getBooleanInput does', async () => {
    const { ws } = backupWorkspace();
    for (const [text, allowed] of [
      ['True', true],
      ['TRUE', true],
      ['False', false],
      ['FALSE', false],
    ] as const) {
      writeHook(ws, 'rk', `echo "::notice title=Forged::x"\nexec "${STAND_IN}" "$@"`);
      const run = await runAction(
        actionOptions(ws, { 'allow-workflow-commands': text, rekkord: './rk' }),
      );
      expect(run.exitCode, text).toBe(0);
      // Rekkord's own output issues workflow commands only when they are allowed.
      expect(
        run.annotations.some((a) => a.properties.title === 'Forged'),
        text,
      ).toBe(allowed);
    }
  });

  it('expands ~/ in config and hooks-dir', async () => {
    const { ws, log } = backupWorkspace();
    logHook(path.join(ws, 'hooks.d'), 'a');
    const run = await runAction(
      actionOptions(ws, { config: '~/rekkord.ini', 'hooks-dir': '~/hooks.d' }, { HOME: ws }),
    );
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toContain(`config ${path.join(ws, 'rekkord.ini')}`);
    expect(readLines(log)).toEqual([
      'save-pre/a SUCCESS=unset OID=unset',
      expect.stringMatching(/^save-post\/a SUCCESS=1/),
    ]);
  });

  it('rejects a hook-timeout that rounds to no time, and one past 24 days', async () => {
    const { ws, log } = backupWorkspace();
    logHook(path.join(ws, 'hooks.d'), 'a');
    for (const [timeout, says] of [
      ['0.0004', 'less than a millisecond'],
      ['2147484', 'the most is'],
      ['3000000', 'the most is 2073600 s (24 days)'],
    ] as const) {
      const run = await runAction(
        actionOptions(ws, { 'hook-timeout': timeout, 'hooks-dir': 'hooks.d' }),
      );
      expect(run.exitCode).toBe(1);
      expect(run.annotations.map((a) => a.message)).toEqual([expect.stringContaining(says)]);
    }
    expect(readLines(log)).toEqual([]);
  });

  it("the longest hook-timeout (24 days, near a timer's 2^31 ms) does not stop a hook early", async () => {
    const { ws, log } = backupWorkspace();
    writeHook(path.join(ws, 'hooks.d'), 'a', `sleep 0.3\necho "$2 done" >> "$HOOK_LOG"`);
    const run = await runAction(
      actionOptions(ws, { 'hook-timeout': '2073600', 'hooks-dir': 'hooks.d' }),
    );
    expect(run.exitCode, run.stdout).toBe(0);
    expect(readLines(log)).toEqual(['pre done', 'post done']);
  });
});

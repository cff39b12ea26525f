import path from 'node:path';
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../src/plan/inputs.js';
import { executeFile } from '../src/process/execute-file.js';
import { makePlan } from '../src/plan/index.js';
import { PreflightError } from '../src/kernel/errors.js';
import { STAND_IN } from './harness/local-runner.js';
import { backupWorkspace, writeFile } from './helpers/fixtures.js';

function settingsFor(ws: string, inputs: Record<string, string>, env: Record<string, string> = {}) {
  const all: Record<string, string> = {
    command: 'save',
    channel: 'c',
    paths: 'data',
    rekkord: STAND_IN,
    ...inputs,
  };
  return parseSettings((n) => all[n] ?? '', {
    workspace: ws,
    tempDir: ws,
    env: { PATH: '/usr/bin:/bin', HOME: ws, ...env },
  });
}

describe('the plan', () => {
  it('finds Rekkord, the config and the directories of the command', async () => {
    const { ws, config } = backupWorkspace({
      PreSaveDirectory: 'pre',
      PostSaveDirectory: 'post',
      PreScanDirectory: 'scan',
    });
    const plan = await makePlan(settingsFor(ws, { config: 'rekkord.ini' }), {
      execute: executeFile,
    });
    expect(plan).toMatchObject({
      rekkordPath: STAND_IN,
      rekkordVersion: '0.104.2 (stand-in)',
      noHooks: true,
      keyRole: 'ReadWrite',
      warnings: [],
    });
    expect(plan.config?.path).toBe(config);
    expect(plan.pre).toMatchObject({
      phase: 'pre-save',
      sources: [{ kind: 'config', directory: path.join(ws, 'pre'), args: [] }],
    });
    expect(plan.post).toMatchObject({
      phase: 'post-save',
      sources: [{ kind: 'config', directory: path.join(ws, 'post'), args: [] }],
    });
  });

  it('has empty phases when the config names no directory for them', async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre' });
    const plan = await makePlan(
      settingsFor(ws, { command: 'scan', channel: '', paths: '', config: 'rekkord.ini' }),
    );
    expect(plan.pre).toEqual({ phase: 'pre-scan', stage: 'pre', command: 'scan', sources: [] });
    expect(plan.post).toEqual({ phase: 'post-scan', stage: 'post', command: 'scan', sources: [] });
  });

  it('refuses a missing [Hooks] folder whatever the command, as Rekkord refuses the config', async () => {
    const { ws, config } = backupWorkspace({ PreSaveDirectory: 'pre' });
    rmSync(path.join(ws, 'pre'), { recursive: true });
    const error = (await makePlan(
      settingsFor(ws, { command: 'scan', channel: '', paths: '', config: 'rekkord.ini' }),
    ).catch((e: unknown) => e)) as PreflightError;
    expect(error).toBeInstanceOf(PreflightError);
    expect(error.message).toContain('[Hooks] PreSaveDirectory = pre: the hook directory');
    expect(error.where).toMatchObject({ file: config });
  });

  it('runs the folders of a repeated hook key one after the other', async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'a' });
    mkdirSync(path.join(ws, 'b'));
    appendFileSync(path.join(ws, 'rekkord.ini'), '[Hooks]\nPreSaveDirectory = b\n');
    const plan = await makePlan(settingsFor(ws, { config: 'rekkord.ini' }));
    expect(plan.pre.sources.map((s) => s.directory)).toEqual([
      path.join(ws, 'a'),
      path.join(ws, 'b'),
    ]);
  });

  it('runs with no config when none is named and none is at the default locations', async () => {
    const { ws } = backupWorkspace();
    const plan = await makePlan(settingsFor(ws, {}, { XDG_CONFIG_HOME: path.join(ws, 'none') }));
    expect(plan.config).toBeNull();
    expect(plan.configSearched).toContain(path.join(ws, 'none', 'rekkord', 'rekkord.ini'));
  });

  it.each([
    [
      'Rekkord is missing',
      { rekkord: 'no-such-rekkord' },
      "Rekkord was not found: no executable 'no-such-rekkord' in PATH",
    ],
    [
      'the config is missing',
      { config: 'missing.ini' },
      "missing.ini (from the 'config' input) does not exist",
    ],
  ])('stops when %s', async (_, inputs, message) => {
    const { ws } = backupWorkspace();
    await expect(makePlan(settingsFor(ws, inputs))).rejects.toThrow(message);
  });

  it('stops when $REKKORD_CONFIG_FILE names a missing file', async () => {
    const { ws } = backupWorkspace();
    await expect(
      makePlan(settingsFor(ws, {}, { REKKORD_CONFIG_FILE: '/nope.ini' })),
    ).rejects.toThrow('/nope.ini (from $REKKORD_CONFIG_FILE) does not exist');
  });

  it('stops when a configured directory of the command does not exist, the post one too', async () => {
    const { ws } = backupWorkspace(
      { PreSaveDirectory: 'pre' },
      'PostSaveDirectory = post-missing\n',
    );
    const error = await makePlan(settingsFor(ws, { config: 'rekkord.ini' })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as Error).message).toBe(
      `${path.join(ws, 'rekkord.ini')}:7: [Hooks] PostSaveDirectory = post-missing: the hook directory ${path.join(ws, 'post-missing')} does not exist`,
    );
  });

  it('explains an inline comment that made the directory name wrong', async () => {
    const { ws } = backupWorkspace({}, 'PreSaveDirectory = pre # database dumps\n');
    mkdirSync(path.join(ws, 'pre'));
    await expect(makePlan(settingsFor(ws, { config: 'rekkord.ini' }))).rejects.toThrow(
      'does not exist (most INI readers would read "pre", but Rekkord keeps the value verbatim',
    );
  });

  it('warns when the directory exists but a common INI reader would read another', async () => {
    const { ws } = backupWorkspace({}, 'PreSaveDirectory = pre ;x\n');
    mkdirSync(path.join(ws, 'pre ;x'));
    const plan = await makePlan(settingsFor(ws, { config: 'rekkord.ini' }));
    expect(plan.warnings).toHaveLength(1);
    expect(plan.warnings[0]).toContain('Rekkord reads the directory as "pre ;x"');
  });

  it('stops when a hook directory is a file', async () => {
    const { ws } = backupWorkspace({}, 'PreSaveDirectory = file\n');
    writeFile(path.join(ws, 'file'), '');
    await expect(makePlan(settingsFor(ws, { config: 'rekkord.ini' }))).rejects.toThrow(
      'is not a directory',
    );
  });

  it('stops when Rekkord is there but does not run', async () => {
    const { ws } = backupWorkspace();
    const execute = () => Promise.reject(new Error('spawn EACCES'));
    await expect(makePlan(settingsFor(ws, { config: 'rekkord.ini' }), { execute })).rejects.toThrow(
      `Rekkord at ${STAND_IN} does not run: spawn EACCES. Install Rekkord`,
    );
  });
});

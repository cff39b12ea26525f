import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { executeFile } from '../src/process/execute-file.js';
import { identify, probeRekkord } from '../src/plan/rekkord-probe.js';
import { STAND_IN } from './harness/local-runner.js';
import { backupWorkspace, writeFile } from './helpers/fixtures.js';

const env = { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` };

describe('asking the installed Rekkord', () => {
  it('reads the version and whether the command takes --no_hooks from its help', async () => {
    expect(await probeRekkord(executeFile, STAND_IN, 'save', env)).toEqual({
      version: '0.104.2 (stand-in)',
      noHooks: true,
    });
    const old = { ...env, REKKORD_STANDIN_NO_HOOKS_OPTION: '0' };
    expect((await probeRekkord(executeFile, STAND_IN, 'scan', old)).noHooks).toBe(false);
    // restore has no hooks in Rekkord: it is never told --no_hooks.
    expect((await probeRekkord(executeFile, STAND_IN, 'restore', env)).noHooks).toBe(false);
  });

  it.each([
    ['ReadWrite', 'save', null],
    ['Master', 'scan', null],
    ['WriteOnly', 'save', null],
    ['WriteOnly', 'scan', 'needs a key that may read'],
    ['LogOnly', 'save', 'needs a key that may write'],
  ] as const)('a %s key for %s', async (role, command, refusal) => {
    const { ws, config } = backupWorkspace();
    writeFile(path.join(ws, 'backup.key'), `${role}\n`);
    const asked = identify(executeFile, STAND_IN, command, {
      configPath: config,
      options: [],
      cwd: ws,
      env,
    });
    if (refusal) await expect(asked).rejects.toThrow(refusal);
    else expect(await asked).toBe(role);
  });

  it('gives Rekkord’s own reason when the repository does not open', async () => {
    const { ws, config } = backupWorkspace();
    writeFile(path.join(ws, 'rekkord.ini'), '[Repository]\nURL = nowhere\nKeyFile = backup.key\n');
    await expect(
      identify(executeFile, STAND_IN, 'save', {
        configPath: config,
        options: [],
        cwd: ws,
        env,
      }),
    ).rejects.toThrow('Cannot open repository');
  });
});

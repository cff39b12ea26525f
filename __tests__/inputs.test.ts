import { describe, expect, it } from 'vitest';
import { parseSettings } from '../src/inputs.js';
import { SettingsError } from '../src/types.js';

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

  it('accepts a channel of exactly 256 bytes (multi-byte characters counted as bytes)', () => {
    expect(settings({ ...save, channel: 'é'.repeat(128) }).channel).toBe('é'.repeat(128));
  });

  it.each([
    [{}, "Input 'command' is required"],
    [{ command: 'restore' }, "Input 'command' is 'restore'"],
    [{ command: 'Save', channel: 'c', paths: '/a' }, "Input 'command' is 'Save'"],
    [{ ...save, channel: '' }, 'Snapshot channel cannot be empty'],
    [{ ...save, channel: 'x'.repeat(257) }, '257 bytes long'],
    [{ ...save, channel: 'é'.repeat(129) }, '258 bytes long'],
    [{ ...save, channel: '-f' }, "must not start with '-'"],
    [{ ...save, paths: '\n \n' }, "Input 'paths' is required for save"],
    [{ ...save, paths: '-x' }, "Path '-x' starts with '-'"],
    [{ command: 'scan', channel: 'c' }, "'channel' is only used by save"],
    [{ command: 'scan', paths: '/a' }, "'paths' is only used by save"],
    [{ ...save, args: '-C\n/etc/other.ini' }, "must not choose the config ('-C')"],
    [{ ...save, args: '--config_file=/x' }, 'must not choose the config'],
    [{ ...save, args: '--no_config' }, 'must not choose the config'],
    [{ ...save, 'hook-timeout': '-1' }, "Input 'hook-timeout' is '-1'"],
    [{ ...save, 'hook-timeout': '10s' }, "Input 'hook-timeout' is '10s'"],
  ])('rejects %j', (inputs, message) => {
    expect(() => settings(inputs)).toThrow(SettingsError);
    expect(() => settings(inputs)).toThrow(message);
  });
});

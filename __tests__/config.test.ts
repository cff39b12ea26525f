import { statSync, existsSync, readFileSync, symlinkSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, locateConfig, masksOf, runSecrets } from '../src/plan/config.js';
import { isLocalRepository, prepareStepConfig, stepConfigText } from '../src/engine/step-config.js';
import { parseRekkordIni } from '../src/plan/rekkord-ini.js';
import { PreflightError } from '../src/kernel/errors.js';
import { scratch, writeFile } from './helpers/fixtures.js';

describe('locating the config as Rekkord does', () => {
  it('prefers the input, then $REKKORD_CONFIG_FILE, then rekkord.ini beside the executable', async () => {
    const ws = scratch();
    const bin = writeFile(path.join(ws, 'bin', 'rekkord'), '#!/bin/sh\n', 0o755);
    writeFile(path.join(ws, 'bin', 'rekkord.ini'), '');
    const xdg = path.join(ws, 'xdg');
    writeFile(path.join(xdg, 'rekkord', 'rekkord.ini'), '');
    const ctx = { cwd: ws, rekkordPath: bin, env: { XDG_CONFIG_HOME: xdg, HOME: ws } };

    expect(
      await locateConfig('my.ini', { ...ctx, env: { ...ctx.env, REKKORD_CONFIG_FILE: '/e.ini' } }),
    ).toMatchObject({
      path: path.join(ws, 'my.ini'),
      source: 'input',
    });
    expect(
      await locateConfig(null, { ...ctx, env: { ...ctx.env, REKKORD_CONFIG_FILE: 'e.ini' } }),
    ).toMatchObject({
      path: path.join(ws, 'e.ini'),
      source: 'REKKORD_CONFIG_FILE',
    });
    expect(await locateConfig(null, ctx)).toMatchObject({
      path: path.join(ws, 'bin', 'rekkord.ini'),
      source: 'default',
    });
  });

  it('follows a symlinked executable to the folder it really lives in', async () => {
    const ws = scratch();
    const real = writeFile(path.join(ws, 'opt', 'rekkord'), '#!/bin/sh\n', 0o755);
    writeFile(path.join(ws, 'opt', 'rekkord.ini'), '');
    mkdirSync(path.join(ws, 'bin'));
    symlinkSync(real, path.join(ws, 'bin', 'rekkord'));
    const found = await locateConfig(null, {
      cwd: ws,
      rekkordPath: path.join(ws, 'bin', 'rekkord'),
      env: { HOME: ws },
    });
    expect(found.path).toBe(path.join(ws, 'opt', 'rekkord.ini'));
  });

  it('then $XDG_CONFIG_HOME, else ~/.config, then /etc', async () => {
    const ws = scratch();
    const bin = writeFile(path.join(ws, 'bin', 'rekkord'), '', 0o755);
    writeFile(path.join(ws, 'xdg', 'rekkord', 'rekkord.ini'), '');
    writeFile(path.join(ws, '.config', 'rekkord', 'rekkord.ini'), '');
    const base = { cwd: ws, rekkordPath: bin, platform: 'linux' as const };
    expect(
      (
        await locateConfig(null, {
          ...base,
          env: { HOME: ws, XDG_CONFIG_HOME: path.join(ws, 'xdg') },
        })
      ).path,
    ).toBe(path.join(ws, 'xdg', 'rekkord', 'rekkord.ini'));
    expect((await locateConfig(null, { ...base, env: { HOME: ws } })).path).toBe(
      path.join(ws, '.config', 'rekkord', 'rekkord.ini'),
    );
    const none = await locateConfig(null, { ...base, env: { HOME: path.join(ws, 'nohome') } });
    expect(none.searched.at(-1)).toBe('/etc/rekkord/rekkord.ini');
  });
});

describe('loading the config', () => {
  it('resolves relative hook directories against the config folder and expands ~', async () => {
    const ws = scratch();
    const file = writeFile(
      path.join(ws, 'conf', 'rekkord.ini'),
      '[Hooks]\nPreSaveDirectory = pre\nPostSaveDirectory = ~/post\nPreScanDirectory = /abs/scan\n',
    );
    const config = await loadConfig(file, 'input', { HOME: '/home/u' });
    expect(config.hooks['pre-save']?.[0]?.directory).toBe(path.join(ws, 'conf', 'pre'));
    expect(config.hooks['post-save']?.[0]?.directory).toBe('/home/u/post');
    expect(config.hooks['pre-scan']?.[0]).toMatchObject({
      directory: '/abs/scan',
      key: 'PreScanDirectory',
      line: 4,
    });
    expect(config.hooks['post-scan']).toBeUndefined();
  });

  it('notes where a common INI reader would read a hook directory differently', async () => {
    const ws = scratch();
    const file = writeFile(
      path.join(ws, 'r.ini'),
      '[Hooks]\nPreSaveDirectory = /opt/h # dumps\nPostSaveDirectory = "/opt/p"\n',
    );
    const config = await loadConfig(file, 'input', {});
    expect(config.hooks['pre-save']?.[0]).toMatchObject({
      value: '/opt/h # dumps',
      lenientValue: '/opt/h',
    });
    expect(config.hooks['post-save']?.[0]).toMatchObject({
      value: '"/opt/p"',
      lenientValue: '/opt/p',
    });
  });

  it('collects the secret values, each named by section, key and line', async () => {
    const ws = scratch();
    const file = writeFile(
      path.join(ws, 'r.ini'),
      '[S3]\nSecretKey = s3cret\nKeyID = public\n[SSH]\nPassword = pw\nKey = k\n[Link]\nApiKey = api\n',
    );
    const { secrets } = await loadConfig(file, 'input', {});
    expect(secrets.map((s) => s.value).sort()).toEqual(['api', 'k', 'public', 'pw', 's3cret']);
    expect(secrets[0]).toEqual({ name: '[S3] SecretKey (line 2)', value: 's3cret' });
    // Too short to be masks: named, never registered.
    expect(masksOf(secrets)).toEqual({
      masks: ['s3cret', 'public'],
      tooShort: ['[SSH] Password (line 5)', '[SSH] Key (line 6)', '[Link] ApiKey (line 8)'],
    });
  });

  it('masks the credentials inside repository URLs whole, and the secrets of the environment and args', async () => {
    const ws = scratch();
    const values = async (text: string) =>
      (await loadConfig(writeFile(path.join(ws, 'r.ini'), text), 'input', {})).secrets
        .map((s) => s.value)
        .sort();
    expect(
      await values('[Repository]\nURL = s3:https://KEYID123:S3CRET456@s3.example.com/b\n'),
    ).toEqual(['KEYID123', 'S3CRET456']);
    expect(await values('[Repository]\nURL = sftp://backup:PASS@nas/srv\n')).toEqual(['PASS']);
    expect(await values('[Repository]\nURL = sftp://backup:pa:ss/x@nas/srv\n')).toEqual([
      'pa:ss/x',
    ]);
    // An "@" in the password or in the path: both readings are masked.
    expect(await values('[Repository]\nURL = sftp://u:p@ss@nas/srv\n')).toEqual(['p', 'p@ss']);
    expect(await values('[Link]\nURL = https://u:l1nk/p4ss@link.example/\n')).toEqual([
      'https://u:l1nk/p4ss@link.example/',
      'l1nk/p4ss',
    ]);
    const env = {
      REKKORD_LINK_KEY: 'link-key-789',
      REKKORD_AGENT_KEY: 'agent-key-000',
      REKKORD_REPOSITORY: 'sftp://me:env-pass@nas/x',
    };
    const args = [
      '-R',
      's3:https://ID0:args-secret@s3.example.com/b',
      '--repository=ssh://u:second@h/x',
    ];
    expect(
      runSecrets(env, args)
        .map((s) => s.value)
        .sort(),
    ).toEqual(['ID0', 'agent-key-000', 'args-secret', 'env-pass', 'link-key-789', 'second']);
  });

  it('masks a secret of several lines whole and line by line; a short line is named, never a mask', () => {
    const value = '-----BEGIN KEY-----\r\n  AAAAB3NzaC1  \nZg\n\n-----END KEY-----\n';
    expect(masksOf([{ name: '$SSH_KEY', value }])).toEqual({
      masks: [value, '-----BEGIN KEY-----', 'AAAAB3NzaC1', '-----END KEY-----'],
      tooShort: ['$SSH_KEY (line 3 of its value)'],
    });
    // One line with its final newline: the line itself is a mask, as the log shows it.
    expect(masksOf([{ name: '$SSH_PASSWORD', value: 'hunter22\n' }]).masks).toEqual([
      'hunter22\n',
      'hunter22',
    ]);
  });

  it('reads the secret variables Rekkord reads, by the names its source uses', () => {
    const names = (env: Record<string, string>) => runSecrets(env).map((s) => s.name);
    const env = {
      S3_SECRET_ACCESS_KEY: 's3-secret-1',
      S3_ACCESS_KEY_ID: 's3-key-id-1',
      AWS_SECRET_ACCESS_KEY: 'aws-secret-1',
      AWS_ACCESS_KEY_ID: 'aws-key-id-1',
      SSH_PASSWORD: 'ssh-pass-1',
      SSH_KEY: 'ssh-key-1',
      REKKORD_PASSWORD: 'repo-pass-1',
      // Not Rekkord's: a path, a host fingerprint, and names no build reads.
      SSH_KEYFILE: '/keys/id',
      SSH_FINGERPRINT: 'SHA256:abc',
      S3_SECRET_KEY: 'not-read',
    };
    expect(names(env).sort()).toEqual([
      '$AWS_ACCESS_KEY_ID',
      '$AWS_SECRET_ACCESS_KEY',
      '$REKKORD_PASSWORD',
      '$S3_ACCESS_KEY_ID',
      '$S3_SECRET_ACCESS_KEY',
      '$SSH_KEY',
      '$SSH_PASSWORD',
    ]);
  });

  it('never quotes a value or a line in a parse error (a pasted key would leak)', async () => {
    const ws = scratch();
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----';
    for (const text of [
      `[SSH]\nKey = x\n${pem}\n`,
      '[S3]\nSecretKey: very-secret-value\n',
      '[S3]\n= very-secret-value\n',
    ]) {
      const file = writeFile(path.join(ws, 'bad.ini'), text);
      const error = (await loadConfig(file, 'input', {}).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(PreflightError);
      expect(error.message).not.toContain('very-secret-value');
      expect(error.message).not.toContain('OPENSSH');
    }
  });

  it('reads [Link], trims section names, and leaves the old [Connect] to Rekkord', async () => {
    const ws = scratch();
    const link = writeFile(
      path.join(ws, 'l.ini'),
      '[Link]\nURL = https://link.example\nApiKey = k\nCheckPeriod = 1h\n[ Hooks ]\nPreSaveDirectory = /h\n',
    );
    const config = await loadConfig(link, 'input', {});
    expect(config.hooks['pre-save']?.map((h) => h.directory)).toEqual(['/h']);
    const old = writeFile(path.join(ws, 'c.ini'), '[Connect]\nApiKey = k\n');
    const older = await loadConfig(old, 'input', {});
    expect(older.doc.unknown).toEqual([
      {
        line: 1,
        section: 'Connect',
        key: null,
        known: expect.arrayContaining(['Link']) as unknown,
      },
    ]);
  });

  it('adds the folder of every repeated hook key, in file order, as Rekkord does', async () => {
    const ws = scratch();
    const file = writeFile(
      path.join(ws, 'r.ini'),
      '[Hooks]\nPreSaveDirectory = a\nPostSaveDirectory = p\n[Hooks]\nPreSaveDirectory = b\n',
    );
    const config = await loadConfig(file, 'input', {});
    expect(config.hooks['pre-save']?.map((h) => [h.value, h.line])).toEqual([
      ['a', 2],
      ['b', 5],
    ]);
  });

  it.each([
    ['missing', (ws: string) => path.join(ws, 'nope.ini'), 'does not exist'],
    ['a directory', (ws: string) => ws, 'is a directory'],
    [
      'malformed',
      (ws: string) => writeFile(path.join(ws, 'r.ini'), '[Hooks]\nPreSaveDirectory\n'),
      'r.ini:2: expected',
    ],
    [
      'unknown hook key',
      (ws: string) => writeFile(path.join(ws, 'r.ini'), '[Hooks]\nPostsaveDirectory = /x\n'),
      'unknown key',
    ],
    [
      'empty directory value',
      (ws: string) => writeFile(path.join(ws, 'r.ini'), '[Hooks]\nPreSaveDirectory =\n'),
      'is empty',
    ],
  ])('rejects a config that is %s', async (_, make, message) => {
    const file = make(scratch());
    await expect(loadConfig(file, 'input', {})).rejects.toThrow(PreflightError);
    await expect(loadConfig(file, 'input', {})).rejects.toThrow(message);
  });
});

describe("the Rekkord step's config", () => {
  const config = (text: string, file = '/etc/rekkord/rekkord.ini') => ({
    path: file,
    source: 'input' as const,
    doc: parseRekkordIni(text, file),
    hooks: {},
    secrets: [],
  });

  it('drops every [Hooks] section and keeps everything else as written', () => {
    const text = stepConfigText(
      config(
        '# c\n[Repository]\nURL = s3:https://bucket.example.com/x\n[Hooks]\nPreSaveDirectory = /h\n; note\n[Settings]\nThreads = 4\n[Hooks]\nPostSaveDirectory = /p\n',
      ),
    );
    expect(text).toBe(
      '# c\n[Repository]\nURL = s3:https://bucket.example.com/x\n[Settings]\nThreads = 4\n',
    );
  });

  it('makes relative KeyFile and local repository URL absolute against the original folder', () => {
    const text = stepConfigText(
      config(
        '[Repository]\nURL = repo\nKeyFile = keys/k\n[SSH]\nKeyFile = ~/.ssh/id\n[Hooks]\nPreSaveDirectory = h\n',
        '/srv/conf/r.ini',
      ),
    );
    expect(text).toBe(
      '[Repository]\nURL = /srv/conf/repo\nKeyFile = /srv/conf/keys/k\n[SSH]\nKeyFile = ~/.ssh/id\n',
    );
  });

  it('needs no copy when there is no [Hooks] section', () => {
    expect(stepConfigText(config('[Repository]\nURL = repo\n'))).toBeNull();
  });

  it('writes a private copy (0600 in a 0700 folder) and removes it', async () => {
    const ws = scratch();
    const file = writeFile(
      path.join(ws, 'r.ini'),
      '[Repository]\nURL = repo\n[Hooks]\nPreSaveDirectory = h\n',
    );
    const loaded = await loadConfig(file, 'input', {});
    const step = await prepareStepConfig(loaded, ws, false);
    expect(step.isCopy).toBe(true);
    const copy = step.path ?? '';
    expect(statSync(copy).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(copy)).mode & 0o777).toBe(0o700);
    expect(readFileSync(copy, 'utf8')).toBe(`[Repository]\nURL = ${path.join(ws, 'repo')}\n`);
    await step.cleanup();
    expect(existsSync(path.dirname(copy))).toBe(false);
  });

  it.each([
    ['S3', false],
    ['s3:https://s3.example.com/bucket', false],
    ['https://s3.example.com/bucket', false],
    ['SFTP', false],
    ['ssh://backup@nas/srv/rekkord', false],
    ['sftp://nas/srv/rekkord', false],
    ['backup@nas:/srv/rekkord', false],
    ['repo', true],
    ['/srv/rekkord', true],
    ['./a:b', true],
  ])('classifies the repository URL %s as rk_DecodeURL does (local: %s)', (url, local) => {
    expect(isLocalRepository(url)).toBe(local);
    const config = {
      path: '/etc/rekkord/r.ini',
      doc: parseRekkordIni(
        `[Repository]\nURL = ${url}\nKeyFile = k\n[SSH]\nKeyFile = id\n[Hooks]\nPreSaveDirectory = /h\n`,
        '/etc/rekkord/r.ini',
      ),
    };
    const text = stepConfigText(config as never) ?? '';
    const expected = local ? path.resolve('/etc/rekkord', url) : url;
    expect(text).toContain(`URL = ${expected}\n`);
    expect(text).toContain('KeyFile = /etc/rekkord/k\n');
    // [SSH] keys are used as written by Rekkord: never rewritten.
    expect(text).toContain('[SSH]\nKeyFile = id\n');
  });

  it('passes the original file when nothing needs removing', async () => {
    const ws = scratch();
    const file = writeFile(path.join(ws, 'r.ini'), '[Repository]\nURL = repo\n');
    const step = await prepareStepConfig(await loadConfig(file, 'input', {}), ws, false);
    expect(step).toMatchObject({ path: file, isCopy: false });
  });
});

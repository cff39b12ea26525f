import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  directoryProblem,
  listHookDirectory,
  MAX_HOOKS_PER_FOLDER,
} from '../src/plan/discovery.js';
import { hookSourceSpec } from '../src/plan/hook-sources.js';
import { scratch, writeFile, writeHook } from './helpers/fixtures.js';

const TKLBAM = hookSourceSpec('hooks-dir').listing;

describe('hook discovery', () => {
  it('orders hooks by the bytes of their names', async () => {
    const dir = scratch();
    for (const name of ['a', '_x', 'B', '9', '10', 'é', 'z']) writeHook(dir, name, 'true');
    const { hooks } = await listHookDirectory(dir);
    expect(hooks.map((h) => h.name)).toEqual(['10', '9', 'B', '_x', 'a', 'z', 'é']);
    expect(hooks.every((h) => h.problem === undefined)).toBe(true);
  });

  it("lists dotfiles as hooks in Rekkord's folders, skips directories (a symlink to one too)", async () => {
    const dir = scratch();
    writeHook(dir, '.hidden', 'true');
    mkdirSync(path.join(dir, 'sub'));
    symlinkSync(path.join(dir, 'sub'), path.join(dir, 'link-to-sub'));
    writeHook(dir, 'run-me', 'true');
    const listing = await listHookDirectory(dir);
    expect(listing.hooks.map((h) => h.name)).toEqual(['.hidden', 'run-me']);
    expect(listing.skipped).toEqual([
      { name: 'link-to-sub', path: path.join(dir, 'link-to-sub'), reason: 'directory' },
      { name: 'sub', path: path.join(dir, 'sub'), reason: 'directory' },
    ]);
  });

  it('skips dotfiles in a hooks.d folder, as run-parts does', async () => {
    const dir = scratch();
    writeHook(dir, '.hidden', 'true');
    writeHook(dir, 'run-me', 'true');
    const listing = await listHookDirectory(dir, [], TKLBAM);
    expect(listing.hooks.map((h) => h.name)).toEqual(['run-me']);
    expect(listing.skipped).toEqual([
      { name: '.hidden', path: path.join(dir, '.hidden'), reason: 'dotfile' },
    ]);
  });

  it('skips what TKLBAM skips in a hooks.d folder: files not executable and *.sig', async () => {
    const dir = scratch();
    writeHook(dir, 'fixclock', 'true');
    writeHook(dir, 'fixclock.sig', 'true');
    writeHook(dir, 'example', 'true', 0o644);
    writeFile(path.join(dir, 'README'), 'Only executable hooks run.\n');
    const listing = await listHookDirectory(dir, ['backup', 'pre'], TKLBAM);
    expect(listing.hooks.map((h) => [h.name, ...h.args])).toEqual([['fixclock', 'backup', 'pre']]);
    expect(listing.skipped.map((e) => [e.name, e.reason])).toEqual([
      ['README', 'not executable (mode 0644)'],
      ['example', 'not executable (mode 0644); it has a #! line: chmod +x it to run it'],
      ['fixclock.sig', 'signature file'],
    ]);
    // In Rekkord's own folders the same file is a hook that cannot start.
    const rekkord = await listHookDirectory(dir);
    expect(rekkord.hooks.find((h) => h.name === 'example')?.problem?.kind).toBe('not-executable');
  });

  it('names a named entry that is not there apart from a broken link (batteries)', async () => {
    const dir = scratch();
    writeHook(dir, 'here', 'true');
    symlinkSync(path.join(dir, 'gone'), path.join(dir, 'broken'));
    const names = ['here', 'absent', 'broken'];
    const { hooks } = await listHookDirectory(dir, [], { ...TKLBAM, names });
    expect(hooks.map((h) => [h.name, h.problem?.kind, h.problem?.message])).toEqual([
      ['here', undefined, undefined],
      ['absent', 'not-a-file', `it is missing from ${dir}`],
      ['broken', 'broken-link', 'it is a symbolic link to a missing file'],
    ]);
  });

  it('refuses more hooks in one folder than Rekkord takes', async () => {
    const dir = scratch();
    for (let i = 0; i <= MAX_HOOKS_PER_FOLDER; i++) writeFileSync(path.join(dir, `h${i}`), '');
    await expect(listHookDirectory(dir)).rejects.toThrow('at most 1024');
  });

  it('keeps entries that cannot start as hooks with the reason', async () => {
    const dir = scratch();
    writeHook(dir, 'not-exec', 'true', 0o644);
    symlinkSync(path.join(dir, 'gone'), path.join(dir, 'broken'));
    symlinkSync(path.join(dir, 'loop'), path.join(dir, 'loop'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    writeHook(dir, 'symlinked', 'true');
    symlinkSync(path.join(dir, 'symlinked'), path.join(dir, 'to-hook'));
    const { hooks } = await listHookDirectory(dir);
    const problems = Object.fromEntries(hooks.map((h) => [h.name, h.problem]));
    expect(problems).toEqual({
      broken: { kind: 'broken-link', message: 'it is a symbolic link to a missing file' },
      fifo: { kind: 'not-a-file', message: 'it is not a regular file' },
      loop: { kind: 'broken-link', message: 'it is a symbolic link loop' },
      'not-exec': {
        kind: 'not-executable',
        message: 'it is not executable (mode 0644; run chmod +x on it)',
      },
      symlinked: undefined,
      'to-hook': undefined,
    });
  });

  it('flags a name that is not UTF-8 instead of running another file', async () => {
    const dir = scratch();
    writeFileSync(
      Buffer.concat([Buffer.from(`${dir}/`), Buffer.from([0x66, 0xff])]),
      '#!/bin/sh\n',
      { mode: 0o755 },
    );
    const { hooks } = await listHookDirectory(dir);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]?.problem?.message).toContain('not valid UTF-8');
  });

  it('says why a configured directory cannot be used', async () => {
    const dir = scratch();
    const file = writeHook(dir, 'f', 'true');
    expect(await directoryProblem(dir)).toBeNull();
    expect(await directoryProblem(path.join(dir, 'missing'))).toBe(
      `${path.join(dir, 'missing')} does not exist`,
    );
    expect(await directoryProblem(file)).toBe(`${file} is not a directory`);
  });
});

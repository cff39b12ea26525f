/** validate: CI for hook scripts, on a repository with a broken hook of each kind. */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction, runPostStep, STAND_IN, type ActionRun } from './harness/local-runner.js';
import { startFindings } from '../src/validate/findings.js';
import { brokenRepository } from './helpers/broken-repository.js';
import { backupWorkspace, logHook, readLines, scratch, writeFile } from './helpers/fixtures.js';

function validate(ws: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    workspace: ws,
    inputs: {
      command: 'validate',
      config: 'rekkord.ini',
      rekkord: 'rekkord-is-not-needed',
      ...inputs,
    },
    env: { HOOK_LOG: path.join(ws, 'hooks.log') },
  });
}

describe('validate', () => {
  it('flags each broken hook on its file and line, runs nothing, and fails the step', async () => {
    const ws = brokenRepository();
    const run = await validate(ws);
    expect(run.exitCode).toBe(1);
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);

    const shown = run.annotations
      .filter((a) => a.command !== 'notice')
      .map((a) => [a.command, a.properties.file, a.properties.line ?? '', a.properties.title]);
    expect(shown).toEqual([
      [
        'warning',
        'hooks/pre-save/.disabled',
        '1',
        'pre-save hook .disabled: a dotfile is a hook for Rekkord',
      ],
      ['warning', 'hooks/pre-save/70-no-shebang', '1', 'No #! line'],
      [
        'error',
        'hooks/pre-save/20-not-executable',
        '1',
        'pre-save hook 20-not-executable cannot start',
      ],
      [
        'error',
        'hooks/pre-save/20-not-executable',
        '1',
        'pre-save hook 20-not-executable not executable in git',
      ],
      [
        'error',
        'hooks/pre-save/30-git-not-executable',
        '1',
        'pre-save hook 30-git-not-executable not executable in git',
      ],
      ['error', 'hooks/pre-save/40-crlf', '1', 'CRLF line ending in the #! line'],
      ['error', 'hooks/pre-save/50-missing-interpreter', '1', 'Interpreter not found'],
      ['error', 'hooks/pre-save/60-env-missing', '1', 'Interpreter not found'],
      ['error', 'rekkord.ini', '7', 'pre-scan hook folder missing'],
      ['error', undefined, '', undefined],
    ]);
    expect(run.annotations.at(-1)?.message).toBe('Hook validation failed: 7 problems');
    const byFile = (file: string) =>
      run.annotations.find((a) => a.properties.file === file)?.message ?? '';
    expect(byFile('hooks/pre-save/60-env-missing')).toContain('there is no no-such-tool-9 in PATH');
    expect(byFile('hooks/pre-save/50-missing-interpreter')).toContain(
      '/usr/bin/python9 does not exist',
    );
    expect(byFile('rekkord.ini')).toContain('[Hooks] PreScanDirectory = hooks/pre-scan-missing');

    expect(run.summary).toContain('## Rekkord hooks validation ❌ failed');
    expect(run.summary).toContain('| pre-save | 2 | <code>10-good</code> |  | ✅ |  |');
    expect(run.summary).toContain(
      '| pre-save | 5 | <code>40-crlf</code> |  | ❌ | ❌ line 1: The #! line ends with a carriage return',
    );
    expect(run.summary).toContain('| post-save | 1 | <code>90-fine</code> |  | ✅ |  |');
    expect(run.summary).toContain('Skipped entries: <code>pre-save/lib</code> (directory)');
    expect(run.outputs).toMatchObject({ success: 'false', 'failed-hooks': '5' });
  });

  it('passes a clean repository, with hooks-dir phases listed in order with their arguments', async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre' });
    logHook(path.join(ws, 'pre'), 'dump');
    logHook(path.join(ws, 'hooks.d'), 'clock');
    const run = await validate(ws, { 'hooks-dir': 'hooks.d' });
    expect(run.exitCode).toBe(0);
    expect(run.annotations).toEqual([]);
    expect(run.summary).toContain('## Rekkord hooks validation ✅ passed');
    expect(run.summary).toContain('| pre-save | 1 | <code>clock</code> | backup pre | ✅ |  |');
    expect(run.summary).toContain('| pre-save | 2 | <code>dump</code> |  | ✅ |  |');
    expect(run.summary).toContain(
      '| post-restore | 1 | <code>clock</code> | restore post | ✅ |  |',
    );
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);
  });

  it('exercise: runs pre phases once and post phases with SUCCESS=1 then 0, as a rehearsal, no Rekkord', async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre', PostSaveDirectory: 'post' });
    const hook =
      'echo "$REKKORD_HOOK_COMMAND-$REKKORD_HOOK_PHASE/$(basename "$0") SUCCESS=${SUCCESS-unset} REHEARSAL=$REKKORD_HOOK_REHEARSAL" >> "$HOOK_LOG"';
    writeFile(path.join(ws, 'pre', 'dump'), `#!/bin/sh\n${hook}\n`, 0o755);
    writeFile(path.join(ws, 'post', 'notify'), `#!/bin/sh\n${hook}\n[ "$SUCCESS" = 1 ]\n`, 0o755);
    const run = await runAction({
      workspace: ws,
      inputs: { command: 'validate', config: 'rekkord.ini', exercise: 'true', rekkord: STAND_IN },
      env: {
        HOOK_LOG: path.join(ws, 'hooks.log'),
        REKKORD_STANDIN_LOG: path.join(ws, 'rekkord.log'),
      },
    });
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([
      'save-pre/dump SUCCESS=unset REHEARSAL=1',
      'save-post/notify SUCCESS=1 REHEARSAL=1',
      'save-post/notify SUCCESS=0 REHEARSAL=1',
    ]);
    expect(readLines(path.join(ws, 'rekkord.log'))).toEqual([]);
    // The hook fails when SUCCESS=0: the rehearsal shows it, as a failed run would.
    expect(run.exitCode).toBe(1);
    expect(run.annotations.map((a) => a.properties.title ?? a.message)).toEqual([
      'post-save (SUCCESS=0) hook notify failed (exit code 1)',
      'Hook validation failed: 1 problem',
    ]);
    expect(run.summary).toContain('### Rehearsal');
    // A rehearsal leaves nothing for the post step to run.
    const post = await runPostStep(run, {
      workspace: ws,
      inputs: { command: 'validate', config: 'rekkord.ini', exercise: 'true' },
      env: { HOOK_LOG: path.join(ws, 'hooks.log') },
    });
    expect(post.stdout).toContain('No hook ran in the main step: nothing to do.');
    expect(readLines(path.join(ws, 'hooks.log'))).toHaveLength(3);
    expect(run.summary).toContain(
      '| post-save (SUCCESS=0) | <code>notify</code> | ❌ failure | 1 |',
    );
  });

  it('needs a config or a hooks-dir', async () => {
    const ws = scratch();
    const run = await runAction({
      workspace: ws,
      inputs: { command: 'validate' },
      env: { HOME: ws, XDG_CONFIG_HOME: ws },
    });
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]?.message).toContain('Nothing to validate: no Rekkord config');
  });

  it('points a malformed config at its line', async () => {
    const ws = scratch();
    writeFile(path.join(ws, 'rekkord.ini'), '[Hooks]\nPreSaveDirectory = a\nPostSaveDir = b\n');
    const run = await validate(ws);
    expect(run.exitCode).toBe(1);
    expect(run.annotations).toHaveLength(1);
    expect(run.annotations[0]?.properties).toMatchObject({ file: 'rekkord.ini', line: '3' });
    expect(run.annotations[0]?.message).toContain('rekkord.ini:3: unknown key in [Hooks]');
  });
});

describe('validate as Rekkord sees the hooks', () => {
  const titles = (run: ActionRun) =>
    run.annotations
      .filter((a) => a.command !== 'notice' && a.properties.file)
      .map((a) => [a.command, a.properties.file, a.properties.line, a.properties.title]);

  it('flags shell characters in Rekkord folder and hook names, on the config line and the file', async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'my hooks' });
    logHook(path.join(ws, 'my hooks'), '10 dump');
    logHook(path.join(ws, 'my hooks'), '20-a;b');
    logHook(path.join(ws, 'my hooks'), '30-fine_1.2+x');
    const run = await validate(ws);
    expect(run.exitCode).toBe(1);
    expect(titles(run)).toEqual([
      [
        'error',
        'rekkord.ini',
        expect.stringMatching(/^\d+$/),
        'pre-save hook folder: shell characters in the hook folder',
      ],
      ['error', 'my hooks/10 dump', '1', 'pre-save hook 10 dump: shell characters in the name'],
      ['error', 'my hooks/20-a;b', '1', 'pre-save hook 20-a;b: shell characters in the name'],
    ]);
    const folder = run.annotations.find((a) => a.properties.file === 'rekkord.ini');
    expect(folder?.message).toContain('(space)');
    expect(folder?.message).toContain('/bin/sh -c with its path unquoted');
    expect(readLines(path.join(ws, 'hooks.log'))).toEqual([]);
  });

  it("flags a .gitkeep in a Rekkord folder: Rekkord's own save would fail on it", async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre' });
    logHook(path.join(ws, 'pre'), 'dump');
    writeFile(path.join(ws, 'pre', '.gitkeep'), '');
    mkdirSync(path.join(ws, 'pre', '.cache'));
    const run = await validate(ws);
    expect(run.exitCode).toBe(1);
    const gitkeep = titles(run).filter((t) => t[1] === 'pre/.gitkeep');
    expect(gitkeep).toContainEqual([
      'error',
      'pre/.gitkeep',
      '1',
      'pre-save hook .gitkeep: a dotfile is a hook for Rekkord',
    ]);
    expect(gitkeep).toHaveLength(1);
    expect(run.annotations.find((a) => a.properties.file === 'pre/.gitkeep')?.message).toContain(
      "Rekkord's own save would fail",
    );
    expect(run.summary).toContain('| pre-save | 1 | <code>.gitkeep</code> |');
    expect(run.summary).toContain('<code>pre-save/.cache</code> (directory)');
  });

  it('flags world-writable hooks and folders, and a group-writable folder above them', async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'ops/pre' });
    const hook = logHook(path.join(ws, 'ops', 'pre'), 'dump');
    chmodSync(hook, 0o777);
    chmodSync(path.join(ws, 'ops', 'pre'), 0o777);
    chmodSync(path.join(ws, 'ops'), 0o775);
    // As root the folder would be root:root, which only root may write: give it another group.
    if (process.getuid?.() === 0) chownSync(path.join(ws, 'ops'), 0, 65534);
    const run = await validate(ws);
    expect(run.exitCode).toBe(1);
    expect(titles(run).map((t) => [t[0], t[1], t[3]])).toEqual([
      [
        'warning',
        'rekkord.ini',
        `pre-save hook folder: the folder ${path.join(ws, 'ops')} is group-writable`,
      ],
      ['error', 'rekkord.ini', 'pre-save hook folder: the hook folder is world-writable'],
      ['error', 'ops/pre/dump', 'pre-save hook dump: the hook is world-writable'],
    ]);
    expect(run.summary).toMatch(/\| pre-save \| \| — \| \| ❌ \| .*can be changed by any user/);
  });

  it('judges a folder above several hook folders once', async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre', PostSaveDirectory: 'post' });
    logHook(path.join(ws, 'pre'), 'dump');
    logHook(path.join(ws, 'post'), 'clean');
    chmodSync(ws, 0o777);
    const run = await validate(ws);
    expect(run.exitCode).toBe(1);
    expect(titles(run).map((t) => [t[0], t[1], t[3]])).toEqual([
      ['error', 'rekkord.ini', 'pre-save hook folder: the repository folder is world-writable'],
    ]);
  });

  it('never runs a command from a hook folder laid out as a repository (core.fsmonitor)', async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre' });
    execFileSync('git', ['init', '-q'], { cwd: ws });
    const marker = path.join(ws, 'PWNED');
    const pre = path.join(ws, 'pre');
    mkdirSync(path.join(pre, 'objects'), { recursive: true });
    mkdirSync(path.join(pre, 'refs'));
    mkdirSync(path.join(pre, 'wt'));
    writeFile(path.join(pre, 'HEAD'), 'ref: refs/heads/main\n');
    writeFile(
      path.join(pre, 'config'),
      `[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = wt\n\tfsmonitor = "touch '${marker}'; false"\n`,
    );
    // The layout is live: git started inside the folder runs the command.
    execFileSync('git', ['ls-files'], { cwd: pre, env: { ...process.env, GIT_DIR: undefined } });
    expect(existsSync(marker)).toBe(true);
    execFileSync('rm', [marker]);

    const run = await validate(ws);
    expect(existsSync(marker)).toBe(false);
    expect(
      run.annotations.some((a) => a.properties.title === 'pre-save hook HEAD cannot start'),
    ).toBe(true);
  });

  it('keeps summary cells plain text, whatever the names', async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre' });
    logHook(path.join(ws, 'pre'), 'a|b*c*');
    const run = await validate(ws);
    const row = run.summary.split('\n').find((l) => l.startsWith('| pre-save | 1 |')) ?? '';
    expect(row).toContain('<code>a&#124;b&#42;c&#42;</code>');
    expect(row.match(/(?<!&#124;)\|/g)).toHaveLength(7);
  });
});

describe('start checks', () => {
  it('accepts a script with a working interpreter, through env too, and an ELF binary', async () => {
    const ws = scratch();
    const sh = writeFile(path.join(ws, 'sh'), '#!/bin/sh -e\n');
    const env = writeFile(path.join(ws, 'env'), '#!/usr/bin/env -S sh -e\n');
    expect(await startFindings(sh, '/usr/bin:/bin')).toEqual([]);
    expect(await startFindings(env, '/usr/bin:/bin')).toEqual([]);
    expect(await startFindings('/bin/true', '')).toEqual([]);
  });

  it('flags a relative interpreter and an unreadable file', async () => {
    const ws = scratch();
    const relative = writeFile(path.join(ws, 'rel'), '#!python3\n');
    expect((await startFindings(relative, ''))[0]).toMatchObject({
      severity: 'error',
      line: 1,
      title: 'Bad #! line',
    });
    expect((await startFindings(path.join(ws, 'missing'), ''))[0]).toMatchObject({
      title: 'Hook not readable',
    });
  });
});

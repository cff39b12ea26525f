/**
 * Secrets and forged workflow commands, through the bundles as the runner runs them: every secret
 * the action can know is masked before the first process starts, whole, and never when too short
 * to be a mask; config errors never repeat a line's text; names cannot forge a workflow command
 * in either form. The runner emulation reads commands as the runner does (both forms, the legacy
 * one anywhere in a line) and masks annotations and the summary with the masks registered.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, STAND_IN, runAction, runPostStep, type ActionRun } from './harness/local-runner.js';
import {
  actionOptions,
  backupWorkspace,
  logHook,
  readLines,
  writeFile,
  writeHook,
} from './helpers/fixtures.js';

const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');

function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(
    process.execPath,
    [CLI, ...args, '--rekkord', STAND_IN, '--channel', 'nightly', 'data'],
    {
      cwd,
      env: {
        PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
        HOME: cwd,
        HOOK_LOG: path.join(cwd, 'hooks.log'),
        ...env,
      },
      encoding: 'utf8',
    },
  );
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

/** Everything a reader of the job sees: the log, the annotations, the summary and the outputs. */
function shown(run: ActionRun): string {
  return [
    run.stdout.replace(/^::add-mask::.*$/gm, ''),
    JSON.stringify(run.annotations),
    run.summary,
    JSON.stringify(run.outputs),
  ].join('\n');
}

/** The masks registered before the first process of the run started. */
function masksBefore(run: ActionRun, marker: RegExp): string[] {
  const lines = run.stdout.split('\n');
  const first = lines.findIndex((l) => marker.test(l));
  return lines
    .slice(0, first < 0 ? lines.length : first)
    .flatMap((l) => (l.startsWith('::add-mask::') ? [l.slice('::add-mask::'.length)] : []));
}

function repositoryConfig(ws: string, url: string, extra = ''): void {
  writeFile(
    path.join(ws, 'rekkord.ini'),
    `[Repository]\nURL = ${url}\nKeyFile = backup.key\n${extra}`,
  );
}

describe('masks come first', () => {
  it('a secret in an unreachable repository URL is masked before identify quotes it', async () => {
    const { ws, log } = backupWorkspace({ PreSaveDirectory: 'hooks/pre' });
    logHook(path.join(ws, 'hooks/pre'), 'stop');
    const url = 's3:https://AKIAEXAMPLEKEY42:wJalrXUtnSECRETvalue@bucket.unreachable.test/b';
    repositoryConfig(ws, url, '[Hooks]\nPreSaveDirectory = hooks/pre\n');
    const run = await runAction(actionOptions(ws));
    expect(run.exitCode).toBe(1);
    expect(readLines(log)).toEqual([]);
    // identify ran and failed, quoting the URL: masked in what it said.
    const error = run.annotations.find((a) => a.command === 'error');
    expect(error?.message).toContain("'rekkord identify' could not open the repository");
    expect(error?.message).toContain('s3:https://***:***@bucket.unreachable.test/b');
    expect(masksBefore(run, /::error/)).toEqual(
      expect.arrayContaining(['wJalrXUtnSECRETvalue', 'AKIAEXAMPLEKEY42']),
    );
    expect(shown(run)).not.toContain('wJalrXUtnSECRETvalue');
    expect(shown(run)).not.toContain('AKIAEXAMPLEKEY42');
  });

  it('a URL password holding ":" or "/" is masked whole, the [Link] URL too; the CLI redacts it', async () => {
    const { ws } = backupWorkspace();
    repositoryConfig(
      ws,
      'sftp://backup:pa:ss-word@host.unreachable.test/backups',
      '[Link]\nURL = https://u:l1nk/p4ss@link.unreachable.test/\nApiKey = link-api-key\n',
    );
    const run = await runAction(actionOptions(ws));
    expect(run.exitCode).toBe(1);
    const masks = masksBefore(run, /::error/);
    expect(masks).toEqual(expect.arrayContaining(['pa:ss-word', 'l1nk/p4ss', 'link-api-key']));
    expect(masks).not.toContain('pa');
    expect(run.annotations.find((a) => a.command === 'error')?.message).toContain(
      'sftp://backup:***@host.unreachable.test',
    );
    for (const piece of ['pa:ss-word', ':ss-word', 'l1nk/p4ss', 'p4ss']) {
      expect(shown(run)).not.toContain(piece);
    }

    const text = cli(ws, ['save', '-C', 'rekkord.ini']);
    expect(text.code).toBe(1);
    expect(text.out).toContain('sftp://backup:***@host.unreachable.test');
    expect(text.out).not.toContain('ss-word');
  });

  it('a secret shorter than 4 characters is not a mask: a warning names its key, never its value', async () => {
    const { ws } = backupWorkspace({}, '[SFTP]\nPassword = zq\n');
    const run = await runAction(actionOptions(ws));
    expect(run.exitCode).toBe(0);
    expect(run.stdout).not.toContain('::add-mask::zq');
    const warning = run.annotations.find((a) => a.properties.title === 'Secret not masked');
    expect(warning?.message).toMatch(/^\[SFTP\] Password \(line 7\) is shorter than 4 characters/);
    expect(warning?.message).not.toContain('zq');
  });

  it('a secret of several lines (a PEM key in SSH_KEY) is masked line by line, as the runner masks the log', async () => {
    const key = [
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
      '  QyNTUxOQAAACBmYWtlLWtleS1mb3ItdGVzdHMtb25seS1ub3QtYS1yZWFsLWtleQAAAJg  ',
      'Zg',
      '-----END OPENSSH PRIVATE KEY-----',
      '',
    ].join('\n');
    const lines = key
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length >= 4);
    const { ws } = backupWorkspace({ PreSaveDirectory: 'hooks/pre' });
    writeHook(path.join(ws, 'hooks/pre'), 'leak', 'printf "%s" "$SSH_KEY"');
    const run = await runAction(actionOptions(ws, {}, { SSH_KEY: key }));
    expect(run.exitCode, run.stdout).toBe(0);
    // The hook printed the key: the runner masks each line of the log on its own.
    const printed = /::group::pre-save › leak\n::stop-commands::(\S+)\n([^]*?)\n::\1::/.exec(
      run.stdout,
    )?.[2];
    expect(printed?.split('\n')).toEqual(['***', '***', '  ***  ', 'Zg', '***']);
    expect(masksBefore(run, /^::group::/)).toEqual(expect.arrayContaining(lines));
    for (const line of lines) expect(shown(run)).not.toContain(line);
    const warning = run.annotations.find((a) => a.properties.title === 'Secret not masked');
    expect(warning?.message).toMatch(/^\$SSH_KEY \(line 4 of its value\) is shorter than 4/);

    // The command line masks its own lines only (a terminal is the user's): the same rule warns.
    const text = cli(ws, ['save', '-C', 'rekkord.ini'], { SSH_KEY: key });
    expect(text.code).toBe(0);
    expect(text.out).toContain('warning: $SSH_KEY (line 4 of its value) is shorter than 4');
  });

  it("the post step masks the config's secrets before its post hooks run", async () => {
    const { ws } = backupWorkspace(
      { PreSaveDirectory: 'hooks/pre', PostSaveDirectory: 'hooks/post' },
      '[S3]\nSecretKey = post-step-secret\n',
    );
    // The main step dies in its pre phase: the post step owes the post hooks.
    writeHook(path.join(ws, 'hooks/pre'), 'die', 'kill -9 $PPID; sleep 1');
    writeHook(path.join(ws, 'hooks/post'), 'leak', 'echo "leak: post-step-secret"');
    const main = await runAction(actionOptions(ws));
    expect(main.signal).toBe('SIGKILL');
    const post = await runPostStep(main, actionOptions(ws));
    expect(post.exitCode).toBe(0);
    expect(masksBefore(post, /^::group::/)).toContain('post-step-secret');
    expect(post.stdout).toContain('leak: ***');
    expect(shown(post)).not.toContain('post-step-secret');
  });
});

describe('config errors', () => {
  // Outside [Hooks] a key is Rekkord's to judge (a newer Rekkord knows more): its refusal, which
  // quotes the key, reaches the user through identify, before any hook, with the secret masked.
  it('a line with a secret and a typo stops the run before any hook, its text never shown', async () => {
    const { ws, log } = backupWorkspace(
      { PreSaveDirectory: 'hooks/pre' },
      '[S3]\nSecretKey: Zm9vYmFyU2VjcmV0=\n',
    );
    logHook(path.join(ws, 'hooks/pre'), 'stop');
    const run = await runAction(actionOptions(ws));
    expect(run.exitCode).toBe(1);
    expect(readLines(log)).toEqual([]);
    expect(run.annotations[0]?.message).toContain('Unknown attribute');
    expect(shown(run)).not.toContain('Zm9v');

    const text = cli(ws, ['save', '-C', 'rekkord.ini']);
    expect(text.code).toBe(1);
    expect(text.out).toContain('Unknown attribute');
    expect(text.out).not.toContain('Zm9v');
    expect(readLines(log)).toEqual([]);
  });

  it('a mistyped secret key keeps its value masked', async () => {
    const { ws } = backupWorkspace({}, '[S3]\nsecretkey = Zm9vYmFyU2VjcmV0\n');
    const run = await runAction(actionOptions(ws));
    expect(run.exitCode).toBe(1);
    expect(shown(run)).not.toContain('Zm9v');
    // Rekkord quotes only the key: the value's safety is its mask, registered before identify.
    expect(run.stdout).toContain('::add-mask::Zm9vYmFyU2VjcmV0');
  });

  it('an unknown [Hooks] key is refused by the action: named by file and line, never echoed', async () => {
    const { ws } = backupWorkspace({}, '[Hooks]\nPreSave: Zm9vYmFyU2VjcmV0=\n');
    const run = await runAction(actionOptions(ws));
    expect(run.exitCode).toBe(1);
    expect(run.annotations[0]?.properties).toMatchObject({ file: 'rekkord.ini' });
    expect(run.annotations[0]?.message).toContain('unknown key in [Hooks]');
    expect(shown(run)).not.toContain('Zm9v');
  });
});

describe('names cannot forge workflow commands', () => {
  const FORGED_ERROR = 'a##[error title=X]FORGED';
  const FORGED_OUTPUT = 'z##[set-output name=forged;]yes';
  const FORGED_SKIPPED = 's##[warning title=W]SKIPPED';

  function forgingWorkspace(): string {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'hooks/pre' });
    logHook(path.join(ws, 'hooks/pre'), FORGED_ERROR);
    logHook(path.join(ws, 'hooks/pre'), FORGED_OUTPUT);
    // A folder: listed as skipped, by name, on the phase line.
    mkdirSync(path.join(ws, 'hooks/pre', FORGED_SKIPPED));
    return ws;
  }

  it('in the action: no forged annotation, output or command, in either form', async () => {
    const ws = forgingWorkspace();
    const run = await runAction(actionOptions(ws));
    expect(run.exitCode, run.stdout).toBe(0);
    expect(readLines(path.join(ws, 'hooks.log'))).toHaveLength(2);
    expect(run.commands.map((c) => c.command)).not.toContain('set-output');
    expect(run.outputs.forged).toBeUndefined();
    const forged = run.annotations.filter(
      (a) => ['X', 'W'].includes(a.properties.title ?? '') || /FORGED|SKIPPED/.test(a.message),
    );
    expect(forged).toEqual([]);
    // The names are still shown, escaped.
    expect(run.stdout).toContain('✅ pre-save a##\\x5berror title=X]FORGED succeeded');
    expect(run.stdout).toContain('skipped: s##\\x5bwarning title=W]SKIPPED');
  });

  it('in the command line: no line a runner would read as a command', () => {
    const ws = forgingWorkspace();
    const text = cli(ws, ['save', '-C', 'rekkord.ini']);
    expect(text.code).toBe(0);
    expect(text.out).toContain('a##\\x5berror title=X]FORGED');
    // Only the hooks' own output (passed through as it is) may hold the legacy form.
    const own = text.out.split('\n').filter((l) => l.includes('##[') && !l.endsWith(' ran'));
    expect(own).toEqual([]);
  });
});

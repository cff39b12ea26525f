/**
 * validate on hostile input, as a pull request can shape it: repeated keys, huge folders, a config
 * that is no file, section names of Object's prototype, names made to be pasted into a shell, and
 * a working directory that changes what "writable by others" means. Through dist/ (the action
 * under the runner emulation) and the command-line bundle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ROOT, startAction, type ActionRun } from './harness/local-runner.js';
import { backupWorkspace, logHook, scratch, writeFile } from './helpers/fixtures.js';
import { REHEARSAL_TABLE_BUDGET } from '../src/report/summary.js';

const CLI = path.join(ROOT, 'dist', 'cli', 'index.js');
const MiB = 1024 * 1024;

function cli(cwd: string, args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: cwd },
    encoding: 'utf8',
    timeout: 120_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * MiB,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The action's validate; stopped when the test ends, even when it hangs on what it was given. */
function validate(ws: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
  const action = startAction({
    workspace: ws,
    inputs: { command: 'validate', rekkord: 'rekkord-is-not-needed', ...inputs },
    measureMemory: true,
  });
  onTestFinished(() => {
    const { child } = action;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return action.done;
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** A config whose [Hooks] section is `lines` repeated until the file holds `bytes`. */
function repeatedConfig(ws: string, lines: string[], bytes: number): string {
  const head = '[Repository]\nURL = repo\nKeyFile = backup.key\n\n[Hooks]\n';
  let text = head;
  while (text.length < bytes) text += `${lines.join('\n')}\n`;
  return writeFile(path.join(ws, 'rekkord.ini'), text);
}

describe('validate is bounded', () => {
  it('checks a folder once however often, and under whatever name, the config names it', async () => {
    const { ws } = backupWorkspace();
    const pre = path.join(ws, 'pre');
    mkdirSync(pre);
    // 300 hooks with a warning each: without #! they run with /bin/sh.
    for (let i = 0; i < 300; i++)
      writeFile(path.join(pre, `h${String(i).padStart(3, '0')}`), 'true\n', 0o755);
    symlinkSync(pre, path.join(ws, 'pre-link'));
    const config = repeatedConfig(
      ws,
      ['PreSaveDirectory = pre', 'PostSaveDirectory = pre-link', 'PreSaveDirectory = ./pre/'],
      8800,
    );
    const run = await validate(ws, { config: 'rekkord.ini' });
    expect(run.exitCode).toBe(0);
    expect(Buffer.byteLength(run.summary)).toBeLessThan(MiB);
    // Each hook's finding once: in its first phase; the other phase refers to it.
    expect(count(run.summary, 'h007 has no #! line')).toBe(1);
    expect(run.summary).toContain('| post-save | 8 | <code>h007</code> |  | ⚠️ | as in pre-save |');
    expect(count(run.summary, '<code>h007</code>')).toBe(2);
    // The annotations are capped, with a line for the rest.
    expect(run.annotations.at(-1)?.properties.title).toMatch(/^\d+ more warnings$/);
    const titles = run.annotations.map((a) => a.properties.title ?? '');
    expect(titles.filter((t) => t.includes('named'))).toEqual([
      expect.stringMatching(/^pre-save hook folder named \d+ times$/),
      expect.stringMatching(/^post-save hook folder named \d+ times$/),
    ]);
    const named = run.annotations.find((a) => a.properties.title?.startsWith('pre-save hook'));
    expect(named?.message).toMatch(/lines 6, 8, .*, … \d+ more\)/);
    expect(run.maxRssKiB).toBeLessThan(400 * 1024);

    const text = cli(ws, ['validate', '-C', config]);
    expect(text.code).toBe(0);
    expect(count(text.stdout, 'h007 has no #! line')).toBe(1);
    expect(text.stdout.length).toBeLessThan(MiB);
  }, 120_000);

  it('examines at most 1024 entries of a 100,000-file hooks-dir, within the runner limits', async () => {
    const ws = scratch();
    const dir = path.join(ws, 'hooks.d');
    mkdirSync(dir);
    // Executable, so that each is a hook with findings (a hooks-dir skips the others, as TKLBAM).
    execFileSync('sh', ['-c', 'seq -f "hook-%06g" 100000 | xargs touch && chmod +x hook-*'], {
      cwd: dir,
    });
    const run = await validate(ws, { 'hooks-dir': 'hooks.d' });
    expect(run.exitCode).toBe(1);
    expect(Buffer.byteLength(run.summary)).toBeLessThan(MiB);
    expect(run.summary).toMatch(/… \d+ more rows not shown/);
    expect(run.summary).toContain(
      `${dir} holds 100000 entries: validate examines at most 1024 entries of one folder; the first 1024 in name order were checked, 98976 more were not`,
    );
    expect(run.summary).not.toContain('hook-001025');
    const hooks = run.outputs.hooks ?? '';
    expect(Buffer.byteLength(hooks)).toBeLessThan(MiB);
    expect((JSON.parse(hooks) as unknown[]).length).toBeGreaterThan(0);
    expect(run.maxRssKiB).toBeLessThan(400 * 1024);

    const text = cli(ws, ['validate', '--hooks-dir', 'hooks.d']);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('holds 100000 entries');
    expect(text.stdout).toMatch(/… \d+ more findings not listed/);
  }, 180_000);

  it('a rehearsal of many rows: its table is cut to its budget, with a line for the rest', async () => {
    const ws = scratch();
    const dir = path.join(ws, 'hooks.d');
    mkdirSync(dir);
    // A summary writes each _ as an entity: 25 such names, run in 9 phases, outgrow the table.
    const long = '_'.repeat(250);
    execFileSync(
      'sh',
      ['-c', `for i in $(seq -w 25); do printf '#!/bin/sh\\n' > h\${i}${long}; done; chmod +x h*`],
      { cwd: dir },
    );
    const run = await validate(ws, { 'hooks-dir': 'hooks.d', exercise: 'true' });
    expect(run.exitCode).toBe(0);
    expect(Buffer.byteLength(run.summary)).toBeLessThan(MiB);
    const rehearsal = run.summary.slice(run.summary.indexOf('### Rehearsal'));
    expect(Buffer.byteLength(rehearsal)).toBeLessThan(REHEARSAL_TABLE_BUDGET + 1024);
    expect(rehearsal).toMatch(/\n\n… \d+ more rows not shown: the summary has a size limit\n/);
    expect(rehearsal).toContain(`<code>h01${'&#95;'.repeat(250)}</code> | ✅ success`);
  }, 180_000);
});

describe('validate reads a config only when it is a regular file', () => {
  it('refuses a FIFO without waiting for a writer', async () => {
    const ws = scratch();
    execFileSync('mkfifo', [path.join(ws, 'rekkord.ini')]);
    const run = await validate(ws, { config: 'rekkord.ini' });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.map((a) => a.message).join('\n')).toContain(
      `Rekkord config ${path.join(ws, 'rekkord.ini')} (from the 'config' input) is a named pipe (FIFO), not a regular file`,
    );
    const text = cli(ws, ['validate', '-C', 'rekkord.ini']);
    expect(text.code).not.toBe(0);
    expect(text.stdout + text.stderr).toContain('is a named pipe (FIFO), not a regular file');
  });

  it('refuses a device such as /dev/zero', async () => {
    const ws = scratch();
    const run = await validate(ws, { config: '/dev/zero' });
    expect(run.exitCode).toBe(1);
    expect(run.annotations.map((a) => a.message).join('\n')).toContain(
      "Rekkord config /dev/zero (from the 'config' input) is a device, not a regular file",
    );
  });
});

describe("names of Object's prototype are unknown names", () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    it(`[${name}] is an unknown section, a key ${name} an unknown key`, async () => {
      const ws = scratch();
      writeFile(path.join(ws, 'section.ini'), `[${name}]\nURL = x\n`);
      writeFile(path.join(ws, 'key.ini'), `[Hooks]\n${name} = pre\n`);
      // Outside [Hooks] an unknown section is Rekkord's to judge: validate warns on its line.
      const section = await validate(ws, { config: 'section.ini' });
      const warning = section.annotations.find((a) => a.command === 'warning');
      expect(warning?.message).toContain(`section [${name}] is unknown to the newest Rekkord`);
      expect(warning?.properties).toMatchObject({ line: '1' });
      // In [Hooks], which the action reads itself, an unknown key is an error.
      const key = await validate(ws, { config: 'key.ini' });
      expect(key.exitCode).toBe(1);
      expect(key.annotations[0]?.message).toContain(`key.ini:2: unknown key in [Hooks]`);
      const text = cli(ws, ['validate', '-C', 'section.ini']);
      expect(text.stdout + text.stderr).toContain(`section [${name}] is unknown`);
    });
  }
});

describe('safe advice', () => {
  /** The words sh reads from `text`, each on its own line: what pasting the advice would run. */
  function shellWords(text: string, cwd: string): string[] {
    return execFileSync('sh', ['-c', `printf '%s\\n' ${text}`], { encoding: 'utf8', cwd })
      .split('\n')
      .slice(0, -1);
  }

  it('shell-quotes every suggested command, whatever the names', async () => {
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre' });
    execFileSync('git', ['init', '-q'], { cwd: ws });
    const evil = "10;touch PWNED|sh;#'x";
    writeFile(path.join(ws, 'pre', evil), '#!/bin/sh\ntrue\n', 0o755);
    execFileSync('git', ['add', '--chmod=-x', '--', path.join('pre', evil)], { cwd: ws });
    const open = logHook(path.join(ws, 'pre'), "it's open");
    chmodSync(open, 0o777);
    const run = await validate(ws, { config: 'rekkord.ini' });
    expect(run.exitCode).toBe(1);
    const messages = run.annotations.map((a) => a.message);

    const git = messages.find((m) => m.includes('git update-index')) ?? '';
    const gitArgs = /git update-index (.*)$/.exec(git)?.[1] ?? '';
    expect(gitArgs).toBe(`--chmod=+x -- 'pre/10;touch PWNED|sh;#'\\''x'`);
    expect(shellWords(gitArgs, ws)).toEqual(['--chmod=+x', '--', `pre/${evil}`]);

    const chmod = messages.find((m) => m.includes('chmod o-w')) ?? '';
    const chmodArgs = /: chmod (.*)$/.exec(chmod)?.[1] ?? '';
    expect(shellWords(chmodArgs, ws)).toEqual(['o-w', '--', open]);
  });

  it('judges the real path, whatever the working directory: a sticky folder above is no finding', () => {
    const sticky = scratch();
    chmodSync(sticky, 0o1777);
    const { ws } = backupWorkspace({ PreSaveDirectory: 'pre' });
    const site = path.join(sticky, 'site');
    execFileSync('cp', ['-a', ws, site]);
    logHook(path.join(site, 'pre'), 'dump');
    symlinkSync(site, path.join(sticky, 'link'));
    // From / and through a link: the folders above are /, /tmp and the sticky folder.
    const text = cli('/', ['validate', '-C', path.join(sticky, 'link', 'rekkord.ini')]);
    expect(text.stdout).not.toContain('o-w');
    expect(text.stdout).not.toContain('writable');
    expect(text.code).toBe(0);

    // The same folder through a link in a folder any user may write: they could point the link
    // elsewhere, so that folder is judged too, as the config names it.
    const writable = scratch();
    chmodSync(writable, 0o777);
    symlinkSync(site, path.join(writable, 'link'));
    const linked = cli('/', ['validate', '-C', path.join(writable, 'link', 'rekkord.ini')]);
    expect(linked.code).toBe(1);
    expect(linked.stdout).toContain(`${writable} (mode 0777) can be changed by any user`);
    expect(count(linked.stdout, `chmod o-w -- ${writable}\n`)).toBe(1);
    expect(linked.stdout).not.toContain(`chmod o-w -- ${sticky}\n`);

    // The hook folder itself gets no pass from its sticky bit: anyone may add a hook there.
    chmodSync(path.join(site, 'pre'), 0o1777);
    const open = cli('/', ['validate', '-C', path.join(site, 'rekkord.ini')]);
    expect(open.code).toBe(1);
    expect(open.stdout).toContain(`chmod o-w -- ${path.join(site, 'pre')}`);
    expect(open.stdout).not.toContain(`chmod o-w -- ${sticky}\n`);
  });
});

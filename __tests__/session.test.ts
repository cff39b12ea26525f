import path from 'node:path';
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../src/plan/inputs.js';
import { makePlan } from '../src/plan/index.js';
import { runSession } from '../src/engine/session.js';
import type { SessionObserver } from '../src/engine/observer.js';
import { runAction, runPostStep, STAND_IN } from './harness/local-runner.js';
import {
  actionOptions,
  backupWorkspace,
  logHook,
  readLines,
  standInRuns,
  writeHook,
} from './helpers/fixtures.js';

const ALL = { PreSaveDirectory: 'pre', PostSaveDirectory: 'post' };

async function session(ws: string, inputs: Record<string, string> = {}) {
  const all: Record<string, string> = {
    command: 'save',
    channel: 'nightly',
    paths: 'data',
    rekkord: STAND_IN,
    config: 'rekkord.ini',
    ...inputs,
  };
  const temp = path.join(ws, 'tmp');
  const settings = parseSettings((n) => all[n] ?? '', {
    workspace: ws,
    tempDir: ws,
    env: {
      PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
      HOME: ws,
      HOOK_LOG: path.join(ws, 'hooks.log'),
      TMPDIR: temp,
    },
  });
  const events: string[] = [];
  const observer: SessionObserver = {
    phaseStart: (phase, _dir, listing) => events.push(`phase ${phase} ${listing.hooks.length}`),
    hookStart: (phase, hook) => events.push(`start ${phase}/${hook.name}`),
    output: () => undefined,
    hookEnd: (r) => events.push(`end ${r.phase}/${r.name} ${r.outcome}`),
    stepStart: () => events.push('step'),
    stepEnd: (r) => events.push(`step ${r.outcome}`),
    phaseEnd: (r) => events.push(`done ${r.phase}`),
  };
  const result = await runSession(await makePlan(settings), observer);
  return { result, events, log: readLines(path.join(ws, 'hooks.log')) };
}

describe('a session', () => {
  it('runs pre hooks, Rekkord, then post hooks with SUCCESS=1 and the OID, each hook once', async () => {
    const { ws } = backupWorkspace(ALL);
    logHook(path.join(ws, 'pre'), '10-dump');
    logHook(path.join(ws, 'pre'), '20-stop');
    logHook(path.join(ws, 'post'), '50-start');
    const { result, events, log } = await session(ws);
    expect(result.success).toBe(true);
    expect(result.oid).toMatch(/^M[0-9A-F]{64}$/);
    expect(log).toEqual([
      'save-pre/10-dump SUCCESS=unset OID=unset',
      'save-pre/20-stop SUCCESS=unset OID=unset',
      `save-post/50-start SUCCESS=1 OID=${result.oid ?? ''}`,
    ]);
    expect(events).toEqual([
      'phase pre-save 2',
      'start pre-save/10-dump',
      'end pre-save/10-dump success',
      'start pre-save/20-stop',
      'end pre-save/20-stop success',
      'done pre-save',
      'step',
      'step success',
      'phase post-save 1',
      'start post-save/50-start',
      'end post-save/50-start success',
      'done post-save',
    ]);
  });

  it('runs every pre hook after a failure, skips Rekkord, and runs post hooks with SUCCESS=0', async () => {
    const { ws } = backupWorkspace(ALL);
    logHook(path.join(ws, 'pre'), '10-fails', 2);
    logHook(path.join(ws, 'pre'), '20-still-runs');
    logHook(path.join(ws, 'post'), '50-restart');
    const { result, log } = await session(ws);
    expect(result.success).toBe(false);
    expect(result.step).toMatchObject({ outcome: 'skipped', exitCode: null });
    expect(log).toEqual([
      'save-pre/10-fails SUCCESS=unset OID=unset',
      'save-pre/20-still-runs SUCCESS=unset OID=unset',
      'save-post/50-restart SUCCESS=0 OID=',
    ]);
    expect(readdirSync(path.join(ws, 'repo'))).toEqual(['rekkord.repo']);
  });

  it('gives later post hooks SUCCESS=0 once a post hook failed', async () => {
    const { ws } = backupWorkspace(ALL);
    logHook(path.join(ws, 'post'), '10-ok');
    logHook(path.join(ws, 'post'), '20-fails', 1);
    logHook(path.join(ws, 'post'), '30-after');
    const { result, log } = await session(ws);
    expect(result.success).toBe(false);
    expect(result.step.outcome).toBe('success');
    expect(log.map((l) => l.replace(/ OID=.*/, ''))).toEqual([
      'save-post/10-ok SUCCESS=1',
      'save-post/20-fails SUCCESS=1',
      'save-post/30-after SUCCESS=0',
    ]);
  });

  it('gives post hooks SUCCESS=0 when Rekkord failed', async () => {
    const { ws } = backupWorkspace(ALL);
    logHook(path.join(ws, 'post'), '10-notify');
    const { result, log } = await session(ws, { paths: 'does-not-exist' });
    expect(result.step).toMatchObject({ outcome: 'failure', exitCode: 1 });
    expect(log).toEqual(['save-post/10-notify SUCCESS=0 OID=']);
  });

  it('runs scan hooks around rekkord scan', async () => {
    const { ws } = backupWorkspace({
      PreScanDirectory: 'pre',
      PostScanDirectory: 'post',
      PreSaveDirectory: 'save',
    });
    logHook(path.join(ws, 'pre'), 'a');
    logHook(path.join(ws, 'post'), 'b');
    logHook(path.join(ws, 'save'), 'not-for-scan');
    const { result, log } = await session(ws, { command: 'scan', channel: '', paths: '' });
    expect(result).toMatchObject({ success: true, oid: null, step: { outcome: 'success' } });
    expect(log).toEqual(['scan-pre/a SUCCESS=unset OID=unset', 'scan-post/b SUCCESS=1 OID=']);
  });

  it('runs a file that two sources name once, at its first place, and says why the other is skipped', async () => {
    const { ws } = backupWorkspace(ALL);
    logHook(path.join(ws, 'pre'), '10-dump');
    logHook(path.join(ws, 'post'), '50-start');
    // The [Hooks] pre folder given as hooks-dir too: each of its hooks is named twice in pre-save.
    const { result, log } = await session(ws, { 'hooks-dir': 'pre' });
    expect(result.success).toBe(true);
    expect(log.filter((l) => l.startsWith('save-pre/10-dump'))).toHaveLength(1);
    const pre = result.phases[0];
    expect(pre?.hooks.map((h) => h.name)).toEqual(['10-dump']);
    expect(pre?.skipped).toEqual([
      {
        name: '10-dump',
        path: path.join(ws, 'pre', '10-dump'),
        reason: `the same file as ${path.join(ws, 'pre', '10-dump')}, which runs earlier in this phase: a hook runs once`,
      },
    ]);
  });

  it('runs every entry of one folder, two links to one script included, as Rekkord does', async () => {
    const { ws } = backupWorkspace(ALL);
    const script = logHook(path.join(ws, 'pre'), '10-dump');
    symlinkSync(script, path.join(ws, 'pre', '20-again'));
    const { result, log } = await session(ws);
    expect(result.success).toBe(true);
    expect(result.phases[0]?.hooks.map((h) => h.name)).toEqual(['10-dump', '20-again']);
    expect(log.filter((l) => l.startsWith('save-pre/10-dump'))).toHaveLength(2);
  });

  it('leaves no private config copy behind', async () => {
    const { ws } = backupWorkspace(ALL);
    await session(ws);
    expect(readdirSync(ws).filter((n) => n.startsWith('rekkord-hooks-'))).toEqual([]);
  });
});

describe("hooks and Rekkord get the runner's environment without its internals (through dist/)", () => {
  const PRIVATE = /^(ACTIONS_RUNTIME_TOKEN|ACTIONS_ID_TOKEN_REQUEST_\w+|INPUT_\w+|STATE_\w+)=/m;
  const FILES = /^GITHUB_(ENV|PATH|OUTPUT|STATE|STEP_SUMMARY)=/m;

  /** Every hook and every Rekkord run (probes included) dumps its environment into `dumps`. */
  function dumpingWorkspace() {
    const { ws } = backupWorkspace(ALL);
    const dumps = path.join(ws, 'env');
    mkdirSync(dumps);
    const dump = (name: string) => `env > "${dumps}/${name}-$$"`;
    writeHook(path.join(ws, 'pre'), 'a', dump('pre'));
    writeHook(path.join(ws, 'post'), 'b', dump('post'));
    writeHook(ws, 'rk', `${dump('rekkord')}\nexec "${STAND_IN}" "$@"`);
    const env = {
      ACTIONS_RUNTIME_TOKEN: 'runtime-secret',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-secret',
      ACTIONS_ID_TOKEN_REQUEST_URL: 'https://oidc.example',
      STATE_leftover: 'x',
      KEPT_VARIABLE: 'kept',
    };
    const read = () =>
      readdirSync(dumps).map((f) => ({ f, text: readFileSync(path.join(dumps, f), 'utf8') }));
    return {
      ws,
      env,
      read,
      options: (inputs = {}) => actionOptions(ws, { rekkord: './rk', ...inputs }, env),
    };
  }

  it('hides tokens, inputs, state and the workflow-command files', async () => {
    const { read, options } = dumpingWorkspace();
    const run = await runAction(options());
    expect(run.exitCode, run.stdout).toBe(0);
    const dumps = read();
    expect(dumps.map((d) => d.f.split('-')[0]).sort()).toEqual(
      expect.arrayContaining(['post', 'pre', 'rekkord']),
    );
    for (const { f, text } of dumps) {
      expect(text, f).not.toMatch(PRIVATE);
      expect(text, f).not.toMatch(FILES);
      expect(text, f).toMatch(/^KEPT_VARIABLE=kept$/m);
    }
  });

  it('keeps the workflow-command files, never the tokens, with allow-workflow-commands', async () => {
    const { read, options } = dumpingWorkspace();
    const run = await runAction(options({ 'allow-workflow-commands': 'True' }));
    expect(run.exitCode).toBe(0);
    const dumps = read();
    expect(dumps.map((d) => d.f.split('-')[0]).sort()).toEqual(
      expect.arrayContaining(['post', 'pre', 'rekkord']),
    );
    for (const { f, text } of dumps) {
      expect(text, f).not.toMatch(PRIVATE);
      expect(text, f).toMatch(/^GITHUB_OUTPUT=/m);
    }
  });
});

describe('a hook writing to GITHUB_STATE cannot make the post step run anything', () => {
  it.each([
    ['isPost=', 'isPost=\ntoken='],
    ['stage=pre', 'stage=pre\npost-done-count=0'],
    [
      'a forged token',
      'isPost=00000000-0000-0000-0000-000000000000\ntoken=00000000-0000-0000-0000-000000000000\nstage=pre',
    ],
  ])('%s', async (_what, lines) => {
    const { ws, log } = backupWorkspace(ALL);
    logHook(path.join(ws, 'pre'), 'a');
    writeHook(path.join(ws, 'post'), 'b', `printf '%s\\n' '${lines}' >> "$GITHUB_STATE"`);
    const options = actionOptions(ws, { 'allow-workflow-commands': 'true' });
    const main = await runAction(options);
    expect(main.exitCode).toBe(0);
    const before = readLines(log);
    const post = await runPostStep(main, options);
    expect(post.exitCode).toBe(0);
    expect(post.stdout).toContain('The main step ran the post hooks: nothing to do.');
    expect(readLines(log)).toEqual(before);
    expect(standInRuns(ws)).toHaveLength(1);
  });
});

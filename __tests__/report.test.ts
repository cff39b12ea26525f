import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAction } from './harness/local-runner.js';
import { actionOptions, backupWorkspace, logHook } from './helpers/fixtures.js';
import { errorAnnotations } from '../src/report/annotations.js';
import { HOOKS_OUTPUT_BUDGET, hooksOutput, stepOutputs } from '../src/report/outputs.js';
import { jsonAbort, jsonResult } from '../src/report/json.js';
import { formatDuration } from '../src/kernel/text.js';
import { workspaceFile } from '../src/report/rows.js';
import { renderSummary } from '../src/report/summary.js';
import type { HookResult, SessionResult } from '../src/engine/results.js';
import { sessionResult } from '../src/engine/verdict.js';

function hook(
  name: string,
  outcome: HookResult['outcome'],
  extra: Partial<HookResult> = {},
): HookResult {
  return {
    phase: 'pre-save',
    name,
    path: `/ws/hooks/${name}`,
    exitCode: outcome === 'success' ? 0 : 1,
    signal: null,
    durationMs: 12.4,
    outcome,
    message: outcome === 'success' ? '' : 'exited with code 1',
    tail: outcome === 'success' ? [] : ['line a', 'line b'],
    ...extra,
  };
}

function session(
  pre: HookResult[],
  post: HookResult[] = [],
  stepOutcome: SessionResult['step']['outcome'] = 'success',
): SessionResult {
  return sessionResult({
    command: 'save',
    errors: [],
    cancelled: null,
    recovery: false,
    oid: stepOutcome === 'success' ? `M${'A'.repeat(64)}` : null,
    configPath: '/ws/rekkord.ini',
    phases: [
      {
        phase: 'pre-save',
        directories: ['/ws/hooks'],
        hooks: pre,
        skipped: [{ name: '.x', path: '/ws/hooks/.x', reason: 'dotfile' }],
        error: '',
      },
      { phase: 'post-save', directories: [], hooks: post, skipped: [], error: '' },
    ],
    step: {
      command: 'save',
      display: 'rekkord save',
      exitCode: stepOutcome === 'skipped' ? null : stepOutcome === 'success' ? 0 : 1,
      signal: null,
      durationMs: 1500,
      outcome: stepOutcome,
      message: stepOutcome === 'failure' ? 'rekkord save failed with exit code 1' : '',
      oid: null,
      tail: ['Cannot stat x'],
    },
  });
}

describe('annotations', () => {
  it('makes one error per failed hook, titled with phase, name and exit, pointing at the file', () => {
    const { annotations, failure } = errorAnnotations(
      session([
        hook('10-a', 'failure'),
        hook('20-b', 'success'),
        hook('30-c', 'failure', {
          exitCode: null,
          signal: 'SIGTERM',
          message: 'killed by SIGTERM',
        }),
      ]),
      '/ws',
    );
    expect(annotations).toEqual([
      {
        title: 'pre-save hook 10-a failed (exit code 1)',
        message: '/ws/hooks/10-a: exited with code 1\nLast output:\nline a\nline b',
        file: 'hooks/10-a',
      },
      {
        title: 'pre-save hook 30-c failed (SIGTERM)',
        message: '/ws/hooks/30-c: killed by SIGTERM\nLast output:\nline a\nline b',
        file: 'hooks/30-c',
      },
    ]);
    expect(failure).toBe('Rekkord save with hooks failed: 2 of 3 hooks failed');
  });

  it('adds the failed Rekkord step with its last lines, and says when it did not run', () => {
    expect(errorAnnotations(session([], [], 'failure'), '/ws').annotations).toEqual([
      {
        title: 'rekkord save failed (exit code 1)',
        message: 'rekkord save failed with exit code 1\nLast output:\nCannot stat x',
      },
    ]);
    expect(errorAnnotations(session([hook('a', 'failure')], [], 'skipped'), '/ws').failure).toBe(
      'Rekkord save with hooks failed: 1 of 1 hooks failed; rekkord save did not run',
    );
  });

  it('stays within the 10 errors the runner shows, counting the closing failure', () => {
    const many = Array.from({ length: 25 }, (_, i) => hook(`h${i}`, 'failure'));
    const { annotations, failure } = errorAnnotations(session(many), '/ws');
    expect(annotations).toHaveLength(9);
    expect(annotations.at(-1)?.title).toBe('17 more failures');
    expect(annotations[7]?.title).toContain('h7');
    expect(failure).toContain('25 of 25 hooks failed');
  });

  it('uses exactly the room there is without a "more" line', () => {
    const nine = Array.from({ length: 9 }, (_, i) => hook(`h${i}`, 'failure'));
    expect(
      errorAnnotations(session(nine), '/ws').annotations.map((a) => a.title.split(' ')[2]),
    ).toEqual(nine.map((h) => h.name));
  });

  it('points only at files inside the workspace', () => {
    expect(workspaceFile('/ws/a/b', '/ws')).toBe('a/b');
    expect(workspaceFile('/etc/rekkord/hooks/x', '/ws')).toBeUndefined();
    expect(workspaceFile('/ws2/x', '/ws')).toBeUndefined();
  });
});

describe('job summary', () => {
  it('lists every hook and the Rekkord step with outcome, exit and duration, and the skipped entries', () => {
    const md = renderSummary(
      session([hook('10-a|b', 'success'), hook('<20>', 'failure')], [], 'skipped'),
      {
        channel: 'nightly',
        rekkordVersion: '0.104.2',
      },
    );
    expect(md).toContain('## Rekkord save ❌ failed');
    expect(md).toContain('| pre-save | <code>10-a&#124;b</code> | ✅ success | 0 | 12 ms |  |');
    expect(md).toContain(
      '| pre-save | <code>&#60;20&#62;</code> | ❌ failure | 1 | 12 ms | exited with code 1 |',
    );
    expect(md).toContain('| rekkord | <code>rekkord save</code> | ⏭️ skipped |  |  |  |');
    expect(md).toContain('| post-save | — | no directory configured |  |  |  |');
    expect(md).toContain('Skipped entries: <code>pre-save/.x</code> (dotfile)');
    expect(md).toContain('Rekkord 0.104.2');
  });

  it('names the first 100 skipped entries and counts the rest, so a full folder keeps the summary small', () => {
    const result = session([]);
    const pre = result.phases[0];
    if (!pre) throw new Error('no pre phase');
    pre.skipped = Array.from({ length: 1024 }, (_, i) => ({
      name: `.${'x'.repeat(200)}${String(i)}`,
      path: `/ws/hooks/.x${String(i)}`,
      reason: 'dotfile',
    }));
    const md = renderSummary(result, { channel: 'nightly', rekkordVersion: null });
    expect(md.match(/<code>pre-save\//g)).toHaveLength(100);
    expect(md).toContain('… 924 more skipped entries');
    expect(Buffer.byteLength(md)).toBeLessThan(64 * 1024);
  });

  it('names the snapshot after a save', () => {
    expect(renderSummary(session([]), { channel: 'nightly', rekkordVersion: null })).toContain(
      `Snapshot <code>M${'A'.repeat(64)}</code> saved in channel <code>nightly</code>.`,
    );
  });

  it('formats durations for people', () => {
    expect([formatDuration(5.2), formatDuration(1500), formatDuration(125_000)]).toEqual([
      '5 ms',
      '1.5 s',
      '2 min 5 s',
    ]);
  });
});

describe('the session verdict (computed once by the engine)', () => {
  it('lists the failed hooks and the failed step, and fails the session', () => {
    const result = session([hook('a', 'failure'), hook('b', 'not-run')], [], 'failure');
    expect(result.success).toBe(false);
    expect(result.failures.hooks.map((h) => h.name)).toEqual(['a']);
    expect(result.failures.step?.outcome).toBe('failure');
    expect(result.failures.phases).toEqual([]);
  });

  it('fails a session whose hook a cancel came before, without listing it as failed', () => {
    const result = session([hook('a', 'not-run')]);
    expect(result.success).toBe(false);
    expect(result.failures.hooks).toEqual([]);
  });

  it('lets a recovery succeed without a Rekkord step, and an action error fail any session', () => {
    const recovered = { ...session([], [hook('p', 'success')], 'skipped'), recovery: true };
    expect(sessionResult(recovered).success).toBe(true);
    expect(sessionResult({ ...recovered, errors: ['state not written'] }).success).toBe(false);
    expect(session([], [], 'skipped').success).toBe(false);
  });

  it('says whether Rekkord did its work: a success, or an OID printed before it failed', () => {
    const savedThenFailed = session([], [hook('notify', 'failure')]);
    expect(savedThenFailed).toMatchObject({ success: false, rekkordDone: true });
    expect(session([]).rekkordDone).toBe(true);
    const failed = session([], [], 'failure');
    expect(failed.rekkordDone).toBe(false);
    // A failed [Link] report: Rekkord wrote the snapshot, printed its OID, then failed.
    const written = sessionResult({
      ...failed,
      step: { ...failed.step, oid: `M${'B'.repeat(64)}` },
    });
    expect(written).toMatchObject({ success: false, rekkordDone: true });
    expect(session([hook('a', 'failure')], [], 'skipped').rekkordDone).toBe(false);
    const recovered = sessionResult({ ...session([], [], 'skipped'), recovery: true });
    expect(recovered).toMatchObject({ success: true, rekkordDone: false });
  });

  it('names a failure after Rekkord did its work in the summary title', () => {
    const result = session([], [hook('notify', 'failure', { phase: 'post-save' })]);
    const md = renderSummary(result, { channel: 'nightly', rekkordVersion: null });
    expect(md).toContain('## Rekkord save ❌ failed after Rekkord did its work');
    expect(md).toContain(`Snapshot <code>M${'A'.repeat(64)}</code> saved in channel`);
  });
});

describe('step outputs', () => {
  it('gives success, oid, the hooks as JSON and the failed count', () => {
    const outputs = stepOutputs(
      session([hook('a', 'success'), hook('b', 'not-started', { exitCode: null })]),
    );
    expect(outputs.success).toBe('false');
    expect(outputs['failed-hooks']).toBe('1');
    expect(JSON.parse(outputs.hooks ?? '')).toEqual([
      {
        phase: 'pre-save',
        name: 'a',
        path: '/ws/hooks/a',
        exitCode: 0,
        signal: null,
        durationMs: 12,
        outcome: 'success',
        message: '',
      },
      {
        phase: 'pre-save',
        name: 'b',
        path: '/ws/hooks/b',
        exitCode: null,
        signal: null,
        durationMs: 12,
        outcome: 'not-started',
        message: 'exited with code 1',
      },
    ]);
  });

  it('cuts the hooks output to its budget, whole objects only, and says how many it left out', () => {
    const name = (i: number) => `${String(i).padStart(4, '0')}-${'n'.repeat(240)}`;
    const many = Array.from({ length: 3000 }, (_, i) => hook(name(i), 'failure'));
    const outputs = stepOutputs(session(many, [], 'skipped'));
    const text = outputs.hooks ?? '';
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(HOOKS_OUTPUT_BUDGET + 100);
    const listed = JSON.parse(text) as Record<string, unknown>[];
    const marker = listed.pop();
    expect(listed.length).toBeGreaterThan(100);
    expect(listed.map((h) => h.name)).toEqual(many.slice(0, listed.length).map((h) => h.name));
    const omitted = 3000 - listed.length;
    expect(marker).toEqual({
      omitted,
      message: `… ${omitted} more hooks not listed: the output has a size limit`,
    });
    // The count is of every failed hook, listed or not.
    expect(outputs['failed-hooks']).toBe('3000');
    expect(JSON.parse(hooksOutput([]))).toEqual([]);
  });
});

describe('--json', () => {
  const verdict = { verdict: 'failed-after-rekkord', exitCode: 3 };

  it('says how long the run waited for the lock, and whether Rekkord did its work', () => {
    const result = session([], [hook('notify', 'failure', { phase: 'post-save' })]);
    expect(jsonResult(result, verdict, 'save')).toMatchObject({
      lockWaitMs: 0,
      rekkordDone: true,
    });
    const waited = jsonResult({ ...result, lockWaitMs: 1234.6 }, verdict, 'save');
    expect(waited.lockWaitMs).toBe(1235);
    expect(jsonAbort('save', verdict, 'x')).toMatchObject({ lockWaitMs: 0, rekkordDone: false });
  });
});

describe('names are data, never workflow commands (through dist/)', () => {
  it('hook, skipped-entry and folder names with newlines, ::, % and \\r forge nothing and hide nothing', async () => {
    // A config value is one line; a hooks-dir input can hold a newline.
    const { ws } = backupWorkspace({
      PreSaveDirectory: 'hooks/pre ::error title=Forged::%0A',
      PostSaveDirectory: 'hooks/post',
    });
    const pre = path.join(ws, 'hooks/pre ::error title=Forged::%0A');
    const hooksDir = 'hooks.d\n::error title=Forged::hooks-dir';
    logHook(path.join(ws, hooksDir), '50-d\n::error title=Forged::in hooks-dir');
    logHook(pre, '10-a\n::error title=Forged::hook');
    logHook(pre, '05-a\n::stop-commands::x');
    logHook(pre, '07-%0A::error title=Forged::percent\r::warning title=Forged::cr');
    mkdirSync(path.join(pre, 'd\n::error title=Forged::skipped folder'));
    // A dotfile in a [Hooks] folder is a hook for Rekkord: an executable one runs.
    logHook(pre, '.x\n::error title=Forged::dotfile');
    // A genuine failure after all of them: it must still be shown.
    logHook(path.join(ws, 'hooks/post'), '30-late|*x*', 3);
    const run = await runAction(actionOptions(ws, { 'hooks-dir': hooksDir }));
    expect(run.exitCode).toBe(1);
    expect(run.annotations.filter((a) => JSON.stringify(a).includes('Forged'))).toEqual([]);
    expect(run.annotations.map((a) => a.properties.title)).toContain(
      'post-save hook 30-late|*x* failed (exit code 3)',
    );
    // Every line the action writes about them is one line, names escaped.
    expect(run.stdout).toContain('pre-save › 10-a\\n::error title=Forged::hook');
    expect(run.stdout).toMatch(/^✅ pre-save 05-a\\n::stop-commands::x succeeded/m);
    expect(run.stdout).toContain('pre-save › .x\\n::error title=Forged::dotfile');
    expect(run.stdout).toContain('skipped: d\\n::error title=Forged::skipped folder');
    expect(run.stdout).toContain('pre-save: 5 hook(s) in ');
    // Summary cells: one row per hook, Markdown shown as text.
    expect(run.summary).toContain('30-late&#124;&#42;x&#42;');
    expect(run.summary).not.toMatch(/^::/m);
  });
});

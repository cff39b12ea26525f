/**
 * The demo's 20-check-space hook does what its comment says: it refuses (exits non-zero) when the
 * disk is fuller than its thresholds, and then the backup does not happen. The thresholds are
 * set so that any disk is "too full" or "roomy enough", whatever this machine has free.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runAction, STAND_IN } from './harness/local-runner.js';

const HOOK = path.join(ROOT, 'examples', 'demo', 'hooks', 'pre-save', '20-check-space');
const CONFIG = path.join(ROOT, 'examples', 'demo', 'rekkord.ini');

interface Ended {
  code: number;
  stdout: string;
  stderr: string;
}

async function checkSpace(env: Record<string, string>): Promise<Ended> {
  try {
    const { stdout, stderr } = await promisify(execFile)(HOOK, [], {
      env: { PATH: process.env.PATH, REKKORD_HOOK_CONFIG: CONFIG, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('examples/demo/hooks/pre-save/20-check-space', () => {
  it('refuses when more of the disk is used than a tiny percentage allows', async () => {
    const run = await checkSpace({ CHECK_SPACE_MAX_USED_PERCENT: '0' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Free space for .*\/data: \d+ MiB, \d+% used$/m);
    expect(run.stderr).toContain('Refusing to back up: more than 0% of the disk used');
  });

  it('refuses when less is free than the minimum', async () => {
    const run = await checkSpace({ CHECK_SPACE_MIN_FREE_MB: String(2 ** 40) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Refusing to back up: less than ${2 ** 40} MiB free`);
  });

  it('lets the backup start when the thresholds leave room', async () => {
    const run = await checkSpace({
      CHECK_SPACE_MIN_FREE_MB: '0',
      CHECK_SPACE_MAX_USED_PERCENT: '100',
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
  });

  it('refuses a threshold that is not a whole number', async () => {
    const run = await checkSpace({ CHECK_SPACE_MIN_FREE_MB: '1e3' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Not a whole number: '1e3'");
  });

  it('stops the demo backup before Rekkord runs, and the post hook reports it', async () => {
    const ws = mkdtempSync(path.join(os.tmpdir(), 'rekkord-hooks-space-'));
    made.push(ws);
    cpSync(path.join(ROOT, 'examples'), path.join(ws, 'examples'), { recursive: true });
    const run = await runAction({
      workspace: ws,
      inputs: {
        command: 'save',
        config: 'examples/demo/rekkord.ini',
        channel: 'ci-demo',
        paths: 'examples/demo/data',
        rekkord: STAND_IN,
      },
      env: { CHECK_SPACE_MAX_USED_PERCENT: '0' },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs).toMatchObject({ success: 'false', oid: '', 'failed-hooks': '1' });
    const failed = (JSON.parse(run.outputs.hooks ?? '[]') as { name: string; outcome: string }[])
      .filter((h) => h.outcome !== 'success')
      .map((h) => `${h.name} ${h.outcome}`);
    expect(failed).toEqual(['20-check-space failure']);
    expect(run.stdout).toContain('Backup failed (rekkord exit code: did not run)');
  });
});

import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CANCEL_BUDGET_MS, Cancellation } from '../src/kernel/cancel.js';
import { reapGroup, signalGroup } from '../src/process/process-group.js';

describe('cancellation', () => {
  it('cancels once, tells every listener, and tells late listeners at once', () => {
    const cancel = new Cancellation();
    const heard: string[] = [];
    const unsubscribe = cancel.onCancel((s) => heard.push(`a:${s}`));
    cancel.onCancel((s) => heard.push(`b:${s}`));
    unsubscribe();
    expect(cancel.remainingMs()).toBe(Infinity);
    expect(cancel.cancel('SIGINT')).toBe(true);
    expect(cancel.cancel('SIGTERM')).toBe(false);
    expect(cancel.signal).toBe('SIGINT');
    cancel.onCancel((s) => heard.push(`late:${s}`));
    expect(heard).toEqual(['b:SIGINT', 'late:SIGINT']);
  });

  it('counts down the budget from the first signal', () => {
    const cancel = new Cancellation();
    cancel.cancel('SIGTERM');
    const left = cancel.remainingMs();
    expect(left).toBeGreaterThan(CANCEL_BUDGET_MS - 1000);
    expect(left).toBeLessThanOrEqual(CANCEL_BUDGET_MS);
  });
});

describe('process groups', () => {
  it('reaps a group whose members ignore SIGTERM, with SIGKILL after the grace', async () => {
    const child = spawn('/bin/sh', ['-c', "trap '' TERM; sleep 30 & sleep 30; wait"], {
      detached: true,
      stdio: 'ignore',
    });
    const pgid = child.pid ?? 0;
    try {
      await new Promise((r) => setTimeout(r, 100));
      signalGroup(pgid, 'SIGTERM');
      const started = performance.now();
      await reapGroup(pgid, 300);
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      await new Promise((r) => setTimeout(r, 100));
      // Gone, or only zombies waiting for init: reaping again returns at once.
      const again = performance.now();
      await reapGroup(pgid, 5000);
      expect(performance.now() - again).toBeLessThan(100);
    } finally {
      // The sleeps go whatever an assertion said.
      signalGroup(pgid, 'SIGKILL');
    }
  });

  it('returns at once for a group that is gone', async () => {
    const started = performance.now();
    await reapGroup(2 ** 22 - 3, 5000);
    expect(performance.now() - started).toBeLessThan(100);
  });
});

/**
 * heartbeat-start and heartbeat-end against a loopback HTTP server that records each ping, as a
 * healthchecks.io-style monitor receives them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort, requireTool, runBattery } from '../harness/servers.js';

let server: http.Server;
let base: string;
const pings: string[] = [];
/** Statuses to answer with before answering 200, one per request. */
const failures: number[] = [];

beforeAll(async () => {
  requireTool('curl', 'curl');
  server = http.createServer((req, res) => {
    pings.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.statusCode = failures.shift() ?? 200;
    res.end('OK');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${String((server.address() as net.AddressInfo).port)}/ping/abc-123`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  pings.length = 0;
  failures.length = 0;
});

describe('heartbeat-start and heartbeat-end', () => {
  it('pings /start before the save', async () => {
    const res = await runBattery('heartbeat-start', { HEARTBEAT_URL: base });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('pinged start');
    expect(pings).toEqual(['GET /ping/abc-123/start']);
  });

  it("keeps the URL, a secret of the check, off curl's command line", async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'battery-curl-'));
    try {
      // A curl that logs its arguments, then runs the real one.
      const curl = requireTool('curl', 'curl');
      writeFileSync(
        path.join(bin, 'curl'),
        `#!/bin/sh\necho "$*" >>"${bin}/argv"\nexec ${curl} "$@"\n`,
        { mode: 0o755 },
      );
      const res = await runBattery('heartbeat-start', {
        HEARTBEAT_URL: base,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
      });
      expect(res.status).toBe(0);
      expect(pings).toEqual(['GET /ping/abc-123/start']);
      const argv = readFileSync(path.join(bin, 'argv'), 'utf8');
      expect(argv).toContain('-K -');
      expect(argv).not.toContain('abc-123');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('pings the check URL itself on SUCCESS=1', async () => {
    const res = await runBattery('heartbeat-end', { HEARTBEAT_URL: `${base}/`, SUCCESS: '1' });
    expect(res.status).toBe(0);
    expect(pings).toEqual(['GET /ping/abc-123']);
  });

  it("pings /<status> with Rekkord's exit status, else /fail", async () => {
    const failed = await runBattery('heartbeat-end', {
      HEARTBEAT_URL: base,
      SUCCESS: '0',
      REKKORD_HOOK_EXIT_CODE: '1',
    });
    expect(failed.status).toBe(0);
    // Rekkord succeeded but a hook failed; Rekkord did not run; a Rekkord without SUCCESS.
    for (const env of [
      { SUCCESS: '0', REKKORD_HOOK_EXIT_CODE: '0' },
      { SUCCESS: '0', REKKORD_HOOK_EXIT_CODE: '' },
      {},
    ]) {
      expect((await runBattery('heartbeat-end', { HEARTBEAT_URL: base, ...env })).status).toBe(0);
    }
    expect(pings).toEqual([
      'GET /ping/abc-123/1',
      'GET /ping/abc-123/fail',
      'GET /ping/abc-123/fail',
      'GET /ping/abc-123/fail',
    ]);
  });

  it('retries a ping the server answers with an error', async () => {
    failures.push(503);
    const res = await runBattery('heartbeat-start', {
      HEARTBEAT_URL: base,
      HEARTBEAT_RETRIES: '2',
    });
    expect(res.status).toBe(0);
    expect(pings).toEqual(['GET /ping/abc-123/start', 'GET /ping/abc-123/start']);
  });

  it('warns and exits 0 when the monitor is down, fails with HEARTBEAT_FATAL=1', async () => {
    const down = `http://127.0.0.1:${String(await freePort())}/ping/abc-123`;
    const warned = await runBattery('heartbeat-end', {
      HEARTBEAT_URL: down,
      HEARTBEAT_RETRIES: '1',
      SUCCESS: '1',
    });
    expect(warned.status).toBe(0);
    expect(warned.stderr).toContain('warning: the success ping failed');
    const fatal = await runBattery('heartbeat-start', {
      HEARTBEAT_URL: down,
      HEARTBEAT_RETRIES: '0',
      HEARTBEAT_FATAL: '1',
    });
    expect(fatal.status).toBe(1);
    expect(fatal.stderr).toContain('the start ping failed (HEARTBEAT_FATAL=1)');
  });

  it('gives up within its timeout on a monitor that never answers', async () => {
    const silent = http.createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${String((silent.address() as net.AddressInfo).port)}/x`;
      const started = Date.now();
      const res = await runBattery('heartbeat-start', {
        HEARTBEAT_URL: url,
        HEARTBEAT_TIMEOUT: '1',
        HEARTBEAT_RETRIES: '0',
      });
      expect(res.status).toBe(0);
      expect(res.stderr).toContain('warning');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('needs HEARTBEAT_URL, pings nothing in a rehearsal', async () => {
    const missing = await runBattery('heartbeat-start', {});
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('set HEARTBEAT_URL');
    const rehearsal = await runBattery('heartbeat-end', {
      HEARTBEAT_URL: base,
      SUCCESS: '1',
      REKKORD_HOOK_REHEARSAL: '1',
    });
    expect(rehearsal.status).toBe(0);
    expect(pings).toEqual([]);
  });
});

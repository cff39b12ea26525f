import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveExecutable } from '../src/plan/paths.js';
import { OidScanner, runStep, stepArguments } from '../src/engine/rekkord-step.js';
import { groupMembers, signalGroup } from '../src/process/process-group.js';
import { STAND_IN } from './harness/local-runner.js';
import { backupWorkspace, readLines, scratch, writeFile, writeHook } from './helpers/fixtures.js';

const OID = `M${'0123456789ABCDEF'.repeat(4)}`;

describe('the Rekkord command line', () => {
  it('puts the config, the extra arguments, then channel and paths', () => {
    const spec = {
      command: 'save' as const,
      rekkordPath: '/r',
      configPath: '/c.ini',
      noHooks: false,
      args: ['-j', '4'],
      operands: ['ch', '/a', '/b'],
    };
    expect(stepArguments(spec)).toEqual(['save', '-C', '/c.ini', '-j', '4', 'ch', '/a', '/b']);
    const scan = { ...spec, command: 'scan' as const, configPath: null, args: [], operands: [] };
    expect(stepArguments(scan)).toEqual(['scan']);
    const restore = { ...spec, command: 'restore' as const, operands: ['nightly:db', '/restore'] };
    expect(stepArguments(restore)).toEqual([
      'restore',
      '-C',
      '/c.ini',
      '-j',
      '4',
      'nightly:db',
      '/restore',
    ]);
  });
});

describe('reading the snapshot OID', () => {
  it('finds the OID line whatever the chunking, and ignores look-alikes', () => {
    const text = `Snapshot channel: x\nSnapshot OID: ${OID}\r\nSource size: 1 B\n`;
    for (const size of [1, 7, text.length]) {
      const scanner = new OidScanner();
      for (let i = 0; i < text.length; i += size)
        scanner.push(Buffer.from(text.slice(i, i + size)));
      scanner.end();
      expect(scanner.oid).toBe(OID);
    }
    const other = new OidScanner();
    other.push(
      Buffer.from(
        `Snapshot OID: X${OID.slice(1)}\nSnapshot OID: ${OID.toLowerCase()}\nnote: Snapshot OID: ${OID}\n`,
      ),
    );
    other.end();
    expect(other.oid).toBeNull();
  });

  it('reads an OID line in colour and one without a final newline', () => {
    const scanner = new OidScanner();
    scanner.push(Buffer.from(`\x1b[1mSnapshot OID: \x1b[0m${OID}`));
    scanner.end();
    expect(scanner.oid).toBe(OID);
  });

  it('keeps no more than a bounded partial line', () => {
    const scanner = new OidScanner();
    for (let i = 0; i < 100; i++) scanner.push(Buffer.alloc(65536, 0x41));
    scanner.push(Buffer.from(`\nSnapshot OID: ${OID}\n`));
    expect(scanner.oid).toBe(OID);
  });
});

describe('finding the executable', () => {
  it('looks a bare name up in PATH and takes a path as it is', async () => {
    const ws = scratch();
    const bin = writeFile(path.join(ws, 'b', 'rekkord'), '#!/bin/sh\n', 0o755);
    writeFile(path.join(ws, 'a', 'rekkord'), 'not executable', 0o644);
    expect(await resolveExecutable('rekkord', `${ws}/a:${ws}/b`, '/')).toBe(bin);
    expect(await resolveExecutable('./b/rekkord', '', ws)).toBe(bin);
    expect(await resolveExecutable('rekkord', `${ws}/a`, '/')).toBeNull();
    expect(await resolveExecutable('./a/rekkord', '', ws)).toBeNull();
  });
});

describe('running Rekkord', () => {
  const groups: number[] = [];
  afterEach(() => {
    for (const pgid of groups.splice(0)) signalGroup(pgid, 'SIGKILL');
  });

  it('forces English so the OID is read even when the runner speaks French', async () => {
    const { ws, config } = backupWorkspace();
    const log = path.join(ws, 'standin.log');
    const out: Buffer[] = [];
    const result = await runStep(
      {
        command: 'save',
        rekkordPath: STAND_IN,
        configPath: config,
        noHooks: false,
        args: [],
        operands: ['ch', 'data'],
      },
      {
        cwd: ws,
        env: {
          PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
          LANGUAGE: 'fr',
          LANG: 'fr_FR.UTF-8',
          REKKORD_STANDIN_LOG: log,
        },
        onOutput: (c) => {
          out.push(c);
          return undefined;
        },
        display: 'rekkord save',
      },
    );
    expect(result).toMatchObject({ outcome: 'success', exitCode: 0 });
    expect(result.oid).toMatch(/^M[0-9A-F]{64}$/);
    expect(Buffer.concat(out).toString()).toContain(`Snapshot OID: ${result.oid ?? ''}`);
    expect(JSON.parse(readLines(log)[0] ?? '{}')).toMatchObject({ lang: 'en' });
  });

  it('reports a failed step with its last stderr lines and no OID', async () => {
    const { ws, config } = backupWorkspace();
    const result = await runStep(
      {
        command: 'save',
        rekkordPath: STAND_IN,
        configPath: config,
        noHooks: false,
        args: [],
        operands: ['ch', 'missing'],
      },
      {
        cwd: ws,
        env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` },
        onOutput: () => undefined,
        display: '',
      },
    );
    expect(result).toMatchObject({
      outcome: 'failure',
      exitCode: 1,
      oid: null,
      message: 'rekkord save: exited with code 1',
    });
    expect(result.tail).toContain("Cannot stat 'missing': No such file or directory");
  });

  it('names and stops what Rekkord left in its process group, as for a hook', async () => {
    const ws = scratch();
    const marker = path.join(ws, 'left.pid');
    // A Rekkord that saves, then leaves a process behind in its group.
    const rekkord = writeHook(
      ws,
      'rekkord',
      `sleep 43 >/dev/null 2>&1 & echo $! > '${marker}'; echo "Snapshot OID: ${OID}"`,
    );
    let group = 0;
    const result = await runStep(
      {
        command: 'save',
        rekkordPath: rekkord,
        configPath: null,
        noHooks: true,
        args: [],
        operands: ['ch', 'data'],
      },
      {
        cwd: ws,
        env: { PATH: '/usr/bin:/bin' },
        onOutput: () => undefined,
        display: 'rekkord save',
        onSpawn: (pgid) => groups.push((group = pgid)),
      },
    );
    const pid = Number(readFileSync(marker, 'utf8'));
    expect(result).toMatchObject({ outcome: 'success', oid: OID });
    expect(result).toHaveProperty('leftovers', [{ pid, command: 'sleep 43' }]);
    expect(await groupMembers(group)).toEqual([]);
  });

  it('has no leftovers when Rekkord leaves nothing behind', async () => {
    const ws = scratch();
    const rekkord = writeHook(ws, 'rekkord', `echo "Snapshot OID: ${OID}"`);
    const result = await runStep(
      {
        command: 'save',
        rekkordPath: rekkord,
        configPath: null,
        noHooks: true,
        args: [],
        operands: [],
      },
      { cwd: ws, env: { PATH: '/usr/bin:/bin' }, onOutput: () => undefined, display: '' },
    );
    expect(result).toMatchObject({ outcome: 'success', oid: OID });
    expect(result).not.toHaveProperty('leftovers');
  });
});

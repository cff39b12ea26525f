/**
 * Relay throughput: one hook printing RELAY_BYTES (default 256 MiB) through the bundled action
 * (`dist/index.js`) into a pipe read by cat, against `head -c N | cat` into the same sink, with and
 * without newlines; and the action's peak resident memory. `node bench/relay.ts` after a build;
 * RELAY_BYTES=1073741824 for 1 GiB. Exits non-zero when a goal is missed.
 *
 * Node 24 runs this file as it is (type stripping), so it uses erasable TypeScript only.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(ROOT, 'dist', 'index.js');
const MAX_RSS = path.join(ROOT, '__tests__', 'harness', 'max-rss.mjs');
const BYTES = Number(process.env.RELAY_BYTES ?? 256 * 1024 ** 2);
const RUNS = Number(process.env.RELAY_RUNS ?? 3);
const GOALS = { share: 0.8, peakRssMiB: 100 };

const work = mkdtempSync(path.join(os.tmpdir(), 'rekkord-hooks-relay-'));
process.on('exit', () => {
  rmSync(work, { recursive: true, force: true });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function time(command: string, env: Record<string, string> = {}): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const result = spawnSync('/bin/sh', ['-c', command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    samples.push(performance.now() - started);
    if (result.status !== 0) throw new Error(`${command} exited with ${result.status}`);
  }
  return median(samples);
}

function write(file: string, text: string, mode = 0o644): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, mode);
}

/** The same bytes from the hook and from the plain pipeline: zeros, or 99 x's and a newline. */
const sources = {
  'no newline': `head -c ${BYTES} /dev/zero`,
  'lines of 100 bytes': `yes ${'x'.repeat(99)} | head -c ${BYTES}`,
};

const dir = path.join(work, 'ws');
write(
  path.join(dir, 'rekkord'),
  `#!/bin/sh\ncase "$1" in --version) echo "rekkord 0.104 (fake)";; *) echo "Snapshot OID: M${'0'.repeat(64)}" >&2;; esac\n`,
  0o755,
);
write(path.join(dir, 'rekkord.ini'), '[Hooks]\nPreSaveDirectory = hooks\n');
for (const f of ['output', 'state', 'summary']) write(path.join(dir, 'tmp', f), '');
const env = {
  GITHUB_WORKSPACE: dir,
  GITHUB_OUTPUT: path.join(dir, 'tmp', 'output'),
  GITHUB_STATE: path.join(dir, 'tmp', 'state'),
  GITHUB_STEP_SUMMARY: path.join(dir, 'tmp', 'summary'),
  RUNNER_TEMP: path.join(dir, 'tmp'),
  INPUT_COMMAND: 'save',
  INPUT_CONFIG: path.join(dir, 'rekkord.ini'),
  INPUT_CHANNEL: 'bench',
  INPUT_PATHS: dir,
  INPUT_REKKORD: path.join(dir, 'rekkord'),
};

console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}`,
);
let ok = true;
for (const [name, source] of Object.entries(sources)) {
  write(path.join(dir, 'hooks', 'flood'), `#!/bin/sh\n${source}\n`, 0o755);
  const catMs = time(`${source} | cat > /dev/null`);
  // The action is one more process in the pipe: the same hop count with cat in its place.
  const twoCatsMs = time(`${source} | cat | cat > /dev/null`);
  const actionMs = time(`'${process.execPath}' '${ENTRY}' | cat > /dev/null`, env);
  const rssFile = path.join(work, 'rss');
  time(`'${process.execPath}' --import '${MAX_RSS}' '${ENTRY}' | cat > /dev/null`, {
    ...env,
    MAX_RSS_FILE: rssFile,
  });
  const peakMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
  const share = catMs / actionMs;
  const mib = BYTES / 1024 ** 2;
  const met = share >= GOALS.share && peakMiB < GOALS.peakRssMiB;
  ok &&= met;
  console.log(
    `${met ? 'ok  ' : 'MISS'} ${(mib / 1024).toFixed(2)} GiB, ${name}: action ${(mib / (actionMs / 1000)).toFixed(0)} MiB/s, ` +
      `cat ${(mib / (catMs / 1000)).toFixed(0)} MiB/s (${share.toFixed(2)}x), ` +
      `cat | cat ${(mib / (twoCatsMs / 1000)).toFixed(0)} MiB/s (${(twoCatsMs / actionMs).toFixed(2)}x), peak ${peakMiB.toFixed(0)} MiB ` +
      `(goal: ≥ ${GOALS.share}x, < ${GOALS.peakRssMiB} MiB)`,
  );
}
process.exitCode = ok ? 0 : 1;

/**
 * Benchmarks of the bundled action (`dist/index.js`), run as the runner runs it, against the plain
 * tools an administrator would otherwise use. `npm run bench`; it exits non-zero when a goal is
 * missed, so it can run as a check. Results go to stdout and, with --write, to BENCHMARKS.md.
 *
 * Node 24 runs this file as it is (type stripping), so it uses erasable TypeScript only.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = path.join(ROOT, 'dist', 'index.js');
const MAX_RSS = path.join(ROOT, '__tests__', 'harness', 'max-rss.mjs');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const BIG_RUNS = Number(process.env.BENCH_BIG_RUNS ?? 3);
const BIG_BYTES = Number(process.env.BENCH_BIG_BYTES ?? 1024 ** 3);

const GOALS = {
  /** What each hook costs beyond run-parts' own fork and exec of it, in ms. */
  perHookOverheadMs: 5,
  /** 10 hooks of 100 ms then the Rekkord step: action / (run-parts, then the same step). */
  realisticRatio: 1.15,
  /** A run that stops at once (no command), against `node -e 0` measured alongside. */
  startupRatio: 1.5,
  throughputShare: 0.5,
  peakRssMiB: 100,
  /** Per-hook cost at 1000 hooks may be at most this many times that at 100: linear growth. */
  linearity: 1.5,
};

const work = mkdtempSync(path.join(os.tmpdir(), 'rekkord-hooks-bench-'));
process.on('exit', () => {
  rmSync(work, { recursive: true, force: true });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Wall time of one shell command line in ms, start to exit. */
function once(command: string, env: Record<string, string>, allowFailure = false): number {
  const started = performance.now();
  const result = spawnSync('/bin/sh', ['-c', command], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', allowFailure ? 'ignore' : 'inherit'],
  });
  const ms = performance.now() - started;
  if (result.status !== 0 && !allowFailure)
    throw new Error(`${command} exited with ${result.status ?? result.signal}`);
  return ms;
}

/** Wall time of a shell command line in ms, start to exit, the median of `runs`. */
function time(command: string, env: Record<string, string> = {}, runs = RUNS): number {
  return median(Array.from({ length: runs }, () => once(command, env)));
}

/**
 * Medians of two command lines run alternately, so that both see the same load on a shared
 * machine; `allowFailure` for a run that is meant to fail at once.
 */
function timePair(
  a: [string, Record<string, string>],
  b: [string, Record<string, string>],
  runs: number,
  allowFailure = false,
): [number, number] {
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = 0; i < runs; i++) {
    sa.push(once(a[0], a[1], allowFailure));
    sb.push(once(b[0], b[1], allowFailure));
  }
  return [median(sa), median(sb)];
}

function write(file: string, text: string, mode = 0o644): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

/** A workspace: a fast fake Rekkord (the step is not what is measured), a config, a hook folder. */
function workspace(
  name: string,
  hooks: number,
): { dir: string; hooksDir: string; env: Record<string, string> } {
  const dir = path.join(work, name);
  const hooksDir = path.join(dir, 'hooks');
  mkdirSync(hooksDir, { recursive: true });
  write(
    path.join(dir, 'rekkord'),
    `#!/bin/sh\ncase "$1" in --version) echo "rekkord 0.104 (fake)";; *) echo "Snapshot OID: M${'0'.repeat(64)}" >&2;; esac\n`,
    0o755,
  );
  write(path.join(dir, 'rekkord.ini'), hooks >= 0 ? '[Hooks]\nPreSaveDirectory = hooks\n' : '');
  for (let i = 0; i < hooks; i++)
    write(path.join(hooksDir, `h${String(i).padStart(4, '0')}`), '#!/bin/sh\n:\n', 0o755);
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  for (const f of ['output', 'state', 'summary']) write(path.join(dir, 'tmp', f), '');
  const env: Record<string, string> = {
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
  return { dir, hooksDir, env };
}

const action = `'${process.execPath}' '${ENTRY}'`;

function ensureRunParts(): void {
  if (spawnSync('run-parts', ['--version'], { stdio: 'ignore' }).status === 0) return;
  console.log('run-parts is missing: installing debianutils');
  execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq debianutils'], {
    stdio: 'inherit',
  });
}

interface Result {
  name: string;
  value: string;
  goal: string;
  ok: boolean;
}
const results: Result[] = [];
function record(name: string, value: string, goal: string, ok: boolean): void {
  results.push({ name, value, goal, ok });
  console.log(`${ok ? 'ok  ' : 'MISS'} ${name}: ${value} (goal: ${goal})`);
}

// 1. Per hook: 500 trivial hooks, the action's pre phase against run-parts over the same folder;
// the difference over an empty folder, per hook, less what run-parts needs per hook (its fork and
// exec of the same hook), is what the action adds to each hook.
ensureRunParts();
const many = workspace('many', 500);
const empty = workspace('empty', 0);
const [actionMany, runParts] = timePair(
  [`${action} > /dev/null`, many.env],
  [`run-parts '${many.hooksDir}' > /dev/null`, {}],
  RUNS,
);
const actionEmpty = time(`${action} > /dev/null`, empty.env);
const perHookAction = (actionMany - actionEmpty) / 500;
const perHookRunParts = runParts / 500;
const overhead = perHookAction - perHookRunParts;
record(
  'per-hook overhead (500 trivial hooks)',
  `${overhead.toFixed(2)} ms (action ${perHookAction.toFixed(2)} ms a hook, run-parts ${perHookRunParts.toFixed(2)} ms; whole runs ${actionMany.toFixed(0)} / ${runParts.toFixed(0)} ms)`,
  `≤ ${GOALS.perHookOverheadMs} ms`,
  overhead <= GOALS.perHookOverheadMs,
);

// 2. A realistic set: 10 hooks of 100 ms, then the Rekkord step; against run-parts over the same
// folder followed by the same fake Rekkord with the same arguments.
const real = workspace('realistic', 0);
for (let i = 0; i < 10; i++)
  write(path.join(real.hooksDir, `h${i}`), '#!/bin/sh\nsleep 0.1\n', 0o755);
const [actionReal, plainReal] = timePair(
  [`${action} > /dev/null`, real.env],
  [
    `run-parts '${real.hooksDir}' > /dev/null && '${path.join(real.dir, 'rekkord')}' save -C '${real.env.INPUT_CONFIG}' --channel bench '${real.dir}' > /dev/null 2>&1`,
    {},
  ],
  RUNS,
);
const realRatio = actionReal / plainReal;
record(
  '10 hooks of 100 ms + step: action / run-parts + step',
  `${realRatio.toFixed(2)}x (action ${actionReal.toFixed(0)} ms, run-parts and step ${plainReal.toFixed(0)} ms)`,
  `≤ ${GOALS.realisticRatio}x`,
  realRatio <= GOALS.realisticRatio,
);

// 3. Start-up: a run that stops at once (no command given: an input error), against bare Node,
// alternately; and the size of dist/.
const none = workspace('none', -1);
const [startup, bareNode] = timePair(
  [`${action} > /dev/null`, { ...none.env, INPUT_COMMAND: '' }],
  [`'${process.execPath}' -e 0`, {}],
  Math.max(15, RUNS),
  true,
);
const startupRatio = startup / bareNode;
record(
  'start-up: action / node -e 0',
  `${startupRatio.toFixed(2)}x (action ${startup.toFixed(0)} ms, node -e 0 ${bareNode.toFixed(0)} ms)`,
  `≤ ${GOALS.startupRatio}x`,
  startupRatio <= GOALS.startupRatio,
);
const distBytes = readdirSync(path.join(ROOT, 'dist'), { recursive: true })
  .map((f) => path.join(ROOT, 'dist', String(f)))
  .filter((f) => statSync(f).isFile())
  .reduce((n, f) => n + statSync(f).size, 0);
const indexBytes = statSync(ENTRY).size;
record(
  'size of dist/',
  `${(distBytes / 1024).toFixed(0)} KiB (index.js ${(indexBytes / 1024).toFixed(0)} KiB)`,
  'reported',
  true,
);

// 4. Output at scale: one hook printing BIG_BYTES, into a pipe read by cat, as the runner reads.
const big = workspace('big', 0);
const bigFile = path.join(work, 'big.bin');
execFileSync('sh', [
  '-c',
  `head -c ${BIG_BYTES} /dev/zero | tr '\\0' 'x' | fold -w 99 > '${bigFile}'`,
]);
write(path.join(big.hooksDir, 'flood'), `#!/bin/sh\nexec cat '${bigFile}'\n`, 0o755);
const bytes = statSync(bigFile).size;
const rssFile = path.join(work, 'rss');
const catMs = time(`cat '${bigFile}' | cat > /dev/null`, {}, BIG_RUNS);
const actionBigMs = time(`${action} | cat > /dev/null`, big.env, BIG_RUNS);
const mib = bytes / 1024 ** 2;
const share = catMs / actionBigMs;
record(
  `output of ${(bytes / 1024 ** 3).toFixed(2)} GiB: throughput`,
  `action ${(mib / (actionBigMs / 1000)).toFixed(0)} MiB/s, cat ${(mib / (catMs / 1000)).toFixed(0)} MiB/s (${(share * 100).toFixed(0)}% of cat)`,
  `≥ ${GOALS.throughputShare * 100}% of cat`,
  share >= GOALS.throughputShare,
);
time(
  `'${process.execPath}' --import '${MAX_RSS}' '${ENTRY}' | cat > /dev/null`,
  { ...big.env, MAX_RSS_FILE: rssFile },
  1,
);
const peakMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
time(
  `'${process.execPath}' --import '${MAX_RSS}' '${ENTRY}' > /dev/null`,
  { ...none.env, MAX_RSS_FILE: rssFile },
  1,
);
const baseMiB = Number(readFileSync(rssFile, 'utf8')) / 1024;
record(
  'peak resident memory',
  `${peakMiB.toFixed(0)} MiB while relaying (${baseMiB.toFixed(0)} MiB with no hooks)`,
  `< ${GOALS.peakRssMiB} MiB`,
  peakMiB < GOALS.peakRssMiB,
);
rmSync(bigFile);

// 5. Scaling: 10, 100, 1000 hooks.
const scaling = [10, 100, 1000].map((n) => {
  const ws = workspace(`scale-${n}`, n);
  return { n, ms: time(`${action} > /dev/null`, ws.env, Math.max(3, Math.floor(RUNS / 2))) };
});
const [s10, s100, s1000] = scaling;
const per100 = ((s100?.ms ?? 0) - (s10?.ms ?? 0)) / 90;
const per1000 = ((s1000?.ms ?? 0) - (s10?.ms ?? 0)) / 990;
record(
  'scaling 10 / 100 / 1000 hooks',
  `${scaling.map((s) => `${s.ms.toFixed(0)} ms`).join(' / ')}; per hook ${per100.toFixed(2)} ms (to 100), ${per1000.toFixed(2)} ms (to 1000)`,
  `per-hook cost at 1000 ≤ ${GOALS.linearity}x that at 100`,
  per1000 <= per100 * GOALS.linearity,
);

const machine = [
  `${os.cpus()[0]?.model ?? 'unknown CPU'}, nproc ${os.availableParallelism()}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB`,
  `${os.type()} ${os.release()}, Node ${process.version}`,
  // The figures move with the load: say what it was (1, 5 and 15 minute averages, at the end).
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
].join('; ');
console.log(
  `\nMachine: ${machine}\nRuns: median of ${RUNS} (${Math.max(15, RUNS)} for start-up, ${BIG_RUNS} for the output test)`,
);

if (process.argv.includes('--write')) {
  const table = results
    .map((r) => {
      const verdict = r.goal === 'reported' ? '' : r.ok ? 'met' : '**missed**';
      return `| ${r.name} | ${r.value} | ${r.goal} | ${verdict} |`;
    })
    .join('\n');
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf('<!-- results -->');
  const end = text.indexOf('<!-- /results -->');
  if (start < 0 || end < 0) throw new Error('BENCHMARKS.md has no results markers');
  const block = `<!-- results -->\nMeasured on ${new Date().toISOString().slice(0, 10)}: ${machine}.\n\n| Benchmark | Result | Goal | |\n| --- | --- | --- | --- |\n${table}\n`;
  writeFileSync(file, text.slice(0, start) + block + text.slice(end));
  // The table is written plainly; the project's formatter lays it out.
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'prettier'), ['--write', file], {
    stdio: 'ignore',
  });
  console.log('BENCHMARKS.md updated');
}

if (!existsSync(ENTRY)) process.exitCode = 2;
if (results.some((r) => !r.ok)) {
  console.log('\nA goal was missed.');
  process.exitCode = 1;
}

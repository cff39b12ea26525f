/**
 * Start-up of the bundled action against a bare `node -e 0`, same Node, same run: the median of
 * 21 runs each of an action step that ends at once (no command given: one input error).
 * Goal: at most 1.5x. Run by hand: `node bench/startup.ts`.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const RUNS = 21;

function time(args: string[]): number {
  const start = process.hrtime.bigint();
  try {
    execFileSync(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', INPUT_COMMAND: '' },
      stdio: 'ignore',
    });
  } catch {
    // The action exits 1 on the missing command: that is the run being timed.
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(args: string[]): number {
  const all = Array.from({ length: RUNS }, () => time(args)).sort((a, b) => a - b);
  return all[Math.floor(RUNS / 2)] ?? NaN;
}

const bare = median(['-e', '0']);
const action = median([path.join(ROOT, 'dist', 'index.js')]);
const ratio = action / bare;
console.log(`${cpus()[0]?.model ?? '?'} x${cpus().length}, Node ${process.version}`);
console.log(`node -e 0: ${bare.toFixed(1)} ms; dist/index.js: ${action.toFixed(1)} ms`);
console.log(
  `start-up ${ratio.toFixed(2)}x bare node: goal <= 1.5x ${ratio <= 1.5 ? 'met' : 'missed'}`,
);

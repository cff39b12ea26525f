/** The Rekkord step: `rekkord save|scan` with the hook-free config, its output live, its OID read. */
import type { Cancellation } from '../kernel/cancel.js';
import { inEnglish } from '../plan/rekkord-probe.js';
import { checkpoint } from '../kernel/faults.js';
import { classifyExit } from './outcome.js';
import { runProcess } from '../process/index.js';
import { stripAnsi, type OutputSink } from '../process/output-relay.js';
import { OID } from '../plan/types.js';
import type { Command } from '../plan/commands.js';
import type { StepResult } from './results.js';

/** `Snapshot OID: ` then `M` (metadata) or `R` (raw) and a 64-digit BLAKE3 hash. */
const OID_LINE = new RegExp(`^Snapshot OID: (${OID})$`);
/** Longest line the OID scanner keeps; longer ones (progress bars, binary junk) are dropped. */
const MAX_LINE = 4096;

export interface StepSpec {
  command: Command;
  rekkordPath: string;
  configPath: string | null;
  /** Pass `--no_hooks`: the action runs the hooks, Rekkord must not run them again. */
  noHooks: boolean;
  args: readonly string[];
  /** What follows the options: `<channel> <path>...`, `<snapshot> <destination>`, nothing. */
  operands: readonly string[];
}

export function stepArguments(spec: StepSpec): string[] {
  const argv: string[] = [spec.command];
  if (spec.configPath) argv.push('-C', spec.configPath);
  if (spec.noHooks) argv.push('--no_hooks');
  argv.push(...spec.args, ...spec.operands);
  return argv;
}

/** Reads `Snapshot OID:` lines out of a byte stream, whatever the chunking. */
export class OidScanner {
  oid: string | null = null;
  private partial = '';

  push(chunk: Buffer): void {
    const text = this.partial + chunk.toString('latin1');
    const lines = text.split(/\r?\n|\r/);
    this.partial = lines.pop() ?? '';
    if (this.partial.length > MAX_LINE) this.partial = '';
    for (const line of lines) this.scan(line);
  }

  end(): void {
    this.scan(this.partial);
    this.partial = '';
  }

  private scan(line: string): void {
    if (line.length > MAX_LINE) return;
    const match = OID_LINE.exec(stripAnsi(line).trim());
    if (match?.[1]) this.oid = match[1];
  }
}

export interface StepRunOptions {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  onOutput: OutputSink;
  /** How the command line is shown, e.g. with the private config copy named as such. */
  display: string;
  cancel?: Cancellation;
  onSpawn?: (pgid: number) => void;
}

export async function runStep(spec: StepSpec, options: StepRunOptions): Promise<StepResult> {
  const scanner = new OidScanner();
  checkpoint('spawn', 'rekkord');
  const exit = await runProcess({
    file: spec.rekkordPath,
    args: stepArguments(spec),
    cwd: options.cwd,
    // Rekkord translates its log lines: force English so the OID line can be read.
    env: inEnglish(options.env),
    onOutput: (chunk) => {
      scanner.push(chunk);
      return options.onOutput(chunk);
    },
    timeoutMs: 0,
    cancel: options.cancel,
    onCancel: 'interrupt',
    onSpawn: options.onSpawn,
  });
  scanner.end();
  const ending = classifyExit(exit, { timeoutMs: 0, onCancel: 'interrupt' });
  return {
    ...ending,
    command: spec.command,
    display: options.display,
    oid: exit.exitCode === 0 ? scanner.oid : null,
    message: ending.message ? `rekkord ${spec.command}: ${ending.message}` : '',
  };
}

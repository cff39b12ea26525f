/** The Rekkord step: `rekkord save|scan` with the hook-free config, its output live, its OID read. */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Cancellation } from './cancel.js';
import { runProcess, stripAnsi, type OutputSink } from './process.js';
import type { Settings } from './inputs.js';
import { OID, type Command, type StepResult } from './types.js';

/** `Snapshot OID: ` then `M` (metadata) or `R` (raw) and a 64-digit BLAKE3 hash. */
const OID_LINE = new RegExp(`^Snapshot OID: (${OID})$`);
/** Longest line the OID scanner keeps; longer ones (progress bars, binary junk) are dropped. */
const MAX_LINE = 4096;

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Resolves a command name as a shell would: a path as is, a bare name through PATH. */
export async function resolveExecutable(
  name: string,
  pathVar: string,
  cwd: string,
): Promise<string | null> {
  if (name.includes('/')) {
    const file = path.resolve(cwd, name);
    return (await isExecutableFile(file)) ? file : null;
  }
  for (const dir of pathVar.split(path.delimiter)) {
    if (dir === '') continue;
    const file = path.resolve(cwd, dir, name);
    if (await isExecutableFile(file)) return file;
  }
  return null;
}

export interface StepSpec {
  command: Command;
  rekkordPath: string;
  configPath: string | null;
  args: readonly string[];
  /** What follows the options: `<channel> <path>...`, `<snapshot> <destination>`, nothing. */
  operands: readonly string[];
}

export function stepOperands(
  command: Command,
  settings: Pick<Settings, 'channel' | 'paths' | 'snapshot' | 'destination'>,
): string[] {
  if (command === 'save') return [settings.channel ?? '', ...settings.paths];
  if (command === 'restore') return [settings.snapshot ?? '', settings.destination ?? ''];
  return [];
}

export function stepArguments(spec: StepSpec): string[] {
  const argv: string[] = [spec.command];
  if (spec.configPath) argv.push('-C', spec.configPath);
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
  const exit = await runProcess({
    file: spec.rekkordPath,
    args: stepArguments(spec),
    cwd: options.cwd,
    // Rekkord translates its log lines: force English so the OID line can be read.
    env: { ...options.env, LANGUAGE: 'en' },
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
  const base = {
    command: spec.command,
    display: options.display,
    exitCode: exit.exitCode,
    signal: exit.signal,
    durationMs: exit.durationMs,
    tail: exit.tail,
    oid: exit.exitCode === 0 ? scanner.oid : null,
  };
  if (exit.startError)
    return {
      ...base,
      outcome: 'not-started',
      message: `rekkord could not be started: ${exit.startError}`,
    };
  if (exit.stoppedBy === 'cancel') {
    const how = exit.signal ?? `exit code ${exit.exitCode ?? '?'}`;
    return {
      ...base,
      outcome: 'cancelled',
      message: `rekkord ${spec.command} was interrupted by the cancel (${how})`,
    };
  }
  if (exit.signal)
    return {
      ...base,
      outcome: 'failure',
      message: `rekkord ${spec.command} was killed by ${exit.signal}`,
    };
  if (exit.exitCode !== 0) {
    return {
      ...base,
      outcome: 'failure',
      message: `rekkord ${spec.command} failed with exit code ${exit.exitCode}`,
    };
  }
  return { ...base, outcome: 'success', message: '' };
}

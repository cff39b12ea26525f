/** The Rekkord step: `rekkord save|scan|restore`, its output live, its OID read. */
import type { Cancellation } from '../kernel/cancel.js';
import { inEnglish } from '../plan/rekkord-probe.js';
import { checkpoint } from '../kernel/faults.js';
import { classifyExit } from './outcome.js';
import { runProcess } from '../process/index.js';
import { stripAnsi, type OutputSink } from '../process/output-relay.js';
import { OID } from '../plan/types.js';
import type { Command } from '../plan/commands.js';
import type { OidKind, StepResult } from './results.js';

/**
 * The OID lines (cli/snapshot.cc, newest): `Snapshot OID:` for a save, `Data OID:` for `save
 * --no_snapshot`; then `M` (metadata) or `R` (raw) and a 64-digit BLAKE3 hash. Rekkord is asked for
 * English, and the French lines (i18n/fr.json@306dbb29) are read too, for a build that ignores it.
 */
const OID_LINES: readonly [RegExp, OidKind][] = [
  [new RegExp(`^Snapshot OID: (${OID})$`), 'snapshot'],
  [new RegExp(`^OID de l'instantané : (${OID})$`), 'snapshot'],
  [new RegExp(`^Data OID: (${OID})$`), 'data'],
  [new RegExp(`^OID de l'objet : (${OID})$`), 'data'],
];
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

/** Reads the OID lines out of a byte stream, whatever the chunking; the last one wins. */
export class OidScanner {
  oid: string | null = null;
  kind: OidKind = 'snapshot';
  private partial = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(chunk: Buffer): void {
    const text = this.partial + this.decoder.decode(chunk, { stream: true });
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
    const text = stripAnsi(line).trim();
    for (const [pattern, kind] of OID_LINES) {
      const match = pattern.exec(text);
      if (match?.[1]) [this.oid, this.kind] = [match[1], kind];
    }
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
  // What Rekkord left in its group was stopped: named, as a hook's leftovers are.
  const leftovers = exit.leftovers.length ? { leftovers: exit.leftovers } : {};
  return {
    ...ending,
    ...leftovers,
    command: spec.command,
    display: options.display,
    // A save can write its snapshot and still exit 1 (a failed [Link] report, cli/snapshot.cc:
    // `complete &= ReportSnapshot(...)`): the OID is reported whenever Rekkord printed it.
    oid: scanner.oid,
    ...(scanner.oid ? { oidKind: scanner.kind } : {}),
    message: ending.message ? `rekkord ${spec.command}: ${ending.message}` : '',
  };
}

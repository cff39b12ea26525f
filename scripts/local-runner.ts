/**
 * Runs the bundled action (`dist/index.js`) the way the GitHub Actions runner does: inputs as
 * `INPUT_<NAME>` variables, fresh `GITHUB_OUTPUT`, `GITHUB_STATE` and `GITHUB_STEP_SUMMARY` files,
 * the post step with `STATE_*` variables, and the output read line by line as the runner reads
 * it: workflow commands (both syntaxes, honouring `::stop-commands::`) and masks applied to the
 * lines that follow. The end-to-end tests use it, and `npm run example` runs it on examples/demo.
 *
 * Node 24 runs this file as it is (type stripping), so it uses erasable TypeScript only.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ENTRY = path.join(ROOT, 'dist', 'index.js');
export const STAND_IN = path.join(ROOT, '__tests__', 'stand-in', 'rekkord');
const MAX_RSS = path.join(ROOT, 'scripts', 'max-rss.mjs');

/** The log keeps this many bytes of lines; the rest is counted, not kept. */
const LOG_LIMIT = 4 * 1024 * 1024;
/** A line longer than this is cut, as it is only scanned for commands at its start. */
const LINE_LIMIT = 64 * 1024;

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

export interface ActionRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The log as the runner shows it (masks applied), up to LOG_LIMIT bytes. */
  stdout: string;
  /** Bytes of output in all. */
  outputBytes: number;
  commands: WorkflowCommand[];
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** error, warning and notice commands, in order. */
  annotations: WorkflowCommand[];
  /** Peak resident memory of the action in KiB, when `measureMemory` was set. */
  maxRssKiB: number | null;
  durationMs: number;
}

export interface RunOptions {
  inputs: Record<string, string>;
  /** The workspace: the action's working directory and GITHUB_WORKSPACE. */
  workspace: string;
  /** Extra environment; PATH gets this Node's folder prepended. */
  env?: Record<string, string | undefined>;
  entry?: string;
  /** For a post step: the state the main step saved. */
  state?: Record<string, string>;
  /** Called with each chunk of output as it comes (for showing a run live). */
  onOutput?: (chunk: Buffer) => void;
  measureMemory?: boolean;
}

export interface RunningAction {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves once the log has a line containing `text`. */
  waitFor(text: string): Promise<void>;
  done: Promise<ActionRun>;
}

function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function unescapeProperty(s: string): string {
  return unescapeData(s).replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}

/** One line as a workflow command: `::cmd k=v,k=v::msg` or the older `##[cmd k=v;]msg`. */
export function parseCommandLine(line: string): WorkflowCommand | null {
  const text = line.trimStart();
  let command: string;
  let props: string;
  let message: string;
  let separator: string;
  const v2 = /^::([^\s:]+)(?: ([^:]*))?::(.*)$/s.exec(text);
  const legacy = /^##\[([^\s\]]+)(?: ([^\]]*))?\](.*)$/s.exec(text);
  if (v2) {
    [, command = '', props = '', message = ''] = v2;
    separator = ',';
  } else if (legacy) {
    [, command = '', props = '', message = ''] = legacy;
    separator = ';';
  } else return null;
  const properties: Record<string, string> = {};
  for (const pair of props.split(separator).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq > 0) properties[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
  }
  return { command, properties, message: unescapeData(message) };
}

/** Reads an environment file (`name=value` or `name<<DELIMITER` blocks). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter = ''] = heredoc;
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i] ?? '');
      out[name] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/** The runner's reading of a step's output: commands, stop-commands, masks, the shown log. */
class LogReader {
  readonly commands: WorkflowCommand[] = [];
  readonly masks: string[] = [];
  private log: string[] = [];
  private logBytes = 0;
  private partial = '';
  private stopToken: string | null = null;
  private waiters: { text: string; resolve: () => void }[] = [];
  bytes = 0;

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = (lines.pop() ?? '').slice(0, LINE_LIMIT);
    for (const line of lines) this.line(line);
  }

  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  waitFor(text: string): Promise<void> {
    if (this.log.some((l) => l.includes(text))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ text, resolve }));
  }

  private line(raw: string): void {
    let line = raw.replace(/\r$/, '').slice(0, LINE_LIMIT);
    for (const mask of this.masks) line = line.split(mask).join('***');
    if (this.logBytes < LOG_LIMIT) {
      this.log.push(line);
      this.logBytes += line.length + 1;
    }
    this.waiters = this.waiters.filter((w) => {
      if (!line.includes(w.text)) return true;
      w.resolve();
      return false;
    });
    const command = parseCommandLine(raw.replace(/\r$/, ''));
    if (!command) return;
    if (this.stopToken !== null) {
      if (command.command === this.stopToken) this.stopToken = null;
      return;
    }
    if (command.command === 'stop-commands') this.stopToken = command.message;
    else if (command.command === 'add-mask' && command.message) this.masks.push(command.message);
    else this.commands.push(command);
  }

  text(): string {
    return this.log.join('\n');
  }
}

export function startAction(options: RunOptions): RunningAction {
  const files = mkdtempSync(path.join(os.tmpdir(), 'runner-files-'));
  const outputFile = path.join(files, 'output');
  const stateFile = path.join(files, 'state');
  const summaryFile = path.join(files, 'summary');
  const rssFile = path.join(files, 'max-rss');
  const temp = path.join(files, 'temp');
  for (const f of [outputFile, stateFile, summaryFile]) writeFileSync(f, '');
  mkdirSync(temp);
  const env: Record<string, string | undefined> = {
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    ...options.env,
    PATH: [path.dirname(process.execPath), options.env?.PATH ?? process.env.PATH ?? ''].join(
      path.delimiter,
    ),
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STATE: stateFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: options.env?.RUNNER_TEMP ?? temp,
    MAX_RSS_FILE: options.measureMemory ? rssFile : undefined,
  };
  for (const [name, value] of Object.entries(options.inputs)) env[inputVariable(name)] = value;
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;

  const reader = new LogReader();
  const started = performance.now();
  const args = options.measureMemory ? ['--import', MAX_RSS] : [];
  const child = spawn(process.execPath, [...args, options.entry ?? ENTRY], {
    cwd: options.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer): void => {
    reader.push(chunk);
    options.onOutput?.(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const done = new Promise<ActionRun>((resolve) => {
    child.on('close', (exitCode, signal) => {
      reader.end();
      const read = (file: string): string => {
        try {
          return readFileSync(file, 'utf8');
        } catch {
          return '';
        }
      };
      const rss = read(rssFile);
      resolve({
        exitCode,
        signal,
        stdout: reader.text(),
        outputBytes: reader.bytes,
        commands: reader.commands,
        outputs: parseEnvFile(read(outputFile)),
        state: parseEnvFile(read(stateFile)),
        summary: read(summaryFile),
        annotations: reader.commands.filter((c) =>
          ['error', 'warning', 'notice'].includes(c.command),
        ),
        maxRssKiB: rss ? Number(rss) : null,
        durationMs: performance.now() - started,
      });
      rmSync(files, { recursive: true, force: true });
    });
  });
  return { child, waitFor: (text) => reader.waitFor(text), done };
}

export function runAction(options: RunOptions): Promise<ActionRun> {
  return startAction(options).done;
}

/** The post step after `main`, with the state main saved, as `runs.post` runs it. */
export function runPostStep(main: ActionRun, options: RunOptions): Promise<ActionRun> {
  return runAction({ ...options, state: main.state });
}

/** `npm run example`: the demo in examples/demo, run in a scratch copy, and what the runner shows. */
async function example(): Promise<number> {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'rekkord-hooks-example-'));
  cpSync(path.join(ROOT, 'examples', 'demo'), workspace, { recursive: true });
  const line = '─'.repeat(72);
  process.stdout.write(`${line}\nThe step's log, as the runner receives it:\n${line}\n`);
  const run = await runAction({
    workspace,
    inputs: {
      command: 'save',
      config: 'rekkord.ini',
      channel: 'demo-nightly',
      paths: 'data\n',
      rekkord: STAND_IN,
    },
    onOutput: (chunk) => process.stdout.write(chunk),
  });
  process.stdout.write(`\n${line}\nWhat the runner shows:\n${line}\n`);
  process.stdout.write(`Exit code: ${run.exitCode}\n\nAnnotations:\n`);
  for (const a of run.annotations) {
    const where = a.properties.file ? ` (${a.properties.file})` : '';
    const message = a.message.replace(/\n/g, '\n    ');
    process.stdout.write(`  ${a.command}: ${a.properties.title ?? ''}${where}\n    ${message}\n`);
  }
  process.stdout.write('\nStep outputs:\n');
  for (const [k, v] of Object.entries(run.outputs)) process.stdout.write(`  ${k} = ${v}\n`);
  process.stdout.write(`\nJob summary (Markdown):\n${run.summary}\n`);
  rmSync(workspace, { recursive: true, force: true });
  return run.exitCode ?? 1;
}

const invoked = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked && process.argv[2] === 'example') process.exitCode = await example();

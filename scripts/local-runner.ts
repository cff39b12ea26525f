/**
 * Runs the bundled action (`dist/index.js`) the way the GitHub Actions runner does: inputs as
 * `INPUT_<NAME>` variables, fresh `GITHUB_OUTPUT`, `GITHUB_STATE` and `GITHUB_STEP_SUMMARY` files,
 * and workflow commands read from its output (honouring `::stop-commands::`). The end-to-end tests
 * use it, and `npm run example` runs it on the example in `examples/demo`.
 *
 * Node 24 runs this file as it is (type stripping), so it uses erasable TypeScript only.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ENTRY = path.join(ROOT, 'dist', 'index.js');
export const STAND_IN = path.join(ROOT, '__tests__', 'stand-in', 'rekkord');

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

export interface ActionRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  commands: WorkflowCommand[];
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** error, warning and notice commands, in order. */
  annotations: WorkflowCommand[];
}

export interface RunOptions {
  inputs: Record<string, string>;
  /** The workspace: the action's working directory and GITHUB_WORKSPACE. */
  workspace: string;
  /** Extra environment; PATH gets this Node's folder prepended. */
  env?: Record<string, string | undefined>;
  entry?: string;
  /** Called with each chunk of output as it comes (for showing a run live). */
  onOutput?: (chunk: Buffer) => void;
}

function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function unescapeProperty(s: string): string {
  return unescapeData(s).replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}

/** Reads workflow commands from a step's output lines, as the runner does. */
export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  let stopToken: string | null = null;
  for (const raw of stdout.split('\n')) {
    const line = raw.replace(/\r$/, '').trimStart();
    const match = /^::([^\s:]+)(?: ([^:]*))?::(.*)$/s.exec(line);
    if (!match) continue;
    const [, command = '', props = '', message = ''] = match;
    if (stopToken !== null) {
      if (command === stopToken) stopToken = null;
      continue;
    }
    if (command === 'stop-commands') {
      stopToken = message;
      continue;
    }
    const properties: Record<string, string> = {};
    for (const pair of props.split(',').filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq > 0) properties[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
    }
    commands.push({ command, properties, message: unescapeData(message) });
  }
  return commands;
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

export async function runAction(options: RunOptions): Promise<ActionRun> {
  const files = mkdtempSync(path.join(os.tmpdir(), 'runner-files-'));
  const outputFile = path.join(files, 'output');
  const stateFile = path.join(files, 'state');
  const summaryFile = path.join(files, 'summary');
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
    RUNNER_TEMP: temp,
  };
  for (const [name, value] of Object.entries(options.inputs)) env[inputVariable(name)] = value;

  const chunks: Buffer[] = [];
  const child = spawn(process.execPath, [options.entry ?? ENTRY], {
    cwd: options.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (chunk: Buffer): void => {
    chunks.push(chunk);
    options.onOutput?.(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
    (resolve) => {
      child.on('close', (code, sig) => {
        resolve([code, sig]);
      });
    },
  );

  const stdout = Buffer.concat(chunks).toString('utf8');
  const commands = parseWorkflowCommands(stdout);
  const result: ActionRun = {
    exitCode,
    signal,
    stdout,
    commands,
    outputs: parseEnvFile(readFileSync(outputFile, 'utf8')),
    state: parseEnvFile(readFileSync(stateFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    annotations: commands.filter((c) => ['error', 'warning', 'notice'].includes(c.command)),
  };
  rmSync(files, { recursive: true, force: true });
  return result;
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
    process.stdout.write(
      `  ${a.command}: ${a.properties.title ?? ''}${where}\n    ${a.message.replace(/\n/g, '\n    ')}\n`,
    );
  }
  process.stdout.write('\nStep outputs:\n');
  for (const [k, v] of Object.entries(run.outputs)) process.stdout.write(`  ${k} = ${v}\n`);
  process.stdout.write(`\nJob summary (Markdown):\n${run.summary}\n`);
  rmSync(workspace, { recursive: true, force: true });
  return run.exitCode ?? 1;
}

if (
  process.argv[1] &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) &&
  process.argv[2] === 'example'
) {
  process.exitCode = await example();
}

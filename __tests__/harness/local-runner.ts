/**
 * Runs the bundled action the way the GitHub Actions runner does: the script `runs.main` (or
 * `runs.post`) of action.yml, every declared input as an `INPUT_<NAME>` variable (the workflow's
 * value, else its default, else ''), fresh environment files
 * (`GITHUB_OUTPUT`, `GITHUB_STATE`, `GITHUB_STEP_SUMMARY`, `GITHUB_ENV`, `GITHUB_PATH`), the post
 * step with the main step's state as `STATE_*` variables, and the output read line by line as the
 * runner reads it: workflow commands (both syntaxes, honouring `::stop-commands::`) and masks
 * applied to the lines that follow. The end-to-end tests use it, and `npm run example` runs it on
 * examples/demo. Each rule taken from the runner cites its file and function in actions/runner.
 * Over 250 lines: one self-contained file that Node runs as it is (no import of a sibling .ts).
 *
 * Node 24 runs this file as it is (type stripping), so it uses erasable TypeScript only.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { LogRenderer, renderAnnotations } from './render-log.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
// ── action.yml as the runner reads it ──

export interface ActionManifest {
  /** Every declared input and its `default`, '' when it has none. */
  inputs: ReadonlyMap<string, string>;
  /** Absolute paths of `runs.main` and `runs.post` (null without a post step). */
  main: string;
  post: string | null;
  postIf: string;
}

type Mapping = Record<string, unknown>;

function mapping(value: unknown, what: string): Mapping {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`action.yml: ${what} is not a mapping`);
  }
  return value as Mapping;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`action.yml: ${what} is not a string`);
  return value;
}

export function readManifest(actionDir: string): ActionManifest {
  // The failsafe schema keeps every scalar a string: the runner hands inputs to the step as
  // strings whatever they look like (`default: false` is the text "false").
  const doc = mapping(
    parse(readFileSync(path.join(actionDir, 'action.yml'), 'utf8'), { schema: 'failsafe' }),
    'the document',
  );
  const inputs = new Map<string, string>();
  for (const [name, spec] of Object.entries(mapping(doc.inputs ?? {}, 'inputs'))) {
    const fields = mapping(spec ?? {}, `input '${name}'`);
    // actions/runner, src/Runner.Worker/ActionManifestManager.cs, ConvertInputs: an input
    // without `default` gets the empty string as its default.
    inputs.set(name, fields.default === undefined ? '' : text(fields.default, `${name}.default`));
  }
  const runs = mapping(doc.runs, 'runs');
  if (!/^node\d+$/.test(text(runs.using, 'runs.using'))) {
    throw new Error(
      `action.yml: runs.using is ${String(runs.using)}; this harness runs Node actions`,
    );
  }
  // actions/runner, src/Runner.Worker/Handlers/NodeScriptActionHandler.cs, RunAsync: the
  // script is `Path.Combine(ActionDirectory, target)` for the stage being run.
  const file = (key: string): string => path.resolve(actionDir, text(runs[key], `runs.${key}`));
  return {
    inputs,
    main: file('main'),
    post: runs.post === undefined ? null : file('post'),
    // ActionManifestManager.cs, ConvertRuns: `CleanupCondition = postIfToken?.Value ?? "always()"`.
    postIf: runs['post-if'] === undefined ? 'always()' : text(runs['post-if'], 'runs.post-if'),
  };
}

/**
 * The `INPUT_*` variables of a step that gives `given` in its `with:` block.
 *
 * actions/runner, src/Runner.Worker/ActionRunner.cs, RunAsync ("Merge the default inputs from
 * the definition"): every input declared in action.yml that `with:` does not give gets its
 * default, so every declared input is in the step's environment. The runner only warns about an
 * undeclared input ("Unexpected input(s)"); here it is an error, as a test that passes one tests
 * something no workflow can rely on.
 */
export function inputEnvironment(
  manifest: ActionManifest,
  given: Readonly<Record<string, string>>,
): Record<string, string> {
  // The runner matches `with:` keys to declared inputs ignoring case (ActionRunner.cs:
  // `validInputs` is a HashSet with StringComparer.OrdinalIgnoreCase).
  const declared = new Map([...manifest.inputs.keys()].map((k) => [k.toLowerCase(), k]));
  const values = new Map<string, string>();
  for (const [name, value] of Object.entries(given)) {
    const key = declared.get(name.toLowerCase());
    if (key === undefined) {
      throw new Error(
        `Input '${name}' is not declared in action.yml (declared: ${[...manifest.inputs.keys()].join(', ')})`,
      );
    }
    values.set(key, value);
  }
  const env: Record<string, string> = {};
  for (const [name, fallback] of manifest.inputs) {
    env[inputVariable(name)] = values.get(name) ?? fallback;
  }
  return env;
}

/**
 * actions/runner, src/Runner.Worker/Handlers/Handler.cs, AddInputsToEnvironment:
 * `INPUT_{key.Replace(' ', '_').ToUpperInvariant()}` (hyphens stay).
 */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * Whether the post step runs after a main step that ended with `mainSucceeded`: the status
 * functions a `post-if` can use in a one-step job (anything else is refused, not guessed).
 */
export function postStepRuns(manifest: ActionManifest, mainSucceeded: boolean): boolean {
  if (manifest.post === null) return false;
  switch (manifest.postIf.trim()) {
    case 'always()':
      return true;
    case 'success()':
      return mainSucceeded;
    case 'failure()':
      return !mainSucceeded;
    case 'cancelled()':
      return false;
    default:
      throw new Error(`action.yml: post-if '${manifest.postIf}' is not evaluated by this harness`);
  }
}

/** action.yml, read once: what the runner would read before every step. */
export const MANIFEST = readManifest(ROOT);
export const ENTRY = MANIFEST.main;
export const STAND_IN = path.join(ROOT, '__tests__', 'stand-in', 'rekkord');
const MAX_RSS = path.join(ROOT, '__tests__', 'harness', 'max-rss.mjs');

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
  /** What the step wrote to GITHUB_ENV and GITHUB_PATH for the steps after it. */
  env: Record<string, string>;
  path: string[];
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
  /** `runs.main` (the default) or `runs.post` of action.yml. */
  step?: 'main' | 'post';
  /** For a post step: the state the main step saved. */
  state?: Record<string, string>;
  /** Called with each chunk of output as it comes (for showing a run live). */
  onOutput?: (chunk: Buffer) => void;
  measureMemory?: boolean;
  /** The action's checkout, as the runner downloads it; this repository by default. */
  actionDir?: string;
}

export interface RunningAction {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /**
   * Resolves once the log has a line containing `text`; rejects after `timeoutMs` (default 30 s)
   * with the log so far, so a test that waits for a line that never comes fails instead of hanging.
   */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  done: Promise<ActionRun>;
  /** Kills the action's process group if it still runs; resolves once it has ended. */
  stop(): Promise<void>;
}

/** Actions started and not yet ended: `stopStartedActions` ends them (an afterEach). */
const runningActions = new Set<RunningAction>();

/** Kills every action a test started that still runs: for `afterEach`, on every path. */
export async function stopStartedActions(): Promise<void> {
  await Promise.all([...runningActions].map((a) => a.stop()));
}

function unescapeData(s: string): string {
  return s.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function unescapeProperty(s: string): string {
  return unescapeData(s).replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}

/**
 * One line as a workflow command, as the runner reads it (actions/runner,
 * src/Runner.Common/ActionCommand.cs): `TryParseV2` takes `::cmd k=v,k=v::msg` at the start of the
 * line after leading white space; only when that fails does `TryParse` take the legacy
 * `##[cmd k=v;k=v]msg`, from the first `##[` anywhere in the line to the first `]` after it.
 */
export function parseCommandLine(line: string): WorkflowCommand | null {
  const text = line.trimStart();
  let command: string;
  let props: string;
  let message: string;
  let separator: string;
  const v2 = /^::([^\s:]+)(?: ([^:]*))?::(.*)$/s.exec(text);
  const start = line.indexOf('##[');
  const end = start < 0 ? -1 : line.indexOf(']', start);
  if (v2) {
    [, command = '', props = '', message = ''] = v2;
    separator = ',';
  } else if (end >= 0) {
    const info = line.slice(start + 3, end);
    const space = info.indexOf(' ');
    command = space < 0 ? info : info.slice(0, space);
    props = space < 0 ? '' : info.slice(space + 1);
    message = line.slice(end + 1);
    separator = ';';
    if (command === '') return null;
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

  waitFor(text: string, timeoutMs = 30_000): Promise<void> {
    if (this.log.some((l) => l.includes(text))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        const tail = this.log.slice(-20).join('\n');
        reject(new Error(`No line with "${text}" in ${timeoutMs} ms; the log ends:\n${tail}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ text, resolve: done });
    });
  }

  private line(raw: string): void {
    const line = this.mask(raw.replace(/\r$/, '').slice(0, LINE_LIMIT));
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
    else {
      // The runner masks an annotation's text with the masks registered so far, like a log line.
      const mask = (text: string): string => this.mask(text);
      this.commands.push({
        command: command.command,
        message: mask(command.message),
        properties: Object.fromEntries(
          Object.entries(command.properties).map(([k, v]) => [k, mask(v)]),
        ),
      });
    }
  }

  text(): string {
    return this.log.join('\n');
  }

  /** Text with each mask registered so far replaced by `***`. */
  mask(text: string): string {
    return this.masks.reduce((out, mask) => out.split(mask).join('***'), text);
  }
}

export function startAction(options: RunOptions): RunningAction {
  const files = mkdtempSync(path.join(os.tmpdir(), 'runner-files-'));
  const outputFile = path.join(files, 'output');
  const stateFile = path.join(files, 'state');
  const summaryFile = path.join(files, 'summary');
  const envFile = path.join(files, 'env');
  const pathFile = path.join(files, 'path');
  const rssFile = path.join(files, 'max-rss');
  const temp = path.join(files, 'temp');
  // actions/runner, src/Runner.Worker/FileCommandManager.cs, InitializeFiles: each step gets
  // fresh, empty files for its file commands.
  for (const f of [outputFile, stateFile, summaryFile, envFile, pathFile]) writeFileSync(f, '');
  // Before the step starts: an input no workflow could pass is the test's error.
  const manifest = options.actionDir ? readManifest(options.actionDir) : MANIFEST;
  const inputs = inputEnvironment(manifest, options.inputs);
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
    GITHUB_ENV: envFile,
    GITHUB_PATH: pathFile,
    RUNNER_TEMP: options.env?.RUNNER_TEMP ?? temp,
    MAX_RSS_FILE: options.measureMemory ? rssFile : undefined,
  };
  Object.assign(env, inputs);
  // actions/runner, src/Runner.Worker/ActionRunner.cs, RunAsync ("Apply action's intra-action
  // state at last"): each `name=value` saved to GITHUB_STATE is `STATE_<name>`, name as written.
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value;

  const reader = new LogReader();
  const started = performance.now();
  const args = options.measureMemory ? ['--import', MAX_RSS] : [];
  const script = options.step === 'post' ? manifest.post : manifest.main;
  if (script === null) throw new Error('action.yml has no runs.post');
  // Its own process group, so a test can end it and whatever shares its group on every path.
  const child = spawn(process.execPath, [...args, script], {
    cwd: options.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
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
        // actions/runner, src/Runner.Worker/FileCommandManager.cs, CreateStepSummaryCommand:
        // the summary is uploaded with every mask of the step applied.
        summary: reader.mask(read(summaryFile)),
        env: parseEnvFile(read(envFile)),
        path: read(pathFile).split('\n').filter(Boolean),
        annotations: reader.commands.filter((c) =>
          ['error', 'warning', 'notice'].includes(c.command),
        ),
        maxRssKiB: rss ? Number(rss) : null,
        durationMs: performance.now() - started,
      });
      rmSync(files, { recursive: true, force: true });
    });
  });
  const running: RunningAction = {
    child,
    waitFor: (text, timeoutMs) => reader.waitFor(text, timeoutMs),
    done,
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await done;
    },
  };
  runningActions.add(running);
  void done.then(() => runningActions.delete(running));
  return running;
}

export function runAction(options: RunOptions): Promise<ActionRun> {
  return startAction(options).done;
}

/**
 * The post step after `main`: `runs.post` with the state main saved, when `post-if` says it runs
 * (an error otherwise, as the test expects a step the runner would not run).
 */
export function runPostStep(main: ActionRun, options: RunOptions): Promise<ActionRun> {
  if (!postStepRuns(MANIFEST, main.exitCode === 0)) {
    return Promise.reject(
      new Error(`The runner would not run the post step (post-if: ${MANIFEST.postIf})`),
    );
  }
  return runAction({ ...options, step: 'post', state: main.state });
}

/** One run of the demo for `npm run example`: the step's log as the runner shows it, and beside it. */
async function showRun(title: string, workspace: string): Promise<number> {
  const line = '─'.repeat(72);
  const log = new LogRenderer();
  process.stdout.write(`${line}\n${title}: the step's log, as the runner shows it:\n${line}\n`);
  const run = await runAction({
    workspace,
    inputs: {
      command: 'save',
      config: 'rekkord.ini',
      channel: 'demo-nightly',
      paths: 'data\n',
      rekkord: STAND_IN,
    },
    onOutput: (chunk) => process.stdout.write(log.write(chunk)),
  });
  process.stdout.write(`${log.end()}\n${line}\n${title}: beside the log:\n${line}\n`);
  process.stdout.write(`Exit code: ${run.exitCode}\n\n${renderAnnotations(run.annotations, log)}`);
  process.stdout.write('\nStep outputs:\n');
  for (const [k, v] of Object.entries(run.outputs)) process.stdout.write(`  ${k} = ${v}\n`);
  process.stdout.write(`\nJob summary (Markdown):\n${run.summary}\n`);
  return run.exitCode ?? 1;
}

/**
 * `npm run example`: the demo in examples/demo, run in a scratch copy, and what the runner shows;
 * then the same backup with a pre hook that fails, as a failure looks. Exits 0 when both runs
 * ended as they should.
 */
async function example(): Promise<number> {
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'rekkord-hooks-example-'));
  try {
    cpSync(path.join(ROOT, 'examples', 'demo'), workspace, { recursive: true });
    process.stdout.write(
      `Backing up a copy of examples/demo, removed afterwards: ${workspace}\n(config ${path.join(workspace, 'rekkord.ini')}, Rekkord stand-in ${STAND_IN})\n\n`,
    );
    const success = await showRun('A successful backup', workspace);
    // The failing run: a pre hook that finds the database down, so nothing is saved.
    writeFileSync(
      path.join(workspace, 'hooks', 'pre-save', '15-check-database'),
      '#!/bin/sh\necho "checking that the database answers"\necho "database is not running" >&2\nexit 3\n',
      { mode: 0o755 },
    );
    process.stdout.write('\nThe same backup with a pre hook that fails (15-check-database):\n\n');
    const failure = await showRun('A failing backup', workspace);
    return success === 0 && failure !== 0 ? 0 : 1;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

const invoked = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked && process.argv[2] === 'example') process.exitCode = await example();

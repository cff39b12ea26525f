/**
 * validate: what every phase would run and skip, and what is wrong with each hook, without running
 * Rekkord or changing anything. Each finding names the file (and line) to fix.
 */
import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { listHookDirectory } from './discovery.js';
import { sourceProblem, type ValidationPlan } from './plan.js';
import { resolveExecutable } from './paths.js';
import type { PhaseName, SkippedEntry } from './types.js';

export interface Finding {
  severity: 'error' | 'warning';
  title: string;
  message: string;
  /** Absolute path of the file to fix. */
  file: string;
  line?: number;
}

export interface ValidatedHook {
  name: string;
  path: string;
  args: readonly string[];
  findings: Finding[];
}

export interface ValidatedPhase {
  phase: PhaseName;
  directories: string[];
  /** Folders of the phase that cannot be used, in words. */
  errors: string[];
  hooks: ValidatedHook[];
  skipped: SkippedEntry[];
}

export interface Validation {
  configPath: string | null;
  phases: ValidatedPhase[];
  /** Every finding, folders' and hooks', in order. */
  findings: Finding[];
}

const HEAD_BYTES = 512;

async function readHead(file: string): Promise<Buffer | null> {
  try {
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch {
    return null;
  }
}

/** What is wrong with how a file would start: unreadable, a bad `#!` line, ... */
export async function startFindings(file: string, pathVar: string): Promise<Finding[]> {
  const error = (title: string, message: string, line?: number): Finding => ({
    severity: 'error',
    title,
    message,
    file,
    ...(line ? { line } : {}),
  });
  const head = await readHead(file);
  if (head === null) return [error('Hook not readable', `${file} cannot be read`)];
  if (head.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return [];
  const text = head.toString('utf8');
  if (!text.startsWith('#!')) {
    return [
      {
        severity: 'warning',
        title: 'No #! line',
        message: `${path.basename(file)} has no #! line, so it runs with /bin/sh; start it with #!/bin/sh (or its real interpreter) to say so`,
        file,
        line: 1,
      },
    ];
  }
  const newline = text.indexOf('\n');
  const first = newline >= 0 ? text.slice(2, newline) : text.slice(2);
  if (first.endsWith('\r')) {
    return [
      error(
        'CRLF line ending in the #! line',
        'The #! line ends with a carriage return (CRLF line endings), so the kernel looks for an interpreter whose name ends in \\r: convert the file to LF line endings',
        1,
      ),
    ];
  }
  const [interpreter = '', ...words] = first.trim().split(/\s+/);
  if (!interpreter.startsWith('/')) {
    return [error('Bad #! line', `The #! interpreter "${interpreter}" is not an absolute path`, 1)];
  }
  if (!(await resolveExecutable(interpreter, '', '/'))) {
    return [
      error(
        'Interpreter not found',
        `The #! interpreter ${interpreter} does not exist or is not executable`,
        1,
      ),
    ];
  }
  if (path.basename(interpreter) === 'env') {
    const command = words.find((w) => !w.startsWith('-') && !w.includes('='));
    if (command && !(await resolveExecutable(command, pathVar, '/'))) {
      return [
        error(
          'Interpreter not found',
          `The #! line runs "${command}" through env, and there is no ${command} in PATH`,
          1,
        ),
      ];
    }
  }
  return [];
}

/** The modes git records for the files of a folder, by name; empty outside a git work tree. */
async function gitModes(dir: string): Promise<Map<string, string>> {
  const modes = new Map<string, string>();
  try {
    const { stdout } = await promisify(execFile)('git', ['ls-files', '-s', '-z', '--', '.'], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });
    for (const record of stdout.split('\0')) {
      const tab = record.indexOf('\t');
      const name = record.slice(tab + 1);
      if (tab > 0 && !name.includes('/')) modes.set(name, record.slice(0, 6));
    }
  } catch {
    // Not a git work tree, or no git: nothing to compare with.
  }
  return modes;
}

export async function validatePlan(plan: ValidationPlan): Promise<Validation> {
  const pathVar = plan.settings.env.PATH ?? '';
  const findings: Finding[] = [];
  const phases: ValidatedPhase[] = [];
  for (const phase of plan.phases) {
    const validated: ValidatedPhase = {
      phase: phase.phase,
      directories: phase.sources.map((s) => s.directory),
      hooks: [],
      skipped: [],
      errors: [],
    };
    for (const source of phase.sources) {
      const problem = await sourceProblem(source, plan.config, phase.phase);
      if (problem) {
        validated.errors.push(problem.message);
        findings.push({
          severity: 'error',
          title: `${phase.phase} hook folder missing`,
          message: problem.message,
          file: problem.where?.file ?? source.directory,
          ...(problem.where?.line ? { line: problem.where.line } : {}),
        });
        continue;
      }
      const listing = await listHookDirectory(source.directory, source.args);
      const modes = await gitModes(source.directory);
      validated.skipped.push(...listing.skipped);
      for (const hook of listing.hooks) {
        const hookFindings: Finding[] = [];
        if (hook.problem) {
          hookFindings.push({
            severity: 'error',
            title: `${phase.phase} hook ${hook.name} cannot start`,
            message: `${hook.name}: ${hook.problem}`,
            file: hook.path,
          });
        }
        if (modes.get(hook.name) === '100644') {
          hookFindings.push({
            severity: 'error',
            title: `${phase.phase} hook ${hook.name} not executable in git`,
            message: `git records ${hook.name} as not executable (mode 100644), so a fresh checkout cannot run it: git update-index --chmod=+x ${path.relative(plan.settings.workspace, hook.path)}`,
            file: hook.path,
          });
        }
        if (!hook.problem || hook.problem.startsWith('it is not executable')) {
          hookFindings.push(...(await startFindings(hook.path, pathVar)));
        }
        validated.hooks.push({
          name: hook.name,
          path: hook.path,
          args: hook.args,
          findings: hookFindings,
        });
        findings.push(...hookFindings);
      }
    }
    phases.push(validated);
  }
  return { configPath: plan.config?.path ?? null, phases, findings };
}

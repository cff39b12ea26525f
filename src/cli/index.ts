#!/usr/bin/env node
/**
 * The command line: the action's engine outside GitHub Actions (developers' machines, hosts that
 * run Rekkord from cron or systemd). Same semantics, plain text, and exit codes that tell a
 * snapshot saved before a post hook failed from nothing saved (EXIT in options.ts).
 */
import os from 'node:os';
import { Cancellation } from '../kernel/cancel.js';
import { describeError, PreflightError, type Vocabulary } from '../kernel/errors.js';
import { oneLine, plainLines } from '../kernel/text.js';
import { parseSettings } from '../plan/inputs.js';
import { executeFile as execute } from '../process/execute-file.js';
import { runOperation } from '../engine/index.js';
import { unfinishedPostHooks } from '../engine/outcome.js';
import type { SessionResult, ValidationResult } from '../engine/results.js';
import { jsonAbort, jsonResult, jsonText, type Verdict } from '../report/json.js';
import { TextReporter } from './text-reporter.js';
import { TimestampedStream } from './timestamps.js';
import {
  EXIT,
  readCommandLine,
  settingWords,
  usage,
  UsageError,
  type CommandLine,
  type ExitName,
  verdictName,
} from './options.js';
import packageJson from '../../package.json' with { type: 'json' };

const CLI_WORDS: Vocabulary = { edge: 'cli', setting: settingWords };

const verdict = (name: ExitName): Verdict => ({
  verdict: verdictName(name),
  exitCode: EXIT[name].code,
});

function cancelled(signal: string | null): ExitName | null {
  if (signal === null) return null;
  return signal === 'SIGTERM' ? 'terminated' : 'interrupted';
}

function outcome(result: SessionResult | ValidationResult): ExitName {
  if ('validation' in result) return result.success ? 'success' : 'failed';
  const cancel = cancelled(result.cancelled);
  if (cancel) return cancel;
  if (result.success) return 'success';
  return result.rekkordDone ? 'failedAfterRekkord' : 'failed';
}

function stream(target: NodeJS.WriteStream, stamped: boolean): NodeJS.WritableStream {
  return stamped ? new TimestampedStream(target) : target;
}

async function end(out: NodeJS.WritableStream): Promise<void> {
  if (out instanceof TimestampedStream)
    await new Promise<void>((resolve) => {
      out.end(resolve);
    });
}

async function main(argv: string[]): Promise<number> {
  let line: CommandLine;
  try {
    line = readCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`rekkord-hooks: ${error.message}\nSee rekkord-hooks --help.\n`);
    // A cron job that asked for JSON still gets an object to read.
    if (error.json) {
      const object = jsonAbort(error.command, verdict('usage'), error.message);
      process.stdout.write(`${jsonText(object, [])}\n`);
    }
    return EXIT.usage.code;
  }
  const { inputs, flags } = line;
  if (flags.has('help')) {
    process.stdout.write(`${usage()}\n`);
    return EXIT.success.code;
  }
  if (flags.has('version')) {
    process.stdout.write(`rekkord-hooks ${packageJson.version}\n`);
    return EXIT.success.code;
  }
  if (!inputs.command) {
    process.stderr.write(`${usage()}\n`);
    return EXIT.usage.code;
  }

  const json = flags.has('json');
  // With --json, stdout carries the JSON alone and the log goes to stderr.
  const logTarget = json ? process.stderr : process.stdout;
  const stamped = flags.has('timestamps') || (!flags.has('no-timestamps') && !logTarget.isTTY);
  const log = stream(logTarget, stamped);
  const errors = json ? log : stream(process.stderr, stamped);
  const command = inputs.command;

  // No runner's clock here: after a cancel, the post hooks run to their end (or --hook-timeout).
  const cancel = new Cancellation(Infinity);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      cancel.cancel(signal);
      errors.write(`\n${signal}: stopping, then running every post hook to its end\n`);
    } else if (signals === 2) {
      errors.write(
        `\n${signal} again: ignored, the post hooks are running (a third signal stops them)\n`,
      );
    } else if (signals === 3) {
      errors.write(`\n${signal} a third time: stopping the post hooks\n`);
      cancel.expire('the post phase was stopped by a third signal');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const reporter = new TextReporter(log);
  let name: ExitName;
  let result: SessionResult | ValidationResult | null = null;
  let failure = '';
  try {
    const settings = parseSettings((input) => inputs[input] ?? '', {
      workspace: process.cwd(),
      tempDir: os.tmpdir(),
      env: process.env,
    });
    result = await runOperation(settings, reporter, { cancel, execute });
    if (cancel.expiredBy !== null && 'phases' in result) {
      const unfinished = unfinishedPostHooks(result.phases).map((h) => `${h.phase}/${h.name}`);
      if (unfinished.length) {
        errors.write(
          `rekkord-hooks: post hooks that did not complete: ${oneLine(unfinished.join(', '))}\n`,
        );
      }
    }
    name = outcome(result);
  } catch (error) {
    failure = error instanceof PreflightError ? error.inWords(CLI_WORDS) : describeError(error);
    failure = reporter.redact(failure);
    errors.write(`rekkord-hooks: ${plainLines(failure)}\n`);
    name =
      cancelled(cancel.signal) ??
      (error instanceof PreflightError && error.setting ? 'usage' : 'failed');
  }
  await end(log);
  if (errors !== log) await end(errors);
  if (json) {
    const object = result
      ? jsonResult(result, verdict(name), command)
      : jsonAbort(command, verdict(name), failure);
    process.stdout.write(`${jsonText(object, reporter.secrets)}\n`);
  }
  return EXIT[name].code;
}

process.exitCode = await main(process.argv.slice(2));

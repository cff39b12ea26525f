#!/usr/bin/env node
/**
 * The command line: the action's engine outside GitHub Actions (developers' machines, hosts that
 * run Rekkord from cron). Same semantics, plain text, exit code 0 on success and 1 on any failure
 * (bad input, a hook, Rekkord, a cancel); 2 for a command line it cannot read.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { Cancellation } from '../kernel/cancel.js';
import { oneLine } from '../kernel/text.js';
import { parseSettings } from '../plan/inputs.js';
import { executeFile as execute } from '../process/execute-file.js';
import { runOperation } from '../engine/index.js';
import { TextReporter } from './text-reporter.js';
import { OPERATIONS } from '../plan/commands.js';

const USAGE = `Usage: rekkord-hooks <${OPERATIONS.join('|')}> [options] [path...]

Runs the hooks of a Rekkord config (and of a hooks.d folder) around rekkord save, scan or
restore, exactly as the GitHub Action does; validate checks the hooks without running Rekkord.

Options:
  -C, --config FILE        Rekkord config (default: found as Rekkord finds it)
      --channel NAME       snapshot channel (save); the paths to save follow the options
      --snapshot ID        OID or channel to restore (restore)
      --destination DIR    folder to restore into (restore)
      --hooks-dir DIR      TKLBAM-style hooks.d folder (hooks get OPERATION STATE)
      --batteries NAMES    ready hooks to run: postgresql, mariadb, sqlite, services,
                           heartbeat or a script name (comma-separated or repeated)
      --rekkord PATH       Rekkord executable (default: rekkord in PATH)
      --arg ARG            extra Rekkord argument (repeat for several)
      --hook-timeout SEC   seconds each hook may run (default: 0, no limit)
      --lock-wait SEC      seconds to wait for another run on the same config (default: 600)
      --exercise           validate: also run every phase as a rehearsal
      --no-identify        do not open the repository (rekkord identify) before the hooks
  -h, --help               this help

Examples:
  rekkord-hooks validate --config /etc/rekkord/rekkord.ini
  rekkord-hooks save --channel nightly /var/backups/db /srv/www
  rekkord-hooks save --batteries postgresql --channel nightly /var/backups/postgresql
  rekkord-hooks restore --snapshot nightly --destination /tmp/drill --hooks-dir hooks.d`;

function readCommandLine(argv: string[]): Record<string, string> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'C' },
      channel: { type: 'string' },
      snapshot: { type: 'string' },
      destination: { type: 'string' },
      'hooks-dir': { type: 'string' },
      batteries: { type: 'string', multiple: true },
      rekkord: { type: 'string' },
      arg: { type: 'string', multiple: true },
      'hook-timeout': { type: 'string' },
      'lock-wait': { type: 'string' },
      exercise: { type: 'boolean' },
      'no-identify': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: 'true' };
  const [command = '', ...paths] = positionals;
  const inputs: Record<string, string> = {
    command,
    paths: paths.join('\n'),
    args: (values.arg ?? []).join('\n'),
    batteries: (values.batteries ?? []).join('\n'),
  };
  for (const name of [
    'config',
    'channel',
    'snapshot',
    'destination',
    'hooks-dir',
    'rekkord',
    'hook-timeout',
    'lock-wait',
  ] as const) {
    const value = values[name];
    if (value !== undefined) inputs[name] = value;
  }
  if (values.exercise) inputs.exercise = 'true';
  if (values['no-identify']) inputs.identify = 'false';
  return inputs;
}

async function main(argv: string[]): Promise<number> {
  let inputs: Record<string, string>;
  try {
    inputs = readCommandLine(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (inputs.help || !inputs.command) {
    process.stdout.write(`${USAGE}\n`);
    return inputs.help ? 0 : 2;
  }
  // No runner's clock here: after a cancel, the post hooks run to their end (or --hook-timeout).
  const cancel = new Cancellation(Infinity);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1) {
      cancel.cancel(signal);
      process.stderr.write(`\n${signal}: stopping, then running every post hook to its end\n`);
    } else if (signals === 2) {
      process.stderr.write(
        `\n${signal} again: ignored, the post hooks are running (a third signal stops them)\n`,
      );
    } else if (signals === 3) {
      process.stderr.write(`\n${signal} a third time: stopping the post hooks\n`);
      cancel.expire('the post phase was stopped by a third signal');
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const reporter = new TextReporter();
  try {
    const settings = parseSettings((name) => inputs[name] ?? '', {
      workspace: process.cwd(),
      tempDir: os.tmpdir(),
      env: process.env,
    });
    const result = await runOperation(settings, reporter, { cancel, execute });
    if (cancel.expiredBy !== null && 'phases' in result) {
      const unfinished = result.phases
        .flatMap((p) => p.hooks)
        .filter(
          (h) =>
            h.phase.startsWith('post-') && (h.outcome === 'not-run' || h.outcome === 'cancelled'),
        )
        .map((h) => `${h.phase}/${h.name}`);
      if (unfinished.length) {
        process.stderr.write(
          `rekkord-hooks: post hooks that did not complete: ${oneLine(unfinished.join(', '))}\n`,
        );
      }
    }
    return result.success ? 0 : 1;
  } catch (error) {
    process.stderr.write(`rekkord-hooks: ${(error as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));

/**
 * The command line in its own words (dist/cli/index.js): errors name its options and operands,
 * never the action's inputs; --version; Rekkord's arguments after -- or in repeated --arg.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, STAND_IN } from './harness/local-runner.js';
import { cli } from './helpers/cli.js';
import { backupWorkspace, logHook, readLines, standInRuns } from './helpers/fixtures.js';

const SAVE = ['save', '--no-timestamps', '-C', 'rekkord.ini', '--rekkord', STAND_IN];

/** Words of the action that the command line must never say. */
function expectCliWords(text: string): void {
  expect(text).not.toMatch(/input '/i);
  expect(text).not.toContain("'args'");
  expect(text).not.toContain("'identify");
  expect(text).not.toContain("'rekkord' input");
  expect(text).not.toContain("'config' input");
  // Every error line's quotes pair up.
  for (const line of text.split('\n').filter((l) => l.startsWith('rekkord-hooks:')))
    expect(line.split("'").length % 2, line).toBe(1);
}

describe('errors in the command line words', () => {
  const cases: { name: string; args: (ws: string) => string[]; says: string; code: number }[] = [
    {
      name: 'no channel',
      args: () => [...SAVE, 'data'],
      says: '--channel is required',
      code: 2,
    },
    {
      name: 'no path',
      args: () => [...SAVE, '--channel', 'n'],
      says: 'save needs the paths to save: PATH operands after the command',
      code: 2,
    },
    {
      name: 'a channel that starts with a dash',
      args: () => [...SAVE, '--channel', '-x', 'data'],
      says: "--channel must not start with '-'",
      code: 2,
    },
    {
      name: 'an option of another command',
      args: () => ['restore', '--snapshot', 'n', '--destination', 'out', '--channel', 'n'],
      says: '--channel is only used by save, not restore',
      code: 2,
    },
    {
      name: 'no snapshot',
      args: () => ['restore', '--no-timestamps', '--destination', 'out'],
      says: '--snapshot is required for restore',
      code: 2,
    },
    {
      name: 'a bad hook timeout',
      args: () => [...SAVE, '--channel', 'n', '--hook-timeout', 'soon', 'data'],
      says: "--hook-timeout is 'soon'; expected a number of seconds",
      code: 2,
    },
    {
      name: 'an unknown command',
      args: () => ['backup'],
      says: "The COMMAND operand is 'backup'; expected one of",
      code: 2,
    },
    {
      name: 'Rekkord arguments that choose the config',
      args: () => [...SAVE, '--channel', 'n', 'data', '--', '-C', 'other.ini'],
      says: "Rekkord arguments must not choose the config or its hooks ('-C'): use --config",
      code: 2,
    },
    {
      name: 'no Rekkord',
      args: () => ['save', '--rekkord', '/nonexistent/rekkord', '--channel', 'n', 'data'],
      says: 'give its path with --rekkord',
      code: 1,
    },
    {
      name: 'a config that is not there',
      args: () => ['save', '-C', 'nope.ini', '--rekkord', STAND_IN, '--channel', 'n', 'data'],
      says: '(from --config) does not exist',
      code: 1,
    },
    {
      name: 'a hooks-dir that is not there',
      args: () => [...SAVE, '--hooks-dir', 'nope.d', '--channel', 'n', 'data'],
      says: '--hooks-dir: the hook directory',
      code: 1,
    },
    {
      name: 'a repository that cannot be opened',
      args: (ws) => {
        rmSync(path.join(ws, 'repo', 'rekkord.repo'));
        return [...SAVE, '--channel', 'n', 'data'];
      },
      says: 'Use --no-identify to rehearse without the repository',
      code: 1,
    },
    {
      name: 'a destination that is not empty',
      args: () => [
        'restore',
        '-C',
        'rekkord.ini',
        '--rekkord',
        STAND_IN,
        '--snapshot',
        'n',
        '--destination',
        'data',
      ],
      says: 'or add --force to the Rekkord arguments (-- --force)',
      code: 1,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: exit ${c.code}, "${c.says}"`, () => {
      const { ws, log } = backupWorkspace({ PreSaveDirectory: 'pre' });
      logHook(path.join(ws, 'pre'), 'dump');
      const run = cli(ws, ['--no-timestamps', ...c.args(ws)]);
      expect(run.stderr).toMatch(/^rekkord-hooks: /m);
      expect(run.stderr).toContain(c.says);
      expect(run.code).toBe(c.code);
      expectCliWords(run.stdout + run.stderr);
      expect(readLines(log)).toEqual([]);
    });
  }

  it('validate names a missing hook folder once, at its config line', () => {
    const { ws } = backupWorkspace({}, 'PreSaveDirectory = missing\n');
    const run = cli(ws, ['validate', '--no-timestamps', '-C', 'rekkord.ini']);
    expect(run.code).toBe(1);
    const config = path.join(ws, 'rekkord.ini');
    const line = run.stdout.split('\n').find((l) => l.startsWith(`${config}:`)) ?? '';
    expect(line).toMatch(/^\S+rekkord\.ini:\d+: error: \[Hooks\] PreSaveDirectory = missing: /);
    expect(line.split(config)).toHaveLength(2);
    expectCliWords(run.stdout + run.stderr);
  });

  it('a command line it cannot read: exit 2, the option named, no stray quote', () => {
    const { ws } = backupWorkspace();
    for (const [args, says] of [
      [['save', '--bogus'], 'unknown option --bogus'],
      [['save', '-x'], 'unknown option -x'],
      [['save', '--channel'], '--channel needs a value (NAME)'],
      [['save', '--exercise=yes'], '--exercise takes no value'],
      [['save', '--channel', 'a', '--channel', 'b'], '--channel is given twice'],
      [['save', '--timestamps', '--no-timestamps'], '--timestamps and --no-timestamps contradict'],
    ] as const) {
      const run = cli(ws, [...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(`rekkord-hooks: ${says}`);
      expect(run.stderr).toContain('See rekkord-hooks --help.');
      expectCliWords(run.stderr);
    }
  });
});

describe('--version and --help', () => {
  it('--version prints the name and the package version', () => {
    const { ws } = backupWorkspace();
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const run = cli(ws, ['--version']);
    expect(run).toMatchObject({ code: 0, stdout: `rekkord-hooks ${version}\n`, stderr: '' });
  });

  it('--help lists every option, says how Rekkord arguments are given, and the exit codes', () => {
    const { ws } = backupWorkspace();
    const run = cli(ws, ['-h']);
    expect(run.code).toBe(0);
    for (const option of ['--config', '--arg ARG', '--timestamps', '--json', '--version'])
      expect(run.stdout).toContain(option);
    expect(run.stdout).toContain('--arg --threads --arg 4');
    expect(run.stdout).toContain('[-- ARG...]');
    expect(run.stdout).toMatch(/^ {2}3 {4}the snapshot is saved/m);
    expectCliWords(run.stdout);
  });
});

describe("Rekkord's own arguments", () => {
  function saved(args: string[]): string[] {
    const { ws } = backupWorkspace();
    const run = cli(ws, [...SAVE, ...args]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return standInRuns(ws)[0]?.argv ?? [];
  }

  it('after --, whatever they start with', () => {
    const argv = saved(['--channel', 'n', 'data', '--', '--threads', '4']);
    expect(argv.join(' ')).toContain('--threads 4');
    expect(argv.slice(-2)).toEqual(['n', 'data']);
  });

  it('in repeated --arg, a value that starts with a dash included', () => {
    const argv = saved(['--arg', '--threads', '--arg', '4', '--channel', 'n', 'data']);
    expect(argv.join(' ')).toContain('--threads 4');
  });

  it('--arg=VALUE and --arg VALUE, then --, in order', () => {
    const argv = saved([
      '--arg=-j',
      '--arg',
      '2',
      '--channel',
      'n',
      'data',
      '--',
      '--threads',
      '3',
    ]);
    expect(argv.join(' ')).toContain('-j 2 --threads 3');
  });

  it('a path that starts with a dash, written ./-odd, is a path', () => {
    const { ws } = backupWorkspace();
    mkdirSync(path.join(ws, '-odd'));
    writeFileSync(path.join(ws, '-odd', 'f'), 'x');
    const run = cli(ws, [...SAVE, '--channel', 'n', './-odd']);
    expect(run.code).toBe(0);
    expect(standInRuns(ws)[0]?.argv.at(-1)).toBe('./-odd');
  });
});

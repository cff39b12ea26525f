/** A repository fixture with a broken hook of each kind validate knows. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { scratch, writeFile } from './fixtures.js';

const LOG = 'echo "$0 ran" >> "$HOOK_LOG"';

/**
 * A git repository whose config names a missing folder (line 7) and whose hooks are broken in
 * every way validate knows, each with the line to flag.
 */
export function brokenRepository(): string {
  const ws = scratch('rekkord-hooks-repo-');
  writeFile(
    path.join(ws, 'rekkord.ini'),
    [
      '[Repository]',
      'URL = repo',
      '',
      '[Hooks]',
      'PreSaveDirectory = hooks/pre-save',
      'PostSaveDirectory = hooks/post-save',
      'PreScanDirectory = hooks/pre-scan-missing',
      '',
    ].join('\n'),
  );
  const pre = (name: string, text: string, mode = 0o755) =>
    writeFile(path.join(ws, 'hooks/pre-save', name), text, mode);
  pre('10-good', `#!/bin/sh\n${LOG}\n`);
  pre('20-not-executable', `#!/bin/sh\n${LOG}\n`, 0o644);
  pre('30-git-not-executable', `#!/bin/sh\n${LOG}\n`);
  pre('40-crlf', `#!/bin/sh\r\n${LOG}\r\n`);
  pre('50-missing-interpreter', `#!/usr/bin/python9\nprint("x")\n`);
  pre('60-env-missing', `#!/usr/bin/env no-such-tool-9\n`);
  pre('70-no-shebang', `${LOG}\n`);
  pre('.disabled', `#!/bin/sh\n${LOG}\n`);
  writeFile(path.join(ws, 'hooks/pre-save/lib/helpers.sh'), 'true\n');
  writeFile(path.join(ws, 'hooks/post-save/90-fine'), `#!/bin/sh\n${LOG}\n`, 0o755);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ws, stdio: 'ignore' });
  git('init', '-q');
  git('add', '.');
  // Executable on disk, but git records it as 100644: a fresh checkout could not run it.
  git('update-index', '--chmod=-x', 'hooks/pre-save/30-git-not-executable');
  return ws;
}

/** The plan's vocabulary: stages, phases and the entries of a hook folder. */

import type { Command } from './commands.js';

export type Stage = 'pre' | 'post';

/** A hook phase as Rekkord names it: `pre-save`, `post-scan`, ... */
export type PhaseName = `${Stage}-${Command}`;

/** An entry of a hook directory that is not run, with the reason. */
export interface SkippedEntry {
  name: string;
  path: string;
  reason: string;
}

/** An entry of a hook directory that will be run (or fail to start). */
export interface HookEntry {
  name: string;
  path: string;
  /** Arguments: none for `[Hooks]` folders, `OPERATION STATE` for a `hooks.d` folder. */
  args: readonly string[];
  /** Set when the entry cannot be started; the hook then fails with this message. */
  problem?: {
    kind: 'not-executable' | 'not-a-file' | 'broken-link' | 'unreadable' | 'bad-name';
    message: string;
  };
}

/** A snapshot OID: `M` (metadata) or `R` (raw) and a 64-digit BLAKE3 hash, upper case. */
export const OID = '[MR][0-9A-F]{64}';

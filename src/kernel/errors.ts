/** Errors that stop the run before a hook runs, and errors put into words. */

/**
 * How an edge names a setting in its errors: the action says `input 'paths'`, the command line
 * `--channel` or `the PATH operands`. Errors about a setting are written as functions of it.
 */
export interface Vocabulary {
  edge: 'action' | 'cli';
  setting(name: string): string;
}

export const ACTION_WORDS: Vocabulary = { edge: 'action', setting: (name) => `input '${name}'` };

/** Words for one error, in the vocabulary of the edge that shows it. */
export type Words = (words: Vocabulary) => string;

/** A sentence's first letter in upper case (`Input 'paths' is ...`, `--channel is ...`). */
export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Thrown for anything wrong before a hook runs: the action then runs nothing. */
export class PreflightError extends Error {
  override name = 'PreflightError';
  /** The message in an edge's words; `message` is the action's. */
  readonly inWords: Words;
  /** The file and line at fault, when there is one (a config line, ...). */
  readonly where?: { file: string; line?: number };
  /** True when a setting is wrong (the command line's usage error), not the world. */
  readonly setting: boolean;

  constructor(message: string | Words, where?: { file: string; line?: number }, setting = false) {
    const words = typeof message === 'string' ? () => message : message;
    super(words(ACTION_WORDS));
    this.inWords = words;
    if (where) this.where = where;
    this.setting = setting;
  }
}

/** An error in words: its errno code (ENOENT, EACCES, ...) when the message does not name it. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

/**
 * What a file operation was doing when an errno code came back: `read` a file or folder, `examine`
 * a folder's entry (a hook, through its links), `start` a program.
 */
export type ErrnoAction = 'read' | 'examine' | 'start';

/** Errno codes in words, by action; `start` speaks of the program as "it". */
const ERRNO_WORDS: Readonly<Record<string, Partial<Record<ErrnoAction, string>>>> = {
  ENOENT: { read: 'does not exist', examine: 'is a symbolic link to a missing file' },
  EACCES: {
    read: 'is not readable (permission denied)',
    start: 'permission denied when starting it',
  },
  // execve(2): ELOOP and E2BIG are among the errors Node's spawn throws rather than emits.
  ELOOP: {
    read: 'is a symbolic link loop',
    examine: 'is a symbolic link loop',
    start: 'its path or its #! interpreter is a symbolic link loop (ELOOP)',
  },
  E2BIG: { start: 'its arguments and environment are too large (E2BIG)' },
  ETXTBSY: { start: 'it is open for writing by another process (ETXTBSY)' },
};

const FALLBACK: Readonly<Record<ErrnoAction, string>> = {
  read: 'cannot be read',
  examine: 'cannot be examined',
  start: 'it cannot be started',
};

/**
 * An errno error as a sentence about `subject` (a path, "it"): `/x does not exist`. A code with no
 * words of its own is named in brackets. For `start` the sentence is about "it" whatever `subject`.
 */
export function errnoSentence(subject: string, error: unknown, action: ErrnoAction): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const words = code ? ERRNO_WORDS[code]?.[action] : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const sentence = words ?? `${FALLBACK[action]} (${code ?? message})`;
  return action === 'start' ? sentence : `${subject} ${sentence}`;
}

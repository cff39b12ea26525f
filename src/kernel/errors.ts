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

/** Errors that stop the run before a hook runs, and errors put into words. */

/** Thrown for anything wrong before a hook runs: the action then runs nothing. */
export class PreflightError extends Error {
  override name = 'PreflightError';

  constructor(
    message: string,
    /** The file and line at fault, when there is one (a config line, ...). */
    readonly where?: { file: string; line?: number },
  ) {
    super(message);
  }
}

/** An error in words: its errno code (ENOENT, EACCES, ...) when the message does not name it. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

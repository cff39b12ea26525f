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

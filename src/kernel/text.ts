/**
 * Text for whatever the action prints outside the hooks' framed output: one line of plain text,
 * durations and command lines as a user reads them.
 */

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/**
 * Text from file names, config values or output, made one line of plain text: a newline or any
 * other control character is shown escaped, so a name can never start a line of its own (where
 * the runner would read it as a workflow command) or move the cursor.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** A command line as a shell would read it back. */
export function commandLine(argv: readonly string[]): string {
  return argv
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/** Why Rekkord reads a copy of the config, when it does. */
export function copyNote(source: string): string {
  return oneLine(
    `Rekkord reads a private copy of ${source} without its [Hooks] section, so that no hook runs twice (this Rekkord has no --no_hooks).`,
  );
}

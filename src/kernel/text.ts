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
 * Text from file names, config values or output, made one line of plain text that the runner
 * reads as nothing but text. A newline or any other control character is shown escaped, so a name
 * can never start a line of its own or move the cursor; and neither form of workflow command
 * survives. actions/runner, src/Runner.Common/ActionCommand.cs: `TryParseV2` takes `::cmd::` at
 * the start of the line after leading white space; when that fails (an unregistered name, no
 * closing `::`), `TryParse` takes the legacy `##[cmd]` from its first occurrence anywhere in the
 * line (`message.IndexOf("##[")`). So `::` at the start and every `##[` are escaped.
 */
export function oneLine(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\x00-\x1f\x7f\u2028\u2029]/g, (c) => {
        if (c === '\n') return '\\n';
        if (c === '\r') return '\\r';
        if (c === '\t') return '\\t';
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
      })
      .replace(/##\[/g, '##\\x5b')
      .replace(/^(\s*)::/, '$1\\x3a:')
  );
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

/** Text of several lines (an error quoting a program's last lines), each made plain as above. */
export function plainLines(text: string): string {
  return text.split('\n').map(oneLine).join('\n');
}

/**
 * A step's log as the runner's web page shows it, for `npm run example`: workflow commands are
 * consumed, not shown; groups are headings with their lines indented beneath; masked values are
 * `***`; annotations are `Error: ...` lines in the log and a list under the log, as the Annotations
 * panel shows them.
 *
 * The rules follow actions/runner `src/Runner.Worker/ActionCommandManager.cs`
 * (`TryProcessCommand`: `stop-commands` until the `::token::` line, `add-mask`, `echo`) and the
 * issue, group and debug commands' handling there (`IssueCommandExtension`, `GroupCommandExtension`,
 * `DebugCommandExtension`: `##[error]` lines, which the page prints as `Error: `, and debug lines
 * only with step debug logging on). Command data escapes are those of actions/toolkit
 * `packages/core/src/command.ts` (`escapeData`, `escapeProperty`).
 */

export interface Annotation {
  command: string;
  properties: Record<string, string>;
  message: string;
}

const COMMAND = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/;
const LABELS: Record<string, string> = { error: 'Error', warning: 'Warning', notice: 'Notice' };
const ICONS: Record<string, string> = { error: '✖', warning: '⚠', notice: 'ℹ' };
/** Commands the runner acts on and does not print. */
const SILENT = new Set(['endgroup', 'debug', 'set-output', 'save-state', 'set-env', 'add-path']);

function unescape(data: string): string {
  return data.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

export class LogRenderer {
  private pending = '';
  private stopToken: string | null = null;
  private readonly masks: string[] = [];
  private inGroup = false;

  /** The lines completed by this chunk, rendered; a partial line waits for the next chunk. */
  write(chunk: Buffer | string): string {
    const lines = (this.pending + chunk.toString()).split('\n');
    this.pending = lines.pop() ?? '';
    return lines.map((l) => this.line(l)).join('');
  }

  /** What is left: a last line without a newline. */
  end(): string {
    const rest = this.pending;
    this.pending = '';
    return rest === '' ? '' : this.line(rest);
  }

  /** Hides every registered secret, as the runner's secret masker does. */
  mask(text: string): string {
    return this.masks.reduce((t, secret) => t.split(secret).join('***'), text);
  }

  private show(text: string): string {
    const indent = this.inGroup ? '    ' : '';
    return `${this.mask(text)
      .split('\n')
      .map((l) => indent + l)
      .join('\n')}\n`;
  }

  private line(raw: string): string {
    const line = raw.replace(/\r$/, '');
    if (this.stopToken !== null) {
      if (line === `::${this.stopToken}::`) {
        this.stopToken = null;
        return '';
      }
      return this.show(line);
    }
    const match = COMMAND.exec(line);
    if (!match) return this.show(line);
    const [, name = '', , data = ''] = match;
    const command = name.toLowerCase();
    const message = unescape(data);
    if (command === 'stop-commands') {
      this.stopToken = data;
      return '';
    }
    if (command === 'add-mask') {
      if (message.trim() !== '') this.masks.push(message);
      return '';
    }
    if (command === 'group') {
      this.inGroup = false;
      const heading = this.show(`▸ ${message}`);
      this.inGroup = true;
      return heading;
    }
    if (command === 'endgroup') this.inGroup = false;
    if (SILENT.has(command) || command === 'echo') return '';
    const label = LABELS[command];
    return this.show(label ? `${label}: ${message}` : line);
  }
}

/** The Annotations panel under the log: one entry per error, warning and notice. */
export function renderAnnotations(annotations: readonly Annotation[], log: LogRenderer): string {
  if (annotations.length === 0) return 'Annotations: none\n';
  const counts = Object.keys(LABELS)
    .map((kind) => [kind, annotations.filter((a) => a.command === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`);
  const out = [`Annotations: ${counts.join(', ')}`];
  for (const a of annotations) {
    const { title, file, line } = a.properties;
    out.push(`  ${ICONS[a.command] ?? '•'} ${log.mask(title ?? LABELS[a.command] ?? a.command)}`);
    if (file) out.push(`    ${file}${line ? `#L${line}` : ''}`);
    for (const l of log.mask(a.message).split('\n')) out.push(`    ${l}`);
  }
  return `${out.join('\n')}\n`;
}

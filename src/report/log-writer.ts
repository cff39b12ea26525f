/**
 * The log both reporters write to: hook output passed through as bytes with the writer's
 * backpressure, and lines of their own that always start at the start of a line.
 */
import { once } from 'node:events';

export class LogWriter {
  private atLineStart = true;

  constructor(private readonly out: NodeJS.WritableStream) {}

  /** Hook or Rekkord output; a promise when the reader is slow and the hook must wait. */
  output(chunk: Buffer): Promise<void> | undefined {
    if (chunk.length === 0) return undefined;
    this.atLineStart = chunk[chunk.length - 1] === 0x0a;
    // A slow reader must slow the hook down, not fill this process's memory.
    // A pipe or file stdout is written synchronously (Node's docs, "A note on process I/O"): when
    // nothing is left queued, write() returning false for a large chunk asks for no wait.
    if (this.out.write(chunk) || (this.out as { writableLength?: number }).writableLength === 0)
      return undefined;
    return once(this.out, 'drain').then(() => undefined);
  }

  /** Ends a line the output left open: the runner reads a workflow command only at a line start. */
  endLine(): void {
    if (!this.atLineStart) this.out.write('\n');
    this.atLineStart = true;
  }

  /** A whole line of the reporter's own. */
  line(text: string): void {
    this.endLine();
    this.out.write(`${text}\n`);
  }
}

/**
 * A timestamp at the start of every line, for logs that cron or a file keep without one: local
 * time in ISO 8601 with its offset, so lines from hosts in several zones still sort and compare.
 */
import { Writable } from 'node:stream';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function timestamp(date = new Date()): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}` +
    `.${pad(date.getMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Writes to `target` with a timestamp before each line; waits for it when it asks to. */
export class TimestampedStream extends Writable {
  private atLineStart = true;

  constructor(private readonly target: NodeJS.WritableStream) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error) => void): void {
    const stamp = Buffer.from(`${timestamp()} `);
    const parts: Buffer[] = [];
    let start = 0;
    while (start < chunk.length) {
      if (this.atLineStart) parts.push(stamp);
      const newline = chunk.indexOf(0x0a, start);
      const end = newline < 0 ? chunk.length : newline + 1;
      parts.push(chunk.subarray(start, end));
      this.atLineStart = newline >= 0;
      start = end;
    }
    if (this.target.write(Buffer.concat(parts))) done();
    else
      this.target.once('drain', () => {
        done();
      });
  }
}

/**
 * Passes a child's stdout and stderr on as raw bytes with the sink's backpressure, keeps a small
 * tail for the failure report, and after the child exits reads for a bounded time only: a
 * background child may hold the pipes open (and keep printing) forever.
 */
import type { Readable } from 'node:stream';
import { relayed } from './memory.js';

/** Takes output; a returned promise means "wait for it before sending more" (backpressure). */
export type OutputSink = (chunk: Buffer) => Promise<void> | undefined;

const TAIL_BYTES = 8192;
const TAIL_LINES = 10;

/** Keeps the last few kilobytes of a stream, however much passes through. */
export class Tail {
  private chunks: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): void {
    // Only references are kept: no copy, no scan of the bytes on the hot path.
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= TAIL_BYTES) {
      this.size -= this.chunks.shift()?.length ?? 0;
    }
  }

  lines(count = TAIL_LINES): string[] {
    const text = stripAnsi(Buffer.concat(this.chunks).subarray(-TAIL_BYTES).toString('utf8'));
    return text
      .split(/\r?\n|\r/)
      .map((l) => l.trimEnd())
      .filter((l) => l !== '')
      .slice(-count);
  }
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '');
}

export class OutputRelay {
  readonly tail = new Tail();
  private waits = 0;
  private readonly ended: Promise<void>;
  private onBlocked: ((blocked: boolean) => void) | null = null;

  constructor(
    private readonly streams: readonly Readable[],
    private readonly sink: OutputSink,
  ) {
    const onData = (chunk: Buffer): void => {
      this.take(chunk);
    };
    this.ended = Promise.all(
      streams.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.on('data', onData);
            s.once('close', resolve);
          }),
      ),
    ).then(() => undefined);
  }

  private take(chunk: Buffer): void {
    this.tail.push(chunk);
    relayed(chunk.length);
    const wait = this.sink(chunk);
    if (!wait) return;
    if (this.waits++ === 0) {
      for (const s of this.streams) s.pause();
      this.onBlocked?.(true);
    }
    void wait.finally(() => {
      if (--this.waits > 0) return;
      for (const s of this.streams) s.resume();
      this.onBlocked?.(false);
    });
  }

  /** Stops reading at once (the child could not be started). */
  stop(): void {
    for (const s of this.streams) s.destroy();
  }

  /**
   * Resolves once the streams end, or once `budgetMs` of reading has passed, then cuts them off.
   * Time spent waiting for the sink does not count: output the hook wrote before it exited is not
   * lost to a slow log, while a background child can delay the result by the budget at most.
   */
  drain(budgetMs: number): Promise<void> {
    return new Promise((resolve) => {
      let left = budgetMs;
      let since = 0;
      let timer: NodeJS.Timeout | undefined;
      const cutOff = (): void => {
        this.stop();
      };
      const arm = (): void => {
        since = performance.now();
        timer = setTimeout(cutOff, left);
      };
      this.onBlocked = (blocked) => {
        if (!blocked) {
          arm();
          return;
        }
        clearTimeout(timer);
        left = Math.max(0, left - (performance.now() - since));
      };
      if (this.waits === 0) arm();
      void this.ended.then(() => {
        clearTimeout(timer);
        this.onBlocked = null;
        resolve();
      });
    });
  }
}

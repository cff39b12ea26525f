import { describe, expect, it } from 'vitest';
import { stripAnsi, Tail } from '../src/process.js';

describe('the output tail', () => {
  it('keeps the last lines within a fixed number of bytes, however much passes', () => {
    const tail = new Tail();
    for (let i = 0; i < 100_000; i++) tail.push(Buffer.from(`line ${i}\n`));
    expect(tail.lines(3)).toEqual(['line 99997', 'line 99998', 'line 99999']);
    expect(Buffer.byteLength(tail.lines(1000).join('\n'))).toBeLessThan(16_384);
  });

  it('shows a last line without newline, invalid UTF-8 replaced, colours removed', () => {
    const tail = new Tail();
    tail.push(Buffer.from('\x1b[31mred\x1b[0m\n'));
    tail.push(Buffer.from([0x62, 0x61, 0x64, 0xff, 0x0a, 0x65, 0x6e, 0x64]));
    expect(tail.lines()).toEqual(['red', 'bad\uFFFD', 'end']);
  });

  it('strips colour and title escapes', () => {
    expect(stripAnsi('\x1b[1;32mok\x1b[0m \x1b]0;title\x07done')).toBe('ok done');
  });
});

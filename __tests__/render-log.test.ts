import { describe, expect, it } from 'vitest';
import { LogRenderer, renderAnnotations } from './harness/render-log.js';

function render(text: string, chunkSize = 7): { out: string; log: LogRenderer } {
  const log = new LogRenderer();
  let out = '';
  // In small chunks, as a pipe delivers them: lines are rendered only once complete.
  for (let i = 0; i < text.length; i += chunkSize) out += log.write(text.slice(i, i + chunkSize));
  return { out: out + log.end(), log };
}

describe('the log as the runner shows it', () => {
  it('hides workflow commands and shows groups as headings with their lines beneath', () => {
    const { out } = render(
      [
        '::add-mask::s3cr3t',
        'start',
        '::group::pre-save › 10-dump',
        'dumping with s3cr3t',
        '::endgroup::',
        '::debug::only with step debug logging',
        '::set-output name=x::1',
        '✅ done',
        '',
      ].join('\n'),
    );
    expect(out).toBe('start\n▸ pre-save › 10-dump\n    dumping with ***\n✅ done\n');
  });

  it('shows what a hook prints between stop-commands and the token as text', () => {
    const { out } = render(
      [
        '::stop-commands::tok123',
        '::error::forged by a hook',
        '::add-mask::not-a-mask',
        '::tok123::',
        '::error title=Real::real %25 error%0Asecond line',
        'not-a-mask stays',
        'last line without newline',
      ].join('\n'),
    );
    expect(out).toBe(
      [
        '::error::forged by a hook',
        '::add-mask::not-a-mask',
        'Error: real % error',
        'second line',
        'not-a-mask stays',
        'last line without newline',
        '',
      ].join('\n'),
    );
  });

  it('lists annotations as the Annotations panel does, masked', () => {
    const { log } = render('::add-mask::hunter2\n');
    const text = renderAnnotations(
      [
        {
          command: 'error',
          properties: {
            title: 'pre-save 20-x failed (exit code 3)',
            file: 'hooks/20-x',
            line: '1',
          },
          message: 'password hunter2 refused\nsecond',
        },
        { command: 'notice', properties: {}, message: 'Snapshot M1 saved' },
      ],
      log,
    );
    expect(text).toBe(
      [
        'Annotations: 1 error, 1 notice',
        '  ✖ pre-save 20-x failed (exit code 3)',
        '    hooks/20-x#L1',
        '    password *** refused',
        '    second',
        '  ℹ Notice',
        '    Snapshot M1 saved',
        '',
      ].join('\n'),
    );
    expect(renderAnnotations([], log)).toBe('Annotations: none\n');
  });
});

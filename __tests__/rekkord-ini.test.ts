import { describe, expect, it } from 'vitest';
import { IniError, lastEntry, parseRekkordIni } from '../src/plan/rekkord-ini.js';

const parse = (text: string) => parseRekkordIni(text, 'rekkord.ini');
const value = (text: string, section: string, key: string) =>
  lastEntry(parse(text), section, key)?.value;

describe("Rekkord's INI dialect", () => {
  it('reads key = value split at the first =, both sides trimmed', () => {
    expect(value('[Repository]\n  URL =  s3://a=b  \n', 'Repository', 'URL')).toBe('s3://a=b');
  });

  it('keeps inline comments and quotes as part of the value', () => {
    expect(
      value('[Hooks]\nPreSaveDirectory = /opt/hooks # dumps\n', 'Hooks', 'PreSaveDirectory'),
    ).toBe('/opt/hooks # dumps');
    expect(value('[Hooks]\nPreSaveDirectory = /opt/hooks ; x\n', 'Hooks', 'PreSaveDirectory')).toBe(
      '/opt/hooks ; x',
    );
    expect(value('[Hooks]\nPreSaveDirectory = "/opt/hooks"\n', 'Hooks', 'PreSaveDirectory')).toBe(
      '"/opt/hooks"',
    );
  });

  it('treats ; and # as comments only at the start of a (trimmed) line', () => {
    const doc = parse('; comment\n  # another\n[Hooks]\n#PreSaveDirectory = /x\n');
    expect(doc.entries).toEqual([]);
  });

  it('lets the last duplicate key win', () => {
    expect(
      value('[Hooks]\nPreSaveDirectory = /a\nPreSaveDirectory = /b\n', 'Hooks', 'PreSaveDirectory'),
    ).toBe('/b');
  });

  it('accepts CRLF line endings', () => {
    expect(value('[Hooks]\r\nPostSaveDirectory = /p\r\n', 'Hooks', 'PostSaveDirectory')).toBe('/p');
  });

  it("records keys and sections unknown outside [Hooks]: they are Rekkord's to judge", () => {
    const doc = parse('[S3]\nBucket = b\nRetainDays = 7\n[Agent]\nURL = u\n[Hooks]\n');
    expect(doc.unknown.map((u) => [u.line, u.section, u.key])).toEqual([
      [3, 'S3', 'RetainDays'],
      [4, 'Agent', null],
    ]);
    expect(doc.entries.map((e) => `${e.section}.${e.key}`)).toEqual([
      'S3.Bucket',
      'S3.RetainDays',
      'Agent.URL',
    ]);
  });

  it.each([
    ['[hooks]\nPreSaveDirectory = /x\n', 1, 'unknown section [hooks]'],
    ['[Hooks]\npresavedirectory = /x\n', 2, 'unknown key "presavedirectory" in [Hooks]'],
    ['[Hooks]\nPreSaveDir = /x\n', 2, 'unknown key in [Hooks]'],
    ['URL = /x\n', 1, 'comes before any [Section]'],
    ['[Hooks]\nPreSaveDirectory\n', 2, 'expected "key = value"'],
    ['[Hooks\n', 1, "does not end with ']'"],
    ['[]\n', 1, 'empty section name'],
    ['[Hooks]\n = /x\n', 2, 'missing key name'],
    ['\uFEFF[Hooks]\n', 1, 'byte-order mark'],
  ])('rejects what Rekkord rejects: %j', (text, line, reason) => {
    let error: unknown;
    try {
      parse(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IniError);
    expect((error as IniError).line).toBe(line);
    expect((error as IniError).message).toContain(reason);
  });

  it('records the section of every line, for writing a copy', () => {
    const doc = parse('# top\n[Repository]\nURL = /r\n[Hooks]\nPreSaveDirectory = /h\n');
    expect(doc.sectionOfLine).toEqual([null, 'Repository', 'Repository', 'Hooks', 'Hooks']);
  });
});

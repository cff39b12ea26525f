/**
 * Rekkord's INI dialect, read the way Rekkord reads it (`src/core/base/base.cc`, `IniParser`;
 * sections and keys from `src/rekkord/lib/config.cc`, `rk_Config::LoadIni`): comments only at
 * line start, no inline comments, no quote removal, section names trimmed, case-sensitive names,
 * and a line Rekkord cannot read is an error here too.
 *
 * Sections and keys move between Rekkord versions in both directions (`[S3] PathMode` left, new
 * storage and retention keys came), so outside `[Hooks]` an unknown one is only recorded: the
 * installed Rekkord judges it (`identify` reads the config before any hook), and validate warns.
 * `[Hooks]` is the action's to read: a key it does not know there is an error.
 *
 * An error names the file, the line and at most the key: never the value or the line's text, which
 * may be a secret (a key pasted into `[SSH] Key`, a `SecretKey:` typo).
 */
import { commandSpec, COMMANDS } from './commands.js';

export interface IniEntry {
  section: string;
  key: string;
  value: string;
  /** 1-based line number in the file. */
  line: number;
}

export interface IniDocument {
  entries: IniEntry[];
  /** Physical lines, without their line terminators, for writing a modified copy. */
  lines: string[];
  /** The section each line belongs to (null before the first header), by index into `lines`. */
  sectionOfLine: (string | null)[];
  /** Sections and keys unknown to the newest Rekkord source known, by line; Rekkord judges them. */
  unknown: UnknownName[];
}

export interface UnknownName {
  line: number;
  section: string;
  /** Null for an unknown section's header. */
  key: string | null;
  /** What the newest source knows instead. */
  known: readonly string[];
}

export class IniError extends Error {
  readonly file: string;
  readonly line: number;
  readonly reason: string;

  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'IniError';
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/** `[SSH]` and `[SFTP]` take the same keys. */
const REMOTE_SHELL_KEYS = [
  'Location',
  'Host',
  'Port',
  'User',
  'Path',
  'KnownHosts',
  'Fingerprint',
  'Password',
  'Key',
  'KeyFile',
];

/**
 * Sections and keys the newest Rekkord source known accepts (older builds differ: [Connect],
 * `[S3] PathMode`, `AccessID`); Rekkord refuses a file with any other.
 */
export const KNOWN_KEYS: Readonly<Record<string, readonly string[]>> = {
  Repository: ['URL', 'KeyFile'],
  Settings: ['Threads', 'CompressionLevel'],
  Protection: ['TestWrites', 'RetainDuration', 'DurationSafety'],
  // Called [Connect] by older builds; the newest source knows only [Link].
  Link: ['URL', 'ApiKey', 'CheckPeriod'],
  S3: [
    'Endpoint',
    'Location',
    'Host',
    'Port',
    'Region',
    'Bucket',
    'Prefix',
    'AccessKeyID',
    'KeyID',
    'SecretKey',
    'LockMode',
    'ChecksumType',
  ],
  SSH: REMOTE_SHELL_KEYS,
  SFTP: REMOTE_SHELL_KEYS,
  // The hook keys of the command table, pre then post of each command that has them.
  Hooks: COMMANDS.flatMap((c) => {
    const keys = commandSpec(c).hookKeys;
    return keys ? [keys.pre, keys.post] : [];
  }),
};

/** The keys a table gives a section: its own entry only, never one inherited from Object. */
export function knownKeys(
  table: Readonly<Record<string, readonly string[]>>,
  section: string,
): readonly string[] {
  return Object.hasOwn(table, section) ? (table[section] ?? []) : [];
}

/** Keys whose values are secrets, by section. */
export const SECRET_KEYS: Readonly<Record<string, readonly string[]>> = {
  // The key ID names the account: masked too, so that a log never pairs it with anything.
  S3: ['SecretKey', 'KeyID', 'AccessKeyID'],
  SSH: ['Password', 'Key'],
  SFTP: ['Password', 'Key'],
  Link: ['ApiKey'],
};

// Rekkord trims ASCII white space only: a byte-order mark or a no-break space stays in the line.
function trimAscii(s: string): string {
  return s.replace(/^[ \t\r\n\v\f]+|[ \t\r\n\v\f]+$/g, '');
}

/**
 * A section or key name for an error message, only when Rekkord knows it up to case (a typo worth
 * pointing at) or knew it (`[Connect]`, `[Agent]`). Any other "name" is text of the line, which may
 * be a pasted secret (`SecretKey: Zm9v…=` reads as the key `SecretKey: Zm9v…`): not repeated.
 */
/** A name of letters, digits and `_`: safe to repeat in a message, unlike `SecretKey: Zm9v…`. */
export function isPlainName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

function knownName(name: string, known: readonly string[], shown: (n: string) => string): string {
  return known.some((k) => k.toLowerCase() === name.toLowerCase()) ? ` ${shown(name)}` : '';
}

export function parseRekkordIni(text: string, file: string): IniDocument {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const entries: IniEntry[] = [];
  const unknown: UnknownName[] = [];
  const sectionOfLine: (string | null)[] = [];
  let section: string | null = null;

  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = trimAscii(raw);
    const fail: (reason: string) => never = (reason) => {
      throw new IniError(file, lineNo, reason);
    };

    if (line === '' || line.startsWith(';') || line.startsWith('#')) {
      sectionOfLine.push(section);
      return;
    }
    if (line.startsWith('[')) {
      if (!line.endsWith(']')) fail("a line starting with '[' does not end with ']'");
      const name = trimAscii(line.slice(1, -1));
      if (name === '') fail('empty section name "[]"');
      // Own keys only: `[constructor]` or `[__proto__]` is an unknown section, not Object's.
      if (!Object.hasOwn(KNOWN_KEYS, name)) {
        // A [hooks] is a [Hooks] mistyped: its folders would silently not run.
        if (name.toLowerCase() === 'hooks') {
          fail(`unknown section [${name}] (names are case-sensitive: [Hooks])`);
        }
        unknown.push({ line: lineNo, section: name, key: null, known: Object.keys(KNOWN_KEYS) });
      }
      section = name;
      sectionOfLine.push(section);
      return;
    }

    const eq = line.indexOf('=');
    if (eq < 0) {
      const bom = line.startsWith('\uFEFF')
        ? ' (the file starts with a byte-order mark, which Rekkord does not skip)'
        : '';
      fail(`expected "key = value", a [Section] or a comment${bom}`);
    }
    const key = trimAscii(line.slice(0, eq));
    const value = trimAscii(line.slice(eq + 1));
    if (key === '') fail("missing key name before '='");
    if (section === null) {
      fail(
        `key${knownName(key, Object.values(KNOWN_KEYS).flat(), JSON.stringify)} comes before any [Section]`,
      );
    }
    const known = Object.hasOwn(KNOWN_KEYS, section) ? knownKeys(KNOWN_KEYS, section) : null;
    if (known && !known.includes(key)) {
      // [Hooks] is read by the action itself: a folder it does not know could not run as Rekkord would.
      if (section === 'Hooks') {
        fail(
          `unknown key${knownName(key, known, JSON.stringify)} in [Hooks] (the action knows ${known.join(', ')}; names are case-sensitive)`,
        );
      }
      unknown.push({ line: lineNo, section, key, known });
    }
    entries.push({ section, key, value, line: lineNo });
    sectionOfLine.push(section);
  });

  return { entries, lines, sectionOfLine, unknown };
}

/** The value Rekkord uses for a key: the last occurrence wins. */
export function lastEntry(doc: IniDocument, section: string, key: string): IniEntry | undefined {
  let found: IniEntry | undefined;
  for (const e of doc.entries) if (e.section === section && e.key === key) found = e;
  return found;
}

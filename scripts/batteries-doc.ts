/**
 * The README's batteries tables, generated from the structured header of each script in
 * batteries/, so that the documentation cannot drift from the scripts:
 *
 *   # battery: postgresql-dump          the file's own name
 *   # phase: save pre                   OPERATION STATE, as a hooks-dir hook is called
 *   # does: one paragraph
 *   # env: NAME=default: meaning        repeated; NAME: meaning when there is no default;
 *   # env: PGHOST, PGPORT, ...: meaning a tool's own variables, listed together
 *
 * `npm run docs` writes it into the README with the other tables; `npm run docs:check` checks it.
 * Node runs this file as it is (type stripping), so it uses erasable TypeScript only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { table } from './markdown.js';

export const BATTERIES_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'batteries',
);

interface BatteryVariable {
  names: string;
  default: string | null;
  description: string;
}

interface Battery {
  name: string;
  /** `save pre`, `save post` or `restore post`. */
  phase: string;
  does: string;
  env: BatteryVariable[];
}

/** Where each phase's battery goes. */
const PHASES: Readonly<Record<string, string>> = {
  'save pre': 'pre-save (`PreSaveDirectory`)',
  'save post': 'post-save (`PostSaveDirectory`)',
  'restore post': 'post-restore (the action, `hooks-dir`, or by hand)',
};

function parseBattery(file: string): Battery {
  const name = path.basename(file);
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines[0] !== '#!/bin/sh') throw new Error(`${name}: the first line must be #!/bin/sh`);
  const fields: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const m = /^# (battery|phase|does|env): (.+)$/.exec(line);
    if (!m) break;
    fields.push([m[1] ?? '', m[2] ?? '']);
  }
  const one = (key: string): string => {
    const values = fields.filter(([k]) => k === key).map(([, v]) => v);
    if (values.length !== 1 || !values[0]) {
      throw new Error(`${name}: the header needs exactly one "# ${key}:" line`);
    }
    return values[0];
  };
  const battery = one('battery');
  if (battery !== name) throw new Error(`${name}: the header names it ${battery}`);
  const phase = one('phase');
  if (!(phase in PHASES)) throw new Error(`${name}: unknown phase ${phase}`);
  const env = fields
    .filter(([k]) => k === 'env')
    .map(([, v]) => {
      const m = /^([A-Z][A-Z0-9_]*(?:, (?:[A-Z][A-Z0-9_]*|\.\.\.))*)(?:=([^:]*))?: (.+)$/.exec(v);
      if (!m) throw new Error(`${name}: cannot read "# env: ${v}"`);
      return { names: m[1] ?? '', default: m[2] ?? null, description: m[3] ?? '' };
    });
  return { name, phase, does: one('does'), env };
}

export function readBatteries(dir = BATTERIES_DIR): Battery[] {
  return readdirSync(dir)
    .sort()
    .map((n) => parseBattery(path.join(dir, n)));
}

/** Two tables: the batteries, then every variable once with the batteries that read it. */
export function batteriesMarkdown(dir = BATTERIES_DIR): string {
  const batteries = readBatteries(dir);
  const list = table(
    ['Battery', 'Phase', 'What it does'],
    batteries.map((b) => [`\`${b.name}\``, PHASES[b.phase] ?? b.phase, b.does]),
  );
  const variables = new Map<string, BatteryVariable & { batteries: string[] }>();
  for (const b of batteries) {
    for (const v of b.env) {
      const seen = variables.get(v.names);
      if (seen) {
        seen.batteries.push(b.name);
        // The fullest description, usually the one of the battery that writes what it names.
        if (v.description.length > seen.description.length) seen.description = v.description;
      } else variables.set(v.names, { ...v, batteries: [b.name] });
    }
  }
  const env = table(
    ['Variable', 'Default', 'Read by', 'Meaning'],
    [...variables.values()]
      .sort((a, b) => (a.names < b.names ? -1 : 1))
      .map((v) => [
        v.names
          .split(', ')
          .map((n) => (n === '...' ? n : `\`${n}\``))
          .join(', '),
        v.default ? `\`${v.default}\`` : '',
        v.batteries.map((b) => `\`${b}\``).join(', '),
        v.description,
      ]),
  );
  return `${list}\n\n${env}`;
}

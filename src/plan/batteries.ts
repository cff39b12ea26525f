/**
 * The batteries (batteries/ beside the bundles): which scripts there are, the phase each runs in
 * (its header's `# phase:` line, checked by a test), and the order they run in when the
 * `batteries` input enables them. The table is outermost first: a pre phase runs it top down
 * (heartbeat, then services, then dumps), a post phase bottom up (cleanups, then services, then
 * heartbeat), so that what a battery sets up is there for everything inside it.
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PhaseName } from './types.js';

export const BATTERY_TABLE = [
  { name: 'heartbeat-start', family: 'heartbeat', phase: 'pre-save' },
  { name: 'heartbeat-end', family: 'heartbeat', phase: 'post-save' },
  { name: 'services-stop', family: 'services', phase: 'pre-save' },
  { name: 'services-start', family: 'services', phase: 'post-save' },
  { name: 'postgresql-dump', family: 'postgresql', phase: 'pre-save' },
  { name: 'postgresql-cleanup', family: 'postgresql', phase: 'post-save' },
  { name: 'postgresql-drill', family: 'postgresql', phase: 'post-restore' },
  { name: 'mariadb-dump', family: 'mariadb', phase: 'pre-save' },
  { name: 'mariadb-cleanup', family: 'mariadb', phase: 'post-save' },
  { name: 'mariadb-drill', family: 'mariadb', phase: 'post-restore' },
  { name: 'sqlite-backup', family: 'sqlite', phase: 'pre-save' },
  { name: 'sqlite-cleanup', family: 'sqlite', phase: 'post-save' },
  { name: 'sqlite-drill', family: 'sqlite', phase: 'post-restore' },
] as const satisfies readonly { name: string; family: string; phase: PhaseName }[];

export type BatteryName = (typeof BATTERY_TABLE)[number]['name'];

const BATTERY_FAMILIES = [...new Set(BATTERY_TABLE.map((b) => b.family))];

/**
 * The batteries a list of names enables (a family name enables all its scripts), in table order;
 * an error message for the first unknown name.
 */
export function expandBatteries(
  names: readonly string[],
): { batteries: BatteryName[] } | { error: string } {
  const wanted = new Set<string>();
  for (const name of names) {
    const family = BATTERY_TABLE.filter((b) => b.family === name);
    const one = BATTERY_TABLE.filter((b) => b.name === name);
    if (family.length === 0 && one.length === 0) {
      return {
        error: `'${name}' is no battery; expected a family (${BATTERY_FAMILIES.join(', ')}) or a script (${BATTERY_TABLE.map((b) => b.name).join(', ')})`,
      };
    }
    for (const b of [...family, ...one]) wanted.add(b.name);
  }
  return { batteries: BATTERY_TABLE.filter((b) => wanted.has(b.name)).map((b) => b.name) };
}

/** The enabled batteries of one phase, in the order they run. */
export function phaseBatteries(enabled: readonly string[], phase: PhaseName): BatteryName[] {
  const names = BATTERY_TABLE.filter((b) => b.phase === phase && enabled.includes(b.name)).map(
    (b) => b.name,
  );
  return phase.startsWith('pre-') ? names : names.reverse();
}

/**
 * The batteries folder that ships with the code at `moduleUrl`: the nearest `batteries/` with the
 * scripts in it, from the module's folder up three levels. That covers the action's bundles
 * (`dist/index.js`, `dist/post/index.js` in the action's checkout), the command line's
 * (`dist/cli/index.js` in the npm package) and the sources (`src/plan/`). Links are resolved
 * first: npm starts the command line through a link in `node_modules/.bin`.
 */
export function findBatteriesFolder(moduleUrl: string): string | null {
  let dir: string;
  try {
    dir = path.dirname(realpathSync(fileURLToPath(moduleUrl)));
  } catch {
    return null;
  }
  for (let level = 0; level <= 3; level++) {
    const candidate = path.join(dir, 'batteries');
    if (existsSync(path.join(candidate, BATTERY_TABLE[0].name))) return candidate;
    dir = path.dirname(dir);
  }
  return null;
}

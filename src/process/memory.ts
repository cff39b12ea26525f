/**
 * Keeps the memory of relaying output flat. Every chunk read from a child is a new Buffer outside
 * the V8 heap, and V8 only collects them once about 64 MiB of them pile up: a hook printing
 * gigabytes would keep the action's resident memory 60+ MiB above its base. A young-generation
 * collection every few MiB of output frees them early, for a negligible cost.
 */

const EVERY_BYTES = 4 * 1024 * 1024;

type Collect = (options: { type: 'minor' }) => void;

/** Loaded only when output reaches EVERY_BYTES: `node:v8` is not cheap to load at every start. */
function exposeGc(): Collect | null {
  try {
    const v8 = process.getBuiltinModule('node:v8');
    const vm = process.getBuiltinModule('node:vm');
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    return typeof gc === 'function' ? (gc as Collect) : null;
  } catch {
    return null;
  }
}

let collect: Collect | null | undefined;
let sinceLast = 0;

/** Counts relayed bytes and collects the young generation every EVERY_BYTES. */
export function relayed(bytes: number): void {
  sinceLast += bytes;
  if (sinceLast < EVERY_BYTES) return;
  sinceLast = 0;
  if (collect === undefined) collect = exposeGc();
  collect?.({ type: 'minor' });
}

/**
 * The variables a hook gets beyond the runner's environment: one table, which sets them and which
 * the README's hook environment table is generated from, so the two cannot drift.
 */
import type { Command } from '../plan/commands.js';
import type { PhaseName, Stage } from '../plan/types.js';

/** What a hook learns from its environment, beyond the runner's own variables. */
export interface HookContext {
  command: Command;
  stage: Stage;
  phase: PhaseName;
  configPath: string | null;
  channel: string | null;
  snapshot: string | null;
  destination: string | null;
  /** Set by validate's rehearsal: nothing real is backed up, the hook should change nothing. */
  rehearsal?: boolean;
  /** Post phases only: whether the command succeeded and no hook has failed so far. */
  success: boolean;
  /** Post phases only: Rekkord's exit code, null when it did not run. */
  exitCode: number | null;
  oid: string | null;
  /** Post phases only: the session was cancelled (or the main step was killed). */
  cancelled: boolean;
}

interface HookVariable {
  /** The phases that get it; in the others it is removed, even when the runner has it. */
  stages: readonly Stage[];
  /** For the README. */
  description: string;
  /** Its value; undefined removes it. */
  value(ctx: HookContext): string | undefined;
}

const BOTH: readonly Stage[] = ['pre', 'post'];
const POST: readonly Stage[] = ['post'];

export const HOOK_VARIABLES: Readonly<Record<string, HookVariable>> = {
  SUCCESS: {
    stages: POST,
    description:
      '`1` when Rekkord succeeded and no hook has failed so far, else `0`. Not set for pre hooks (even when the runner has it).',
    value: (ctx) => (ctx.success ? '1' : '0'),
  },
  REKKORD_HOOK_COMMAND: {
    stages: BOTH,
    description: '`save`, `scan` or `restore`.',
    value: (ctx) => ctx.command,
  },
  REKKORD_HOOK_PHASE: { stages: BOTH, description: '`pre` or `post`.', value: (ctx) => ctx.stage },
  REKKORD_HOOK_CONFIG: {
    stages: BOTH,
    description: 'Absolute path of the Rekkord config (the original, never a copy), or empty.',
    value: (ctx) => ctx.configPath ?? '',
  },
  REKKORD_HOOK_CHANNEL: {
    stages: BOTH,
    description: 'The snapshot channel of a save, else empty (and for `save --no_snapshot`).',
    value: (ctx) => ctx.channel ?? '',
  },
  REKKORD_HOOK_SNAPSHOT: {
    stages: BOTH,
    description: 'The snapshot of a restore (OID or channel), else empty.',
    value: (ctx) => ctx.snapshot ?? '',
  },
  REKKORD_HOOK_DESTINATION: {
    stages: BOTH,
    description: 'The destination folder of a restore, else empty.',
    value: (ctx) => ctx.destination ?? '',
  },
  REKKORD_HOOK_REHEARSAL: {
    stages: BOTH,
    description: "`1` in validate's rehearsal (`exercise: true`): change nothing. Else unset.",
    value: (ctx) => (ctx.rehearsal ? '1' : undefined),
  },
  REKKORD_HOOK_OID: {
    stages: POST,
    description:
      'The OID the save printed (the snapshot, or the object of `save --no_snapshot`), even when Rekkord failed after writing it; else empty.',
    value: (ctx) => ctx.oid ?? '',
  },
  REKKORD_HOOK_EXIT_CODE: {
    stages: POST,
    description: "Rekkord's exit code, or empty when it did not run.",
    value: (ctx) => (ctx.exitCode === null ? '' : String(ctx.exitCode)),
  },
  REKKORD_HOOK_CANCELLED: {
    stages: POST,
    description:
      '`1` when the run was cancelled (or the main step was killed and the post step runs the post hooks), else `0`.',
    value: (ctx) => (ctx.cancelled ? '1' : '0'),
  },
};

export function hookEnvironment(
  base: Readonly<Record<string, string | undefined>>,
  ctx: HookContext,
): Record<string, string | undefined> {
  // None is inherited: a SUCCESS or REKKORD_HOOK_* of the runner must not mislead a hook.
  const env = Object.fromEntries(
    Object.entries(base).filter(([name]) => !(name in HOOK_VARIABLES)),
  );
  for (const [name, variable] of Object.entries(HOOK_VARIABLES)) {
    const value = variable.stages.includes(ctx.stage) ? variable.value(ctx) : undefined;
    if (value !== undefined) env[name] = value;
  }
  return env;
}

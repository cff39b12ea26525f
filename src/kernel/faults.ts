/**
 * The fault-injection seam: `REKKORD_HOOKS_FAULTS=spawn,summary` makes those operations throw, as
 * a full disk or a kernel refusal would, so the tests can check that every failure path keeps
 * the action's promises (post hooks run, the error shown, a non-zero exit). `point:subject` makes
 * only that subject fail (`spawn:20-dump` a hook by name, `spawn:rekkord` the Rekkord step), so
 * a test can break one step and see the others still run. Unset, it does nothing.
 */
export const FAULT_POINTS = [
  'config-copy',
  'listing',
  'spawn',
  'probe',
  'state',
  'outputs',
  'summary',
] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

export const FAULTS_VARIABLE = 'REKKORD_HOOKS_FAULTS';

export function checkpoint(point: FaultPoint, subject?: string): void {
  const faults = process.env[FAULTS_VARIABLE];
  if (!faults) return;
  const hit = faults
    .split(',')
    .some((f) => f === point || (subject !== undefined && f === `${point}:${subject}`));
  if (!hit) return;
  const what = subject === undefined ? point : `${point} (${subject})`;
  throw Object.assign(new Error(`injected fault: ${what}`), { code: 'EFAULT' });
}

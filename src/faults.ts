/**
 * The fault-injection seam: `REKKORD_HOOKS_FAULTS=spawn,summary` makes those operations throw, as
 * a full disk or a kernel refusal would, so the tests can check that every failure path keeps
 * the action's promises (post hooks run, the error shown, a non-zero exit). `point:name` makes only
 * the one named operation fail (`spawn:rekkord`, `spawn:20-stop`, `listing:post`, `state:pgid`).
 * Unset, it does nothing.
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

export function checkpoint(point: FaultPoint, name = ''): void {
  const faults = process.env[FAULTS_VARIABLE];
  if (!faults) return;
  const hit = faults
    .split(',')
    .some((f) => f === point || (name !== '' && f === `${point}:${name}`));
  if (hit) throw Object.assign(new Error(`injected fault: ${point}`), { code: 'EFAULT' });
}

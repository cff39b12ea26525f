/**
 * The fault-injection seam: `REKKORD_HOOKS_FAULTS=spawn,summary` makes those operations throw, as
 * a full disk or a kernel refusal would, so the tests can check that every failure path keeps
 * the action's promises (post hooks run, the error shown, a non-zero exit). Unset, it does nothing.
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

export function checkpoint(point: FaultPoint): void {
  const faults = process.env[FAULTS_VARIABLE];
  if (!faults || !faults.split(',').includes(point)) return;
  throw Object.assign(new Error(`injected fault: ${point}`), { code: 'EFAULT' });
}

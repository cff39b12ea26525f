/**
 * What the main step leaves for the post step (the runner's GITHUB_STATE, read back as STATE_*
 * variables): the keys, typed writers, and the one checked reader. The post step runs what the
 * main step still owed, and nothing else: it never re-runs a finished phase, and it runs nothing
 * from a state that is not the one this run's main step wrote.
 */
import { randomUUID } from 'node:crypto';
import { leftForPostStep } from '../engine/outcome.js';
import type { SessionObserver } from '../engine/observer.js';
import type { HookResult, PhaseReport } from '../engine/results.js';
import type { HookListing } from '../plan/discovery.js';
import type { Stage as PhaseStage } from '../plan/types.js';
import { processStartTime } from '../process/process-group.js';

/** Where the state lives; the action passes `core.saveState`/`core.getState`. */
export interface StateStore {
  save(name: string, value: string): void;
  get(name: string): string;
  /**
   * Empties what this step saved so far, so that `end` writes the whole state alone: nothing a
   * hook appended (an unterminated `name<<DELIMITER` block that would swallow the lines after it)
   * survives the main step's end.
   */
  reset?(): void;
}

/** The keys; the last value saved under a key wins. */
export const STATE_KEYS = {
  /** Set first by the main step to this run's token: only the post step sees it. */
  isPost: 'isPost',
  /** The same token again, written last by the main step. */
  token: 'token',
  /** `pre` once the pre phase started (post hooks are owed), `post`, then `done`. */
  stage: 'stage',
  /** How many post hooks finished, and their paths as `post-done-1`, `post-done-2`, ... */
  postDoneCount: 'post-done-count',
  postDone: 'post-done-',
  /**
   * Process group of the running hook or Rekkord as `<pgid>:<leader's start time>`, empty when
   * none runs: the post step signals it only when its leader is still that process.
   */
  pgid: 'pgid',
  /** JSON {exitCode, oid} of the Rekkord step, for the post hooks' environment. */
  step: 'step',
} as const;

export type Stage = 'pre' | 'post' | 'done';

/** The main step's writer: one per run, every value tagged by this run's token. */
export class StateWriter {
  private readonly token = randomUUID();
  private postDone = 0;
  /** Every value saved, to save again last; a key never saved is saved empty. */
  private readonly saved = new Map<string, string>([
    [STATE_KEYS.stage, ''],
    [STATE_KEYS.pgid, ''],
    [STATE_KEYS.postDoneCount, '0'],
    [STATE_KEYS.step, ''],
  ]);

  constructor(private readonly store: StateStore) {}

  private save(name: string, value: string): void {
    this.saved.set(name, value);
    this.store.save(name, value);
  }

  /** First thing the main step does: from now on the post step knows it is the post step. */
  begin(): void {
    this.store.save(STATE_KEYS.isPost, this.token);
    this.store.save(STATE_KEYS.token, this.token);
  }

  stage(stage: Stage): void {
    this.save(STATE_KEYS.stage, stage);
  }

  processGroup(pgid: number | null): void {
    const startTime = pgid === null ? null : processStartTime(pgid);
    // Without the leader's start time the group cannot be proven later: record none.
    this.save(STATE_KEYS.pgid, pgid === null || startTime === null ? '' : `${pgid}:${startTime}`);
  }

  postHookDone(hookPath: string): void {
    this.postDone += 1;
    this.save(`${STATE_KEYS.postDone}${this.postDone}`, hookPath);
    this.save(STATE_KEYS.postDoneCount, String(this.postDone));
  }

  step(exitCode: number | null, oid: string | null): void {
    this.save(STATE_KEYS.step, JSON.stringify({ exitCode, oid }));
  }

  /**
   * Last thing the main step does: every value of its own again, after anything a hook allowed
   * workflow commands may have written to GITHUB_STATE (the last value of a key wins).
   */
  end(): void {
    this.store.reset?.();
    for (const [name, value] of this.saved) this.store.save(name, value);
    this.store.save(STATE_KEYS.isPost, this.token);
    this.store.save(STATE_KEYS.token, this.token);
  }
}

/** What the post step learns of the main step. */
export interface SavedState {
  stage: Stage | null;
  /** Process group the killed main step left running, with its leader's start time, or null. */
  group: { pgid: number; startTime: string } | null;
  /** A saved process group that is not one the main step records (a forgery), as written. */
  unprovenGroup: string | null;
  postDone: ReadonlySet<string>;
  step: { exitCode: number | null; oid: string | null };
}

export class StateError extends Error {
  override name = 'StateError';
}

const STAGES: readonly string[] = ['pre', 'post', 'done'];

/** Reads and checks the state; a StateError when it is not the one the main step wrote. */
export function readState(store: StateStore): SavedState {
  const token = store.get(STATE_KEYS.token);
  if (!/^[0-9a-f-]{36}$/.test(token) || store.get(STATE_KEYS.isPost) !== token) {
    throw new StateError(
      "the saved state is not the one this run's main step wrote (its token does not match): something else wrote to GITHUB_STATE",
    );
  }
  const stageText = store.get(STATE_KEYS.stage);
  if (stageText !== '' && !STAGES.includes(stageText)) {
    throw new StateError(`the saved state has an unknown stage '${stageText}'`);
  }
  const pgidText = store.get(STATE_KEYS.pgid);
  // A group id of 0 or 1 would signal this process's own group or every process: never.
  const group = /^([1-9]\d*):(\d+)$/.exec(pgidText);
  const pgid =
    group && Number(group[1]) > 1 ? { pgid: Number(group[1]), startTime: group[2] ?? '' } : null;
  const count = Number(store.get(STATE_KEYS.postDoneCount) || '0');
  const postDone = new Set<string>();
  for (let i = 1; Number.isSafeInteger(count) && i <= count; i++) {
    postDone.add(store.get(`${STATE_KEYS.postDone}${i}`));
  }
  let parsed: Partial<SavedState['step']>;
  try {
    parsed = JSON.parse(store.get(STATE_KEYS.step) || '{}') as Partial<SavedState['step']>;
  } catch {
    throw new StateError('the saved state of the Rekkord step is not valid JSON');
  }
  const step = {
    exitCode: typeof parsed.exitCode === 'number' ? parsed.exitCode : null,
    oid: typeof parsed.oid === 'string' ? parsed.oid : null,
  };
  // Shown to the user: only characters that cannot form a workflow command.
  const unprovenGroup =
    pgidText !== '' && !pgid ? pgidText.slice(0, 40).replace(/[^\w.:-]/g, '?') : null;
  return { stage: (stageText || null) as Stage | null, group: pgid, unprovenGroup, postDone, step };
}

/**
 * The post step's ledger: an observer next to the reporter that records in the state what the
 * main step has begun and what it still owes.
 */
export class StateLedger implements SessionObserver {
  constructor(private readonly state: StateWriter) {}

  phaseStart(_phase: string, _dirs: string[], _listing: HookListing, stage?: PhaseStage): void {
    if (stage) this.state.stage(stage);
  }

  hookStart(): void {
    // Recorded when it ends.
  }

  output(): undefined {
    return undefined;
  }

  processGroup(pgid: number | null): void {
    this.state.processGroup(pgid);
  }

  hookEnd(result: HookResult): void {
    if (result.phase.startsWith('post-') && !leftForPostStep(result)) {
      this.state.postHookDone(result.path);
    }
  }

  stepStart(): void {
    // Recorded when it ends.
  }

  stepEnd(result: { exitCode: number | null; oid: string | null }): void {
    this.state.step(result.exitCode, result.oid);
  }

  phaseEnd(report: PhaseReport): void {
    if (report.phase.startsWith('post-') && !report.hooks.some(leftForPostStep)) {
      this.state.stage('done');
    }
  }
}

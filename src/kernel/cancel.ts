/**
 * Cancellation of a session: the edge calls `cancel` on SIGINT or SIGTERM; the running child gets
 * the signal, nothing new starts but the post hooks, and those must end within the runner's grace.
 */

/** The runner sends SIGTERM 7.5 s after SIGINT: everything must be done well before. */
export const CANCEL_BUDGET_MS = 6000;
/** How long an interrupted child (Rekkord needs 2 s to stop its own children) gets before SIGKILL. */
export const CANCEL_KILL_GRACE_MS = 2500;

export class Cancellation {
  signal: NodeJS.Signals | null = null;
  private at = 0;
  private readonly listeners = new Set<(signal: NodeJS.Signals) => void>();
  private readonly expiryListeners = new Set<() => void>();
  /** Set once `expire` ended the budget early: why, for the hooks it keeps from running. */
  expiredBy: string | null = null;

  /**
   * `budgetMs`: how long the post hooks may run after the cancel. The action keeps the runner's
   * grace (CANCEL_BUDGET_MS); the command line has no runner behind it and passes Infinity, so
   * only `expire` (a third signal) or `--hook-timeout` ends a post hook.
   */
  constructor(private readonly budgetMs = CANCEL_BUDGET_MS) {}

  get cancelled(): boolean {
    return this.signal !== null;
  }

  /** Returns false when the session was already cancelled. */
  cancel(signal: NodeJS.Signals): boolean {
    if (this.signal) return false;
    this.signal = signal;
    this.at = performance.now();
    for (const listener of this.listeners) listener(signal);
    return true;
  }

  /** Calls `listener` on cancel (at once if already cancelled); returns the unsubscribe. */
  onCancel(listener: (signal: NodeJS.Signals) => void): () => void {
    if (this.signal) {
      listener(this.signal);
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ends the budget now: running post hooks are stopped, the rest do not start. */
  expire(reason: string): void {
    if (this.expiredBy !== null) return;
    this.expiredBy = reason;
    for (const listener of this.expiryListeners) listener();
  }

  /** Calls `listener` when `expire` ends the budget early; returns the unsubscribe. */
  onExpire(listener: () => void): () => void {
    if (this.expiredBy !== null) {
      listener();
      return () => undefined;
    }
    this.expiryListeners.add(listener);
    return () => this.expiryListeners.delete(listener);
  }

  /** Milliseconds left of the cancel budget; Infinity when not cancelled. */
  remainingMs(): number {
    if (this.expiredBy !== null) return 0;
    return this.signal ? Math.max(0, this.at + this.budgetMs - performance.now()) : Infinity;
  }
}

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

  /** Milliseconds left of the cancel budget; Infinity when not cancelled. */
  remainingMs(): number {
    return this.signal ? Math.max(0, this.at + CANCEL_BUDGET_MS - performance.now()) : Infinity;
  }
}

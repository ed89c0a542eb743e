/**
 * Lets one occurrence through per interval and counts the ones it holds back, so something
 * that can happen thousands of times a second (a refusal under overload) leaves a bounded
 * number of audit events that still say how many there were.
 */
export class OnePerInterval {
  private last = -Infinity;
  private heldBack = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether this one is let through; when not, it is counted for `drain`. */
  take(): boolean {
    const now = this.now();
    if (now - this.last < this.intervalMs) {
      this.heldBack++;
      return false;
    }
    this.last = now;
    return true;
  }

  /** How many were held back since the last `drain`. */
  drain(): number {
    const heldBack = this.heldBack;
    this.heldBack = 0;
    return heldBack;
  }
}

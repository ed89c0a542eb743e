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

  /** How many were held back since the last one let through; undefined holds this one back. */
  take(): number | undefined {
    const now = this.now();
    if (now - this.last < this.intervalMs) {
      this.heldBack++;
      return undefined;
    }
    this.last = now;
    const heldBack = this.heldBack;
    this.heldBack = 0;
    return heldBack;
  }
}

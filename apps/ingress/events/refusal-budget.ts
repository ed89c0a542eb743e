/** One kind of refusal from one source address, as counted in a window. */
export interface RefusalCount {
  /** The caller's address; undefined for the refusals of addresses past `maxKeys`, together. */
  clientIp?: string;
  code: string;
  status: number;
  /** Refusals of this kind whose own event was not written. */
  heldBack: number;
}

/**
 * How many refusals of callers without a verified identity get an audit event of their own.
 * Anyone can send those, as fast as the gateway answers: one event each would let a caller
 * without credentials write to Kafka and OpenSearch at that rate. In each window, every
 * (address, code) gets its first `perKey` events and all of them together at most `total`;
 * the rest are counted, and `drain` returns those counts for one summary event each. At most
 * `maxKeys` pairs are tracked a window; refusals past them are counted per code only.
 */
export class RefusalBudget {
  private counts = new Map<string, RefusalCount & { seen: number }>();
  private written = 0;

  constructor(
    private readonly perKey: number,
    private readonly total: number,
    private readonly maxKeys: number,
  ) {}

  /** Whether this refusal's own event is written; when not, it is counted for `drain`. */
  admit(clientIp: string | undefined, code: string, status: number): boolean {
    let key = `${code} ${clientIp ?? ''}`;
    let entry = this.counts.get(key);
    if (entry === undefined && this.counts.size >= this.maxKeys) {
      key = `${code} *`;
      entry = this.counts.get(key);
      clientIp = undefined;
    }
    if (entry === undefined) {
      entry = { clientIp, code, status, heldBack: 0, seen: 0 };
      this.counts.set(key, entry);
    }
    entry.seen++;
    if (clientIp !== undefined && entry.seen <= this.perKey && this.written < this.total) {
      this.written++;
      return true;
    }
    entry.heldBack++;
    return false;
  }

  /** Ends the window: each kind of refusal with events held back, and how many. */
  drain(): RefusalCount[] {
    const held = [...this.counts.values()]
      .filter((e) => e.heldBack > 0)
      .map(({ clientIp, code, status, heldBack }) => ({ clientIp, code, status, heldBack }));
    this.counts = new Map();
    this.written = 0;
    return held;
  }
}

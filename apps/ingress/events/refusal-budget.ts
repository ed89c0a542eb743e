import { isIPv4 } from 'node:net';

/** One kind of refusal from one source, as counted in a window. */
export interface RefusalCount {
  /**
   * The source: an IPv4 address, an IPv6 caller's /64 network (`2001:db8:1:2::/64`), or
   * undefined for the refusals of sources past `maxKeys`, together.
   */
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
 * (source, code, status) gets its first `perKey` events and all of them together at most `total`;
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
    let source = clientIp === undefined ? undefined : sourceOf(clientIp);
    let key = `${code} ${status} ${source ?? ''}`;
    let entry = this.counts.get(key);
    if (entry === undefined && this.counts.size >= this.maxKeys) {
      key = `${code} ${status} *`;
      entry = this.counts.get(key);
      source = undefined;
    }
    if (entry === undefined) {
      entry = { clientIp: source, code, status, heldBack: 0, seen: 0 };
      this.counts.set(key, entry);
    }
    entry.seen++;
    if (source !== undefined && entry.seen <= this.perKey && this.written < this.total) {
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

/**
 * What a budget is kept for: an IPv4 address, or an IPv6 address's /64 network, which one
 * subscriber usually holds whole (RFC 6177): a caller cycling through its addresses would
 * otherwise get a budget for each.
 */
export function sourceOf(ip: string): string {
  if (!ip.includes(':')) return ip;
  const [head, tail] = ip.split('::', 2) as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  // An IPv4 tail (`::1.2.3.4`) is two groups, both past the /64 prefix.
  const width = right.length + (right.at(-1)?.includes('.') ? 1 : 0);
  const all =
    tail === undefined
      ? left
      : [...left, ...new Array<string>(Math.max(0, 8 - left.length - width)).fill('0'), ...right];
  const prefix = all.slice(0, 4).map((g) => (Number.parseInt(g, 16) || 0).toString(16));
  return `${prefix.join(':')}::/64`;
}

/**
 * An IPv4 caller's address as written everywhere else (`203.0.113.7`): a listener on `::`
 * sees it as `::ffff:203.0.113.7`, which a search for the plain address would not find.
 */
export function plainAddress(ip: string | undefined): string | undefined {
  const mapped = ip?.toLowerCase().startsWith('::ffff:') ? ip.slice(7) : undefined;
  return mapped !== undefined && isIPv4(mapped) ? mapped : ip;
}

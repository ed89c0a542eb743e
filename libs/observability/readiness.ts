/** Readiness checks that modules register for their real dependencies. */
export type ReadinessCheck = () => Promise<void>;

/**
 * A check's own reason for not being ready, written for anyone who may read `/readyz`
 * ("no policy bundle yet"). Any other error a check throws (a client's connection error
 * names internal hosts and ports) is shown there only as `unavailable`; `run` keeps its
 * message for the log.
 */
export class NotReady extends Error {}

export interface ReadinessResult {
  ok: boolean;
  /** Per check: `ok`, a NotReady reason, `timed out` or `unavailable`. */
  checks: Record<string, string>;
  /** Per failed check whose error is not a NotReady: the error's own message. */
  detail: Record<string, string>;
}

/** How long a `/readyz` answer is reused, so polling it cannot multiply dependency calls. */
export const READINESS_REUSE_MS = 1000;

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private draining = false;
  private latest?: { at: number; result: Promise<ReadinessResult> };

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** Called when shutdown starts, so load balancers stop sending traffic first. */
  startDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * The result of a run started at most READINESS_REUSE_MS ago (or still running), else of a
   * new one: callers polling `/readyz` at any rate cost the dependencies one run a second.
   * Draining shows at once.
   */
  async shared(now = Date.now()): Promise<ReadinessResult> {
    if (this.draining) return this.run();
    if (this.latest === undefined || now - this.latest.at >= READINESS_REUSE_MS)
      this.latest = { at: now, result: this.run() };
    return this.latest.result;
  }

  async run(timeoutMs = 2000): Promise<ReadinessResult> {
    const checks: Record<string, string> = {};
    const detail: Record<string, string> = {};
    if (this.draining) return { ok: false, checks: { shutdown: 'draining' }, detail };
    let ok = true;
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            check(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new NotReady('timed out')), timeoutMs);
            }),
          ]);
          checks[name] = 'ok';
        } catch (err) {
          ok = false;
          const message = err instanceof Error ? err.message : String(err);
          if (err instanceof NotReady) {
            checks[name] = message.slice(0, 200);
          } else {
            checks[name] = 'unavailable';
            detail[name] = message.slice(0, 500);
          }
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ok, checks, detail };
  }
}

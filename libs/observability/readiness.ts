/** Readiness checks that modules register for their real dependencies. */
export type ReadinessCheck = () => Promise<void>;

export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private draining = false;

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

  async run(timeoutMs = 2000): Promise<{ ok: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    if (this.draining) return { ok: false, checks: { shutdown: 'draining' } };
    let ok = true;
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            check(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
            }),
          ]);
          checks[name] = 'ok';
        } catch (err) {
          ok = false;
          checks[name] = (err as Error).message.slice(0, 200);
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ok, checks };
  }
}

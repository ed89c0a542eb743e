import { NotReady, READINESS_REUSE_MS, Readiness } from './readiness';

describe('Readiness', () => {
  it('shows a NotReady reason, and a client error only as unavailable with its detail apart', async () => {
    const readiness = new Readiness();
    readiness.register('policy-bundle', async () => {
      throw new NotReady('no policy bundle yet');
    });
    readiness.register('redis', async () => {
      throw new Error('connect ECONNREFUSED 10.20.30.40:6379');
    });
    readiness.register('kafka', async () => undefined);
    const result = await readiness.run();
    expect(result.ok).toBe(false);
    expect(result.checks).toEqual({
      'policy-bundle': 'no policy bundle yet',
      redis: 'unavailable',
      kafka: 'ok',
    });
    expect(JSON.stringify(result.checks)).not.toContain('10.20.30.40');
    expect(result.detail).toEqual({ redis: 'connect ECONNREFUSED 10.20.30.40:6379' });
  });

  it('reports a check that does not answer in time as timed out', async () => {
    const readiness = new Readiness();
    readiness.register('opensearch', () => new Promise<void>(() => undefined));
    expect((await readiness.run(20)).checks).toEqual({ opensearch: 'timed out' });
  });

  it('asks the dependencies once a second however often it is polled', async () => {
    const readiness = new Readiness();
    let calls = 0;
    readiness.register('kafka', async () => {
      calls++;
    });
    const t0 = 1_000_000;
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => readiness.shared(t0 + i)),
    );
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(calls).toBe(1);
    await readiness.shared(t0 + READINESS_REUSE_MS - 1);
    expect(calls).toBe(1);
    await readiness.shared(t0 + READINESS_REUSE_MS);
    expect(calls).toBe(2);
  });

  it('shows draining at once, whatever was reused', async () => {
    const readiness = new Readiness();
    readiness.register('kafka', async () => undefined);
    expect((await readiness.shared(5)).ok).toBe(true);
    readiness.startDraining();
    expect(await readiness.shared(6)).toMatchObject({
      ok: false,
      checks: { shutdown: 'draining' },
    });
  });
});

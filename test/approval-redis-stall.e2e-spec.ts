import {
  eventually,
  startApp,
  startPrivateRedis,
  type PrivateRedis,
  type RunningApp,
} from '@embargo/testing';
import { randomBytes } from 'node:crypto';

/**
 * The approval app when its Redis stalls (the process is stopped, not gone: the connection
 * stays open and nothing answers). The app gets a Redis server of its own, so stopping it
 * touches nothing else.
 */
describe('approval app: a stalled Redis', () => {
  let redis: PrivateRedis | undefined;
  let approval: RunningApp | undefined;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    approval = await startApp('approval', {
      LOG_LEVEL: 'info',
      KAFKA_GROUP_PREFIX: `${Date.now().toString(36)}${randomBytes(3).toString('hex')}.`,
      REDIS_URL: redis.url,
      SHUTDOWN_GRACE_MS: '2000',
    });
  }, 90_000);

  afterAll(async () => {
    redis?.process.kill('SIGCONT');
    await approval?.stop('SIGKILL');
    await redis?.kill();
  }, 30_000);

  it('reports not ready while Redis stalls, and still shuts down cleanly', async () => {
    const app = approval!;
    redis!.process.kill('SIGSTOP');
    await eventually(
      async () => ((await fetch(`${app.url}/readyz`)).status === 503 ? true : undefined),
      15_000,
      '/readyz to report Redis not answering',
    );

    // Redis is still stopped: a clean exit (0, "stopped") means shutdown did not wait on it
    // until the grace period ran out (exit 1, "shutdown grace period elapsed").
    const code = await app.stop('SIGTERM');
    expect(app.output()).not.toMatch(/shutdown grace period elapsed/);
    expect(code).toBe(0);
    expect(app.output()).toMatch(/"msg":"stopped"/);
  }, 60_000);
});

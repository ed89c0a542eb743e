import {
  eventually,
  startApp,
  startFaultProxy,
  TESTING_ENV,
  testKeyring,
  type FaultProxy,
  type RunningApp,
} from '@embargo/testing';
import { randomBytes, randomUUID } from 'node:crypto';

/**
 * The audit app when OpenSearch goes away or stalls: its own OpenSearch connection runs
 * through a proxy the test can cut or pause, so the shared OpenSearch is never touched.
 */
describe('audit app: OpenSearch away or stalled', () => {
  let proxy: FaultProxy;
  let audit: RunningApp;
  const token = randomBytes(24).toString('hex');
  const revealToken = randomBytes(24).toString('hex');
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const index = `embargo-events-test-outage-${runId}`;

  beforeAll(async () => {
    const target = new URL(TESTING_ENV.OPENSEARCH_URL);
    proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port || 9200) });
    audit = await startApp('audit', {
      LOG_LEVEL: 'warn',
      KAFKA_GROUP_PREFIX: `${runId}.`,
      OPENSEARCH_URL: proxy.url(),
      AUDIT_API_TOKEN: token,
      AUDIT_INDEX: index,
      AUDIT_REVEAL_TOKEN: revealToken,
      SEALING_KEYS: testKeyring(),
      MASKING_KEYS: testKeyring(),
    });
  }, 90_000);

  afterAll(async () => {
    await audit?.stop();
    await proxy?.stop();
    await fetch(`${TESTING_ENV.OPENSEARCH_URL}/${index}*`, { method: 'DELETE' }).catch(
      () => undefined,
    );
  }, 30_000);

  const search = () =>
    fetch(`${audit.url}/v1/audit/events?size=5`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const reveal = () =>
    fetch(`${audit.url}/v1/audit/reveal`, {
      method: 'POST',
      headers: { authorization: `Bearer ${revealToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ requestId: randomUUID(), reason: 'INC-1: outage test' }),
    });
  const ready = async () => (await fetch(`${audit.url}/readyz`)).status;
  const unavailable = async (res: Response) => {
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: unknown }).error).toMatchObject({
      code: 'audit_unavailable',
      message: expect.stringMatching(/try again/) as unknown,
    });
  };

  it('answers searches and reveals 503 while OpenSearch refuses connections, and serves again', async () => {
    expect((await search()).status).toBe(200);

    await proxy.cut();
    await unavailable(await search());
    await unavailable(await reveal());
    await eventually(
      async () => ((await ready()) === 503 ? true : undefined),
      10_000,
      '/readyz to report OpenSearch unavailable',
    );

    await proxy.restore();
    await eventually(
      async () => ((await search()).status === 200 ? true : undefined),
      30_000,
      'searches to be answered again',
    );
    expect((await reveal()).status).toBe(404);
    await eventually(
      async () => ((await ready()) === 200 ? true : undefined),
      30_000,
      '/readyz to report ready again',
    );
  }, 90_000);
});

import { eventTypeOf, type LifecycleEvent } from '@embargo/contracts';
import { KafkaService } from '@embargo/kafka';
import { Metrics, Readiness } from '@embargo/observability';
import {
  eventually,
  LOCAL_INFRA,
  sleep,
  startApp,
  startFaultProxy,
  TESTING_ENV,
  testKeyring,
  type FaultProxy,
  type RunningApp,
} from '@embargo/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import pino from 'pino';

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

  const identity = { name: 'outage-test', instance: runId };
  const kafka = new KafkaService(
    { clientId: `outage-test-${runId}`, brokers: LOCAL_INFRA.KAFKA_BROKERS.split(',') },
    pino({ level: 'silent' }),
    identity,
    new Readiness(),
    new Metrics('outage-test'),
  );

  beforeAll(async () => {
    await kafka.onModuleInit();
    const target = new URL(TESTING_ENV.OPENSEARCH_URL);
    proxy = await startFaultProxy({ host: target.hostname, port: Number(target.port || 9200) });
    audit = await startApp('audit', {
      LOG_LEVEL: 'warn',
      KAFKA_GROUP_PREFIX: `${runId}.`,
      OPENSEARCH_URL: proxy.url(),
      AUDIT_API_TOKEN: token,
      AUDIT_INDEX: index,
      AUDIT_SEARCH_TIMEOUT_MS: '1000',
      AUDIT_REVEAL_TOKEN: revealToken,
      SEALING_KEYS: testKeyring(),
      MASKING_KEYS: testKeyring(),
    });
  }, 90_000);

  afterAll(async () => {
    await audit?.stop();
    await proxy?.stop();
    await kafka.onApplicationShutdown();
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

  it('answers a reveal 503 while OpenSearch stalls, not with advice to narrow a search', async () => {
    proxy.pause();
    try {
      await unavailable(await reveal());
    } finally {
      await proxy.restore();
    }
    expect((await reveal()).status).toBe(404);
  }, 60_000);

  /** One lifecycle event of a request of its own, as the ingress writes it. */
  const publishEvent = async () => {
    const requestId = randomUUID();
    const event: LifecycleEvent = {
      requestId,
      instance: 'ingress-outage-test',
      stage: 'received',
      method: 'POST',
      path: '/v1/embeddings',
      byteSize: 10,
    };
    await kafka.publisher.publish('requestEvents', event, {
      key: requestId,
      type: eventTypeOf('received'),
      requestId,
    });
    return requestId;
  };
  const indexed = async (requestId: string) => {
    const res = await fetch(`${audit.url}/v1/audit/events?requestId=${requestId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) return undefined;
    const page = (await res.json()) as { data: unknown[] };
    return page.data.length > 0 ? true : undefined;
  };

  /** How often the indexer's consumer was started again after its group dropped it. */
  const indexerRestarts = async () => {
    const text = await (await fetch(`${audit.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith('embargo_kafka_consumer_restarts_total{') &&
          l.includes('topic="embargo.request-events.v1"'),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('stays in its group while OpenSearch stalls, and indexes what arrived once it answers', async () => {
    const before = await publishEvent();
    await eventually(() => indexed(before), 30_000, 'the first event to be indexed');

    // Longer than the consumer's 30 s session: a bulk request that waits on OpenSearch that
    // long, without a heartbeat, gets the indexer dropped from its group.
    proxy.pause();
    const during = await publishEvent();
    await sleep(45_000);
    await proxy.restore();

    await eventually(() => indexed(during), 60_000, 'the event sent during the stall');
    expect(audit.output()).not.toMatch(/consumer crashed/);
    expect(await indexerRestarts()).toBe(0);
  }, 180_000);
});

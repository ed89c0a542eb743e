import type { Metrics, Readiness } from '@embargo/observability';
import { KafkaJSProtocolError, type TopicMessages } from 'kafkajs';
import { createHash } from 'node:crypto';
import pino from 'pino';
import {
  bind,
  ConsumerHost,
  deadLetterKey,
  type HandlerContext,
  validateBindings,
} from './kafka.consumer';
import { EventPublisher, recordBytes } from './kafka.producer';
import type { KafkaService } from './kafka.service';

class A {
  async handle() {}
}
class B {
  async handle() {}
}

describe('validateBindings', () => {
  it('accepts one handler per topic', () => {
    expect(() =>
      validateBindings([
        { topic: 'requestEvents', group: 'g', handler: A },
        { topic: 'deadLetters', group: 'g2', handler: B },
      ]),
    ).not.toThrow();
  });
  it('refuses two handlers for the same topic', () => {
    expect(() =>
      validateBindings([
        { topic: 'requestEvents', group: 'g', handler: A },
        { topic: 'requestEvents', group: 'g2', handler: B },
      ]),
    ).toThrow(/more than one handler/);
  });
  it('refuses a topic without a handler', () => {
    expect(() =>
      validateBindings([{ topic: 'requestEvents', group: 'g', handler: undefined as never }]),
    ).toThrow(/has no handler/);
  });
  it('refuses an undeclared topic', () => {
    expect(() => validateBindings([{ topic: 'nope' as never, group: 'g', handler: A }])).toThrow(
      /unknown topic/,
    );
  });
});

/** A broker stand-in: refuses a record over its topic's max.message.bytes, as Kafka does. */
function fakeBroker(limits: Record<string, number>) {
  const sent: { topic: string; key: string; bytes: number }[] = [];
  const state = { down: false };
  const producer = {
    sendBatch: async ({ topicMessages }: { topicMessages: TopicMessages[] }) => {
      if (state.down) throw new Error('Connection error: ECONNREFUSED');
      for (const { topic, messages } of topicMessages)
        for (const m of messages) {
          const bytes = recordBytes(
            m as { key: string; value: Buffer; headers: Record<string, string> },
          );
          if (bytes > (limits[topic] ?? 32 * 1024 * 1024))
            throw new Error('The request included a message larger than the max message size');
          sent.push({ topic, key: String(m.key), bytes });
        }
    },
  };
  return { producer, sent, state };
}

type EachBatch = (payload: {
  batch: unknown;
  heartbeat: () => Promise<void>;
  isRunning: () => boolean;
  isStale: () => boolean;
  resolveOffset: (offset: string) => void;
}) => Promise<void>;

function harness(
  topic: 'requestEvents' | 'revocations' | 'maskReplies',
  handle: (messages: unknown, context: HandlerContext) => Promise<void>,
  accepts?: (headers: Record<string, string>) => boolean,
) {
  const broker = fakeBroker({ 'embargo.dead-letters.v1': 1048588 });
  let eachBatch: EachBatch | undefined;
  const commits: unknown[] = [];
  let check: (() => Promise<void>) | undefined;
  const consumer = {
    events: { GROUP_JOIN: 'join', CRASH: 'crash', END_BATCH_PROCESS: 'end' },
    on: (event: string, fn: () => void) => {
      if (event === 'join') fn();
    },
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (o: { eachBatch: EachBatch }) => {
      eachBatch = o.eachBatch;
    },
    commitOffsets: async (o: unknown) => {
      commits.push(o);
    },
  };
  const logger = pino({ enabled: false });
  const kafka = {
    options: {},
    kafka: { consumer: () => consumer },
    publisher: new EventPublisher(broker.producer as never, 'test', logger),
    endOffsets: async () => new Map<number, bigint>(),
  } as unknown as KafkaService;
  const metrics = { kafkaConsumed: { inc: () => undefined } } as unknown as Metrics;
  const readiness = {
    register: (_: string, fn: () => Promise<void>) => (check = fn),
  } as unknown as Readiness;
  class Handler {
    handle = handle;
    accepts = accepts;
  }
  const host = new ConsumerHost(
    [bind({ topic, group: 'g', handler: Handler })],
    { get: () => new Handler() } as never,
    kafka,
    logger,
    { name: 'test', instance: 'test-1' },
    readiness,
    metrics,
  );
  const ready = async () =>
    check!().then(
      () => 'ready',
      (err: Error) => err.message,
    );
  return {
    host,
    broker,
    commits,
    ready,
    run: (batch: unknown, heartbeat = async () => undefined) =>
      eachBatch!({
        batch,
        heartbeat,
        isRunning: () => true,
        isStale: () => false,
        resolveOffset: () => undefined,
      }),
  };
}

const malformed = (offset: string, key: Buffer) => ({
  offset,
  key,
  value: Buffer.from('not json'),
  headers: { ce_specversion: '1.0', ce_id: 'x', ce_type: 't', ce_source: '/s' },
  timestamp: '0',
});

describe('ConsumerHost dead letters', () => {
  it('dead-letters a malformed record with a 600 KiB key and moves on', async () => {
    const { host, broker, commits, run } = harness('requestEvents', async () => undefined);
    await host.onApplicationBootstrap();
    const bigKey = Buffer.from('k'.repeat(600 * 1024));
    await run({
      topic: 'embargo.request-events.v1',
      partition: 0,
      messages: [malformed('7', bigKey)],
    });
    const letters = broker.sent.filter((s) => s.topic === 'embargo.dead-letters.v1');
    expect(letters).toHaveLength(1);
    expect(letters[0].key).toBe(`sha256:${createHash('sha256').update(bigKey).digest('hex')}`);
    expect(letters[0].bytes).toBeLessThan(128 * 1024);
    expect(commits).toEqual([[{ topic: 'embargo.request-events.v1', partition: 0, offset: '8' }]]);
  });

  it("hands the batch's heartbeat to the handler, for work that takes long", async () => {
    let beats = 0;
    const seen: unknown[] = [];
    const { host, run } = harness('requestEvents', async (_, context) => {
      seen.push(context);
      await context.heartbeat();
    });
    await host.onApplicationBootstrap();
    const valid = receivedRecord();
    await run({ topic: 'embargo.request-events.v1', partition: 0, messages: [valid] }, async () => {
      beats++;
    });
    expect(seen).toHaveLength(1);
    // The handler's own, and the one after the batch is committed.
    expect(beats).toBe(2);
  });

  it('keeps a short key as it is', () => {
    expect(deadLetterKey(Buffer.from('req-1'))).toBe('req-1');
    expect(deadLetterKey(null)).toBeUndefined();
  });

  it('skips a record whose dead letter Kafka will not take, after a few tries', async () => {
    const { host, broker, commits, run, ready } = harness('requestEvents', async () => undefined);
    await host.onApplicationBootstrap();
    broker.state.down = true;
    await run({
      topic: 'embargo.request-events.v1',
      partition: 0,
      messages: [malformed('3', Buffer.from('r1'))],
    });
    expect(commits).toHaveLength(1);
    expect(await ready()).toBe('ready');
  });

  it('holds a revocations partition, not ready, until its dead letter is written', async () => {
    const { host, broker, commits, run, ready } = harness('revocations', async () => undefined);
    await host.onApplicationBootstrap();
    broker.state.down = true;
    const done = run({
      topic: 'embargo.revocations.v1',
      partition: 0,
      messages: [malformed('5', Buffer.from('principal:p1'))],
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(commits).toHaveLength(0);
    expect(await ready()).toMatch(/dead letter not written: embargo.revocations.v1/);
    broker.state.down = false;
    await done;
    expect(commits).toHaveLength(1);
    expect(await ready()).toBe('ready');
  });
});

describe('ConsumerHost: records a handler has no use for', () => {
  it('skips them by their headers, before their value is read, and moves on', async () => {
    const handed: unknown[] = [];
    const { host, broker, commits, run } = harness(
      'maskReplies',
      async (messages) => {
        handed.push(messages);
      },
      (headers) => headers.ce_subject === 'ingress-1',
    );
    await host.onApplicationBootstrap();
    // Another instance's reply: its value is never parsed, so even one that is not JSON
    // costs nothing and is not dead-lettered here.
    const elsewhere = malformed('4', Buffer.from('r1'));
    elsewhere.headers = { ...elsewhere.headers, ce_subject: 'ingress-2' } as never;
    await run({ topic: 'embargo.mask-replies.v1', partition: 0, messages: [elsewhere] });
    expect(handed).toEqual([]);
    expect(broker.sent).toEqual([]);
    expect(commits).toEqual([[{ topic: 'embargo.mask-replies.v1', partition: 0, offset: '5' }]]);
  });
});

/** A valid request-events record. */
const receivedRecord = () => ({
  offset: '1',
  key: Buffer.from('r1'),
  value: Buffer.from(
    JSON.stringify({
      requestId: 'r1',
      instance: 'i1',
      stage: 'received',
      method: 'POST',
      path: '/v1/embeddings',
      byteSize: 1,
    }),
  ),
  headers: {
    ce_specversion: '1.0',
    ce_id: 'e1',
    ce_type: 'dev.embargo.request.received.v1',
    ce_source: '/embargo/ingress',
  },
  timestamp: '0',
});

/** The error kafkajs's heartbeat throws when the group answers with `type`. */
const groupError = (type: string) =>
  new KafkaJSProtocolError(Object.assign(new Error('group changed'), { type, code: 27 }));

describe('ConsumerHost: a batch the group takes away while its handler retries', () => {
  it.each(['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID'])(
    'stops retrying it on %s, commits nothing, and leaves kafkajs to join again',
    async (type) => {
      let calls = 0;
      let beats = 0;
      // Fails until the group has said the batch is no longer this member's, then succeeds:
      // a host that kept retrying would hand it over again and commit it.
      const { host, commits, run } = harness('requestEvents', async () => {
        calls += 1;
        if (beats === 0) throw new Error('opensearch unreachable');
      });
      await host.onApplicationBootstrap();
      const lost = groupError(type);
      const done = run(
        { topic: 'embargo.request-events.v1', partition: 0, messages: [receivedRecord()] },
        async () => {
          beats += 1;
          throw lost;
        },
      );
      await expect(done).rejects.toBe(lost);
      expect(calls).toBe(1);
      expect(commits).toEqual([]);
    },
  );

  it("stops when the handler's own heartbeat says so, instead of retrying the batch", async () => {
    let calls = 0;
    const lost = groupError('REBALANCE_IN_PROGRESS');
    const { host, commits, run } = harness('requestEvents', async (_, context) => {
      calls += 1;
      if (calls === 1) await context.heartbeat();
    });
    await host.onApplicationBootstrap();
    let beats = 0;
    const done = run(
      { topic: 'embargo.request-events.v1', partition: 0, messages: [receivedRecord()] },
      async () => {
        if (beats++ === 0) throw lost;
      },
    );
    await expect(done).rejects.toBe(lost);
    expect(calls).toBe(1);
    expect(commits).toEqual([]);
  });
});

/** Consumers that record what was asked of them; the test decides when `connect` returns. */
function restartHarness(replay = false) {
  const made: {
    crash: (restart: boolean) => void;
    join: () => void;
    connected: () => void;
    ran: boolean;
    disconnected: boolean;
  }[] = [];
  let caughtUp = 0;
  const kafka = {
    options: {},
    kafka: {
      consumer: () => {
        const listeners = new Map<string, ((e: unknown) => void)[]>();
        let connected = () => undefined as void;
        const gate = new Promise<void>((r) => (connected = r));
        const record = {
          crash: (restart: boolean) =>
            listeners.get('crash')?.forEach((fn) => fn({ payload: { error: 'x', restart } })),
          join: () => listeners.get('join')?.forEach((fn) => fn({})),
          connected: () => connected(),
          ran: false,
          disconnected: false,
        };
        // The first consumer (started at bootstrap) connects at once.
        if (made.length === 0) connected();
        made.push(record);
        return {
          events: { GROUP_JOIN: 'join', CRASH: 'crash', END_BATCH_PROCESS: 'end' },
          on: (event: string, fn: (e: unknown) => void) =>
            listeners.set(event, [...(listeners.get(event) ?? []), fn]),
          connect: () => gate,
          subscribe: async () => undefined,
          run: async () => {
            record.ran = true;
          },
          disconnect: async () => {
            record.disconnected = true;
          },
        };
      },
    },
    endOffsets: async () => new Map<number, bigint>(),
  } as unknown as KafkaService;
  const metrics = {
    kafkaConsumed: { inc: () => undefined },
    kafkaConsumerRestarts: { inc: () => undefined },
  } as unknown as Metrics;
  class Handler {
    async handle() {}
    caughtUp() {
      caughtUp += 1;
    }
  }
  const host = new ConsumerHost(
    [
      bind({
        topic: replay ? 'revocations' : 'requestEvents',
        group: 'g',
        handler: Handler,
        replay,
      }),
    ],
    { get: () => new Handler() } as never,
    kafka,
    pino({ enabled: false }),
    { name: 'test', instance: 'test-1' },
    { register: () => undefined } as unknown as Readiness,
    metrics,
  );
  return { host, made, caughtUp: () => caughtUp };
}

describe('ConsumerHost: a consumer kafkajs gave up on', () => {
  afterEach(() => jest.useRealTimers());

  it('is not left running when shutdown begins while it is being started again', async () => {
    jest.useFakeTimers();
    const { host, made } = restartHarness();
    await host.onApplicationBootstrap();
    made[0].crash(false);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(made).toHaveLength(2);
    // Shutdown while the new consumer is still connecting.
    const stopped = host.onApplicationShutdown();
    made[1].connected();
    await stopped;
    await jest.advanceTimersByTimeAsync(60_000);
    expect(made[1].disconnected).toBe(true);
    expect(made[1].ran).toBe(false);
    expect(made).toHaveLength(2);
  });

  it('backs off a consumer that crashes again each time soon after it joins', async () => {
    jest.useFakeTimers();
    const { host, made } = restartHarness();
    await host.onApplicationBootstrap();
    made[0].join();
    made[0].crash(false);
    // Each restart joins its group (a rebalance for every member) and crashes again at once.
    const delays: number[] = [];
    for (let n = 1; n <= 4; n++) {
      const before = made.length;
      let waited = 0;
      while (made.length === before) {
        await jest.advanceTimersByTimeAsync(250);
        waited += 250;
      }
      delays.push(waited);
      made[n].connected();
      await jest.advanceTimersByTimeAsync(0);
      made[n].join();
      made[n].crash(false);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000]);
    // One that ran a minute after joining starts over at 1 s.
    await jest.advanceTimersByTimeAsync(16_000);
    made[5].connected();
    await jest.advanceTimersByTimeAsync(0);
    made[5].join();
    await jest.advanceTimersByTimeAsync(60_000);
    made[5].crash(false);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(made).toHaveLength(7);
    await host.onApplicationShutdown();
  });
});

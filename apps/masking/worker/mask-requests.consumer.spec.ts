import { keyringSetting } from '@embargo/config';
import { MAX_MASK_WAIT_MS, type MaskRequest } from '@embargo/contracts';
import type { ConsumedMessage, KafkaService } from '@embargo/kafka';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { MaskingConfig } from '../config';
import { MaskRequestsConsumer } from './mask-requests.consumer';

// process() masks and builds the reply; sending it (the Kafka part) is not exercised here.
const worker = new MaskRequestsConsumer(
  {
    MASKING_KEYS: keyringSetting.parse(`k1:${randomBytes(32).toString('base64')}`),
  } as MaskingConfig,
  undefined as unknown as KafkaService,
  pino({ enabled: false }),
);
const request = (texts: string[]): MaskRequest => ({
  requestId: 'r1',
  replyTo: 'ingress-1',
  offset: 0,
  texts,
  entities: { EMAIL_ADDRESS: { strategy: 'replace' } },
  deadline: Date.now() + 60_000,
});

describe('MaskRequestsConsumer.process', () => {
  it('replies with the masked texts and counts only, about the size of the input', () => {
    const text = 'a@b.io '.repeat(100_000);
    const reply = worker.process(request([text]));
    expect(reply).toMatchObject({ ok: true, counts: { EMAIL_ADDRESS: 100_000 } });
    expect(reply.texts?.[0]).not.toContain('a@b.io');
    // The list of findings made this reply 11.5 times the input.
    expect(JSON.stringify(reply).length).toBeLessThan(3 * text.length);
  });

  it('counts every entity type and returns no text when asked for findings only', () => {
    const reply = worker.process(
      { ...request(['mail a@b.io, card 4111 1111 1111 1111', 'and c@d.io']), entities: {} },
      'count',
    );
    expect(reply).toEqual({
      requestId: 'r1',
      replyTo: 'ingress-1',
      offset: 0,
      ok: true,
      counts: { EMAIL_ADDRESS: 2, CREDIT_CARD: 1 },
    });
  });
});

describe('MaskRequestsConsumer.handle', () => {
  it('sends each reply before it starts masking the next request of the batch', async () => {
    const order: string[] = [];
    const recording = new MaskRequestsConsumer(
      {
        MASKING_KEYS: keyringSetting.parse(`k1:${randomBytes(32).toString('base64')}`),
      } as MaskingConfig,
      {
        publisher: {
          // As the producer does: the record goes out at the next microtask.
          publish: (_topic: string, reply: { requestId: string }) =>
            new Promise<void>((resolve) =>
              queueMicrotask(() => {
                order.push(`sent ${reply.requestId}`);
                resolve();
              }),
            ),
        },
      } as unknown as KafkaService,
      pino({ enabled: false }),
    );
    const process = recording.process.bind(recording);
    recording.process = (req, kind) => {
      order.push(`masking ${req.requestId}`);
      return process(req, kind);
    };
    const message = (requestId: string) =>
      ({
        payload: { ...request(['mail a@b.io']), requestId },
        envelope: { type: 'dev.embargo.mask.request.v1' },
      }) as unknown as ConsumedMessage<MaskRequest>;
    await recording.handle([message('r1'), message('r2')]);
    expect(order).toEqual(['masking r1', 'sent r1', 'masking r2', 'sent r2']);
  });

  it('fails the batch, leaving no reply unobserved, when a heartbeat throws while one fails', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const failing = new MaskRequestsConsumer(
        {
          MASKING_KEYS: keyringSetting.parse(`k1:${randomBytes(32).toString('base64')}`),
        } as MaskingConfig,
        {
          publisher: {
            // Kafka fails the reply a moment later.
            publish: () =>
              new Promise<void>((_, reject) =>
                setTimeout(() => reject(new Error('Kafka publish queue is full')), 20),
              ),
          },
        } as unknown as KafkaService,
        pino({ enabled: false }),
      );
      const message = {
        payload: request(['mail a@b.io']),
        envelope: { type: 'dev.embargo.mask.request.v1' },
      } as unknown as ConsumedMessage<MaskRequest>;
      // The group rebalances: the heartbeat after the first request throws.
      const heartbeat = () => Promise.reject(new Error('The group is rebalancing'));
      await expect(failing.handle([message, message], { heartbeat })).rejects.toThrow(
        'Kafka publish queue is full',
      );
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('MaskRequestsConsumer.handle: addressing', () => {
  it("names the instance that asked as the reply's subject, so the others pass it over unread", async () => {
    const subjects: (string | undefined)[] = [];
    const addressing = new MaskRequestsConsumer(
      {
        MASKING_KEYS: keyringSetting.parse(`k1:${randomBytes(32).toString('base64')}`),
      } as MaskingConfig,
      {
        publisher: {
          publish: (_topic: string, _reply: unknown, opts: { subject?: string }) => {
            subjects.push(opts.subject);
            return Promise.resolve();
          },
        },
      } as unknown as KafkaService,
      pino({ enabled: false }),
    );
    const message = {
      payload: { ...request(['mail a@b.io']), replyTo: 'ingress-7' },
      envelope: { type: 'dev.embargo.mask.request.v1' },
      timestamp: String(Date.now()),
    } as unknown as ConsumedMessage<MaskRequest>;
    await addressing.handle([message]);
    expect(subjects).toEqual(['ingress-7']);
  });
});

describe('MaskRequestsConsumer.handle: bounded work', () => {
  const sent: { ok: boolean; error?: string; texts?: string[] }[] = [];
  const recording = new MaskRequestsConsumer(
    {
      MASKING_KEYS: keyringSetting.parse(`k1:${randomBytes(32).toString('base64')}`),
    } as MaskingConfig,
    {
      publisher: {
        publish: (_topic: string, reply: (typeof sent)[number]) => {
          sent.push(reply);
          return Promise.resolve();
        },
      },
    } as unknown as KafkaService,
    pino({ enabled: false }),
  );
  const message = (payload: MaskRequest, timestamp = String(Date.now())) =>
    ({
      payload,
      envelope: { type: 'dev.embargo.mask.request.v1' },
      timestamp,
    }) as unknown as ConsumedMessage<MaskRequest>;
  const heartbeat = jest.fn(() => Promise.resolve());

  beforeEach(() => {
    sent.length = 0;
    heartbeat.mockClear();
  });
  afterEach(() => jest.restoreAllMocks());

  it('heartbeats between the parts of a large request, and masks all of it', async () => {
    const part = 'mail a@b.io '.repeat(20_000); // 240 000 characters
    await recording.handle([message(request([part, part, part, part]))], { heartbeat });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ ok: true });
    expect(sent[0].texts).toHaveLength(4);
    expect(sent[0].texts?.join('')).not.toContain('a@b.io');
    // Between the four parts and after the request.
    expect(heartbeat.mock.calls.length).toBeGreaterThanOrEqual(4);
  });

  it('drops the rest of a request once its deadline passes while it is masked', async () => {
    const now = Date.now();
    let later = 0;
    jest.spyOn(Date, 'now').mockImplementation(() => now + later);
    // Each heartbeat finds the clock 20 s on: the second part starts past the deadline.
    heartbeat.mockImplementation(() => {
      later += 20_000;
      return Promise.resolve();
    });
    const part = 'x'.repeat(200_000);
    const req = { ...request([part, part, part]), deadline: now + 10_000 };
    await recording.handle([message(req, String(now))], { heartbeat });
    expect(sent).toEqual([expect.objectContaining({ ok: false, error: 'deadline passed' })]);
  });

  it("reads a request's rules once, not once a text, so a poisoned one cannot stall the group", async () => {
    // 20 000 deny-list types no engine knows (240 KB) and 4096 one-character texts: read once
    // a text, the rules took 36 s here with no heartbeat, past the group's 30 s session, and
    // the request went to the next worker to stall it too.
    const denyList = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`T${i}`, []]));
    const texts = Array.from({ length: 4096 }, () => 'x');
    const started = Date.now();
    await recording.handle([message({ ...request(texts), denyList })], { heartbeat });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(sent).toEqual([expect.objectContaining({ ok: true, texts })]);
  });

  it('does not work for a requester that asked to be answered after the longest wait', async () => {
    const now = Date.now();
    const req = { ...request(['mail a@b.io']), deadline: now + 3600_000 };
    await recording.handle([message(req, String(now - MAX_MASK_WAIT_MS - 1000))], { heartbeat });
    expect(sent).toEqual([expect.objectContaining({ ok: false, error: 'deadline passed' })]);
  });
});

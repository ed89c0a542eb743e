import { keyringSetting } from '@embargo/config';
import type { MaskRequest } from '@embargo/contracts';
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
});

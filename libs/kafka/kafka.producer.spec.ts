import type { Producer, TopicMessages } from 'kafkajs';
import pino from 'pino';
import { EventPublisher, recordBytes } from './kafka.producer';

/** A producer that records the bytes of each sendBatch, answering when told to. */
function recordingProducer() {
  const requests: number[] = [];
  const waiting: (() => void)[] = [];
  const state = { hold: false };
  const producer = {
    sendBatch: ({ topicMessages }: { topicMessages: TopicMessages[] }) => {
      let bytes = 0;
      for (const { messages } of topicMessages)
        for (const m of messages)
          bytes += recordBytes(
            m as { key: string; value: Buffer; headers: Record<string, string> },
          );
      requests.push(bytes);
      return new Promise<void>((resolve) => (state.hold ? waiting.push(resolve) : resolve()));
    },
  } as unknown as Producer;
  return { producer, requests, waiting, state };
}

const masked = (requestId: string, bytes: number) => ({
  requestId,
  instance: 'i1',
  stage: 'masked' as const,
  counts: {},
  maskedInput: ['x'.repeat(bytes)],
  original: { alg: 'A256GCM' as const, kid: 'k1', iv: '', tag: '', ciphertext: '' },
});

describe('EventPublisher', () => {
  it('sends what piled up in requests of at most 8 MiB, and delivers all of it', async () => {
    const { producer, requests } = recordingProducer();
    const publisher = new EventPublisher(producer, 'test', pino({ enabled: false }));
    // 40 events of 1 MiB published together: 40 MiB would have been one produce request.
    const sends = Array.from({ length: 40 }, (_, i) =>
      publisher.publish('requestEvents', masked(`r${i}`, 1024 * 1024), { key: `r${i}` }),
    );
    await Promise.all(sends);
    expect(requests.length).toBeGreaterThanOrEqual(5);
    for (const bytes of requests) expect(bytes).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(requests.reduce((a, b) => a + b, 0)).toBeGreaterThan(40 * 1024 * 1024);
  });

  it('refuses at once, rather than queueing without bound, while Kafka does not answer', async () => {
    const { producer, waiting, state } = recordingProducer();
    state.hold = true;
    const publisher = new EventPublisher(
      producer,
      'test',
      pino({ enabled: false }),
      undefined,
      60_000,
      20,
      64 * 1024 * 1024,
    );
    const sends = Array.from({ length: 70 }, (_, i) =>
      publisher.publish('requestEvents', masked(`r${i}`, 1024 * 1024), { key: `r${i}` }).then(
        () => 'sent',
        (err: Error) => err.message,
      ),
    );
    // The first 64 MiB wait for Kafka; what comes after is refused without waiting.
    const refused = await Promise.race([
      Promise.all(sends.slice(64)),
      new Promise((r) => setTimeout(() => r('waited'), 1000)),
    ]);
    expect(refused).toEqual(
      Array.from({ length: 6 }, () => expect.stringMatching(/publish queue is full/) as string),
    );
    state.hold = false;
    while (waiting.length) {
      waiting.shift()!();
      await new Promise((r) => setTimeout(r, 1));
    }
    expect((await Promise.all(sends.slice(0, 63))).every((s) => s === 'sent')).toBe(true);
  });
});

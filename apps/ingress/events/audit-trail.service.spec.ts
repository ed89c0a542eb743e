import { EventPublisher, type KafkaService } from '@embargo/kafka';
import type { Producer } from 'kafkajs';
import pino from 'pino';
import type { IngressConfig } from '../config';
import { AuditTrail } from './audit-trail.service';

describe('AuditTrail', () => {
  const trail = (sendBatch: () => Promise<void>) => {
    const logger = pino({ enabled: false });
    const publisher = new EventPublisher({ sendBatch } as unknown as Producer, 'ingress', logger);
    return new AuditTrail(
      { publisher } as unknown as KafkaService,
      { name: 'ingress', instance: 'i1' },
      logger,
      { AUDIT_TIMEOUT_MS: 2000 } as IngressConfig,
    );
  };
  const masked = (bytes: number) => ({
    requestId: 'r1',
    stage: 'masked' as const,
    counts: {},
    maskedInput: ['x'.repeat(bytes)],
    original: { alg: 'A256GCM' as const, kid: 'k1', iv: '', tag: '', ciphertext: '' },
  });

  it('answers 503 while Kafka does not take the event', async () => {
    const down = trail(() => Promise.reject(new Error('connection refused')));
    await expect(down.record(masked(10))).rejects.toMatchObject({ code: 'audit_unavailable' });
  });

  it('answers 413, not a 503 worth retrying, for an event larger than its topic holds', async () => {
    let sent = 0;
    const up = trail(() => Promise.resolve(void sent++));
    // The masked text and the sealed original of a large request, together over 32 MiB.
    await expect(up.record(masked(33 * 1024 * 1024))).rejects.toMatchObject({
      code: 'payload_too_large',
    });
    expect(sent).toBe(0);
  });
});

import { keyringSetting } from '@embargo/config';
import {
  MASK_EVENT_TYPES,
  SIGNED_PURPOSES,
  maskRequestDigest,
  type MaskReply,
  type MaskRequest,
} from '@embargo/contracts';
import { DocumentMacs } from '@embargo/crypto';
import type { ConsumedMessage, KafkaService } from '@embargo/kafka';
import type { AppIdentity } from '@embargo/observability';
import type { MaskPlan } from '@embargo/policy';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { IngressConfig } from '../config';
import { MaskClient } from './mask-client';

describe('MaskClient: a large input on the worker pool', () => {
  it("spreads one request's chunks over the mask-requests partitions, so several workers share it", async () => {
    const keys: string[] = [];
    const kafka = {
      publisher: {
        publish: (_topic: string, _payload: unknown, opts: { key: string }) => {
          keys.push(opts.key);
          return Promise.resolve();
        },
      },
    } as unknown as KafkaService;
    const config = {
      MASKING_KEYS: keyringSetting.parse(`k1:${randomBytes(32).toString('base64')}`),
      MASK_TIMEOUT_MS: 50,
    } as unknown as IngressConfig;
    const client = new MaskClient(
      kafka,
      { instance: 'ingress-1' } as AppIdentity,
      config,
      pino({ enabled: false }),
    );
    // An 8 MiB body: 64 texts of 128 Ki characters, one 256 KiB chunk each.
    const texts = Array.from({ length: 64 }, () => 'x'.repeat(128 * 1024));
    const plan = { entities: {} } as unknown as MaskPlan;
    await client.mask('req-1', texts, plan).catch(() => undefined);

    // The producer's partitioner, over the topic's six partitions.
    const partitioner = Partitioners.DefaultPartitioner();
    const partitionMetadata = Array.from(
      { length: 6 },
      (_, partitionId) => ({ partitionId, leader: 1 }) as PartitionMetadata,
    );
    const partitions = new Set(
      keys.map((key) =>
        partitioner({
          topic: 'embargo.mask-requests.v1',
          partitionMetadata,
          message: { key, value: null },
        }),
      ),
    );
    expect(keys).toHaveLength(64);
    expect(partitions.size).toBe(6);
  });
});

describe('MaskClient: replies addressed to other instances', () => {
  it('passes over, unread, a reply whose subject names another instance', () => {
    const client = new MaskClient(
      {} as KafkaService,
      { instance: 'ingress-1' } as AppIdentity,
      {
        MASKING_KEYS: keyringSetting.parse(`k1:${randomBytes(32).toString('base64')}`),
      } as unknown as IngressConfig,
      pino({ enabled: false }),
    );
    expect(client.accepts({ ce_subject: 'ingress-1' })).toBe(true);
    expect(client.accepts({ ce_subject: 'ingress-2' })).toBe(false);
    // A worker that names no subject (an older one, mid-upgrade): read, and checked as before.
    expect(client.accepts({})).toBe(true);
  });
});

describe('MaskClient: a masked result too large to return', () => {
  it('answers 413, not a 503 that invites a retry bound to fail the same way', async () => {
    const keys = keyringSetting.parse(`k1:${randomBytes(32).toString('base64')}`);
    const sent: MaskRequest[] = [];
    const kafka = {
      publisher: {
        publish: (_topic: string, payload: MaskRequest) => {
          sent.push(payload);
          return Promise.resolve();
        },
      },
    } as unknown as KafkaService;
    const client = new MaskClient(
      kafka,
      { instance: 'ingress-1' } as AppIdentity,
      { MASKING_KEYS: keys, MASK_TIMEOUT_MS: 5_000 } as unknown as IngressConfig,
      pino({ enabled: false }),
    );
    const plan = { entities: { EMAIL_ADDRESS: { strategy: 'tokenize' } } } as unknown as MaskPlan;
    const masked = client.mask('req-big', ['x'.repeat(16 * 1024)], plan);
    await new Promise((r) => setImmediate(r));
    const [request] = sent;
    const payload = new DocumentMacs(keys, SIGNED_PURPOSES.maskReply).tag({
      requestId: request.requestId,
      replyTo: request.replyTo,
      offset: request.offset,
      ok: false,
      code: 'result_too_large' as const,
      error: 'masked result too large to return',
      requestDigest: maskRequestDigest(MASK_EVENT_TYPES.mask, request),
    });
    await client.handle([
      {
        payload,
        envelope: { id: 'reply-1', type: MASK_EVENT_TYPES.masked, data: payload },
      } as unknown as ConsumedMessage<MaskReply>,
    ]);
    await expect(masked).rejects.toMatchObject({ code: 'payload_too_large' });
  });
});

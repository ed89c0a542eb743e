import type { MaskPlan } from '@embargo/policy';
import { ingressConfigSchema, type IngressConfig } from '../config';
import type { MaskClient } from './mask-client';
import { MaskingService } from './masking.service';

const DEFAULT_LIMIT = ingressConfigSchema.shape.MASK_INLINE_MAX_BYTES.parse(undefined);
const plan = { entities: { EMAIL_ADDRESS: { strategy: 'redact' } } } as unknown as MaskPlan;

function service(limit = DEFAULT_LIMIT) {
  const sent: string[][] = [];
  const client = {
    mask: (_id: string, texts: string[]) => {
      sent.push(texts);
      return Promise.resolve({ texts, counts: {} });
    },
    countFindings: (_id: string, texts: string[]) => {
      sent.push(texts);
      return Promise.resolve({});
    },
  } as unknown as MaskClient;
  const config = {
    MASK_INLINE_MAX_BYTES: limit,
    MASKING_KEYS: { activeKeyId: 'k', keys: { k: Buffer.alloc(32) } },
  } as unknown as IngressConfig;
  return { masking: new MaskingService(config, client), sent };
}

describe('MaskingService: in process or on the worker pool', () => {
  it('masks in process up to 8 KiB by default, where one call blocks about a millisecond', () => {
    expect(DEFAULT_LIMIT).toBe(8 * 1024);
  });

  it('counts the limit in UTF-8 bytes, so multi-byte text under it in characters goes to the pool', async () => {
    const { masking, sent } = service();
    // Two bytes a character: half the limit in characters, plus one, is two bytes over.
    const over = 'é'.repeat(DEFAULT_LIMIT / 2 + 1);
    expect(over.length).toBeLessThan(DEFAULT_LIMIT);
    expect(Buffer.byteLength(over)).toBe(DEFAULT_LIMIT + 2);
    expect(masking.maskInline([over], plan)).toBeUndefined();
    await masking.countFindings('r1', [over]);
    expect(sent).toEqual([[over]]);

    // Four-byte characters are two UTF-16 units: a quarter of the limit is exactly at it.
    const emoji = '😀'.repeat(DEFAULT_LIMIT / 4);
    expect(masking.maskInline([emoji], plan)).toEqual({ texts: [emoji], counts: {} });
    expect(masking.maskInline([emoji, 'x'], plan)).toBeUndefined();
  });

  it('sums bytes over a batch, and keeps a batch at the limit in process', async () => {
    const { masking, sent } = service(12);
    expect(masking.maskInline(['ab€', 'cd€', 'ef'], plan)).toBeDefined(); // 5 + 5 + 2 bytes
    expect(masking.maskInline(['ab€', 'cd€', 'efg'], plan)).toBeUndefined();
    await masking.countFindings('r2', ['jane@example.com']);
    expect(sent).toEqual([['jane@example.com']]);
  });
});

describe('MaskingService: in process cost under the threshold', () => {
  it("costs about the same with a policy's 10 000-value allow list as without one", () => {
    const { masking } = service();
    // 2048 one-character texts: 2 KiB, well under the threshold, so masked on the event loop.
    const texts = Array.from({ length: 2048 }, () => 'x');
    const allowList = Array.from({ length: 10_000 }, (_, i) => `user${i}@example.com`);
    const allowing = { ...plan, allowList } as unknown as MaskPlan;
    const time = (p: MaskPlan) => {
      const started = performance.now();
      expect(masking.maskInline(texts, p)).toEqual({ texts, counts: {} });
      return performance.now() - started;
    };
    time(plan);
    time(allowing);
    const without = Math.min(time(plan), time(plan), time(plan));
    const withList = Math.min(time(allowing), time(allowing), time(allowing));
    // The list was turned into a set once a text: 2048 times 10 000 values, seconds of
    // blocking for a 2 KiB request.
    expect(withList).toBeLessThan(5 * without + 20);
  });
});

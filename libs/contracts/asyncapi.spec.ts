import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { runAsyncApi } from '../../scripts/asyncapi';
import {
  ASYNCAPI_APPS,
  ASYNCAPI_DOC,
  buildAsyncApi,
  payloadSchema,
  repoRoot,
  routeOf,
} from './asyncapi';
import { TOPICS, type TopicKey } from './topics';

const generated = buildAsyncApi();
const doc = parseYaml(generated) as {
  channels: Record<string, { address: string; bindings: { kafka: Record<string, unknown> } }>;
  operations: Record<
    string,
    { action: string; channel: { $ref: string }; tags: { name: string }[] }
  >;
};

describe('AsyncAPI document', () => {
  it('is committed exactly as the topic registry generates it (run `npm run asyncapi` when this fails)', () => {
    const committed = readFileSync(join(repoRoot(), ASYNCAPI_DOC), 'utf8');
    expect(committed).toBe(generated);
  });

  it('is generated deterministically', () => {
    expect(buildAsyncApi()).toBe(generated);
  });

  it('is a valid AsyncAPI 3.0.0 document', async () => {
    const { document, diagnostics } = await new Parser().parse(generated);
    const errors = diagnostics.filter(
      (d) => Number(d.severity) === Number(DiagnosticSeverity.Error),
    );
    expect(errors.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(
      document
        ?.channels()
        .all()
        .map((c) => c.address())
        .sort(),
    ).toEqual(
      Object.values(TOPICS)
        .map((t) => t.name)
        .sort(),
    );
  }, 30_000);

  it('has a channel for every topic, with its Kafka settings', () => {
    for (const [key, spec] of Object.entries(TOPICS)) {
      const channel = doc.channels[key];
      expect(channel).toBeDefined();
      expect(channel.address).toBe(spec.name);
      expect(channel.bindings.kafka).toMatchObject({
        topic: spec.name,
        partitions: spec.partitions,
        topicConfiguration: { 'cleanup.policy': [spec.cleanupPolicy] },
      });
    }
  });

  it('names who sends and who receives every topic', () => {
    for (const key of Object.keys(TOPICS) as TopicKey[]) {
      const ops = Object.values(doc.operations).filter(
        (o) => o.channel.$ref === `#/channels/${key}`,
      );
      expect(ops.filter((o) => o.action === 'send').length).toBeGreaterThan(0);
      expect(ops.filter((o) => o.action === 'receive').length).toBeGreaterThan(0);
      for (const o of ops) expect(ASYNCAPI_APPS).toContain(o.tags[0]?.name);
    }
    // Dead letters come from every app that consumes a topic.
    expect(routeOf('deadLetters').senders).toEqual([
      'ingress',
      'masking',
      'policy',
      'approval',
      'audit',
    ]);
  });

  it('keeps payloads that zod cannot express as permissive schemas instead of failing', () => {
    const { z } = jest.requireActual<typeof import('zod')>('zod');
    const schema = z.object({
      at: z.string().transform((s) => new Date(s)),
      n: z.bigint().optional(),
    });
    expect(payloadSchema(schema)).toMatchObject({
      type: 'object',
      properties: { at: { type: 'string' } },
    });
  });
});

describe('scripts/asyncapi --check', () => {
  it('passes on the committed document and fails with a hint when it is stale', () => {
    const lines: string[] = [];
    expect(runAsyncApi('check', { out: (l) => lines.push(l), err: (l) => lines.push(l) })).toBe(0);
    const missing = runAsyncApi('check', {
      root: '/nonexistent',
      out: () => {},
      err: (l) => lines.push(l),
    });
    expect(missing).toBe(1);
    expect(lines.at(-1)).toContain('run `npm run asyncapi`');
  });
});

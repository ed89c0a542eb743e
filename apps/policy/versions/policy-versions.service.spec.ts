import { DocumentSigner } from '@embargo/crypto';
import type { KafkaService } from '@embargo/kafka';
import { Readiness } from '@embargo/observability';
import { eventually, REPO_ROOT, testPolicyKeys } from '@embargo/testing';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { policyConfigSchema } from '../config';
import { PolicyVersions } from './policy-versions.service';

describe('PolicyVersions: a policy directory Kafka did not take', () => {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-policy-dir-'));
  cpSync(join(REPO_ROOT, 'deploy', 'policies'), dir, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is published once Kafka takes writes again, with no other change to the directory', async () => {
    const config = policyConfigSchema.parse({
      POLICY_ADMIN_TOKEN: 'a'.repeat(24),
      POLICY_SIGNING_KEYS: testPolicyKeys().signing,
      POLICY_DIR: dir,
    });
    const state = { down: true };
    const published: string[] = [];
    // An empty history, and a broker that refuses writes until `down` is cleared.
    const kafka = {
      kafka: {
        admin: () => ({
          connect: async () => undefined,
          fetchTopicOffsets: async () => [],
          disconnect: async () => undefined,
        }),
      },
      publisher: {
        publish: async (topic: string) => {
          if (state.down) throw new Error('Kafka did not acknowledge within 2000 ms');
          published.push(topic);
        },
      },
    } as unknown as KafkaService;
    const versions = new PolicyVersions(
      config,
      kafka,
      pino({ enabled: false }),
      new Readiness(),
      new DocumentSigner(config.POLICY_SIGNING_KEYS),
    );
    await versions.onApplicationBootstrap();
    expect(published).toEqual([]);

    state.down = false;
    await eventually(
      async () => (published.includes('policyBundles') ? true : undefined),
      15_000,
      'the directory version to reach the bundles topic',
    );
    expect(versions.current().bundle.version).toBe(1);
    await versions.onApplicationShutdown();
  }, 30_000);
});

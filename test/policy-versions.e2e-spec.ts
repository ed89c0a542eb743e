import { keyringSetting } from '@embargo/config';
import { TOPICS } from '@embargo/contracts';
import { DocumentSigner } from '@embargo/crypto';
import { KafkaService, readTopicToEnd } from '@embargo/kafka';
import { Metrics, Readiness } from '@embargo/observability';
import { LOCAL_INFRA, REPO_ROOT, testPolicyKeys } from '@embargo/testing';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { PolicyConfig } from '../apps/policy/config';
import { PolicyVersions } from '../apps/policy/versions/policy-versions.service';

/** The example policy set, told apart by its description. */
const policy = (tag: string) =>
  ['base.yaml', 'rules.yaml'].map((file) => {
    const content = readFileSync(join(REPO_ROOT, 'deploy', 'policies', file), 'utf8');
    return {
      path: file,
      content:
        file === 'base.yaml'
          ? content.replace(/^description: .*$/m, `description: ${tag}`)
          : content,
    };
  });

/**
 * Version numbers on the real broker when the bundles topic refuses a write after the
 * versions topic took it: the number stays taken (the history holds it), so a different
 * policy gets the next one, and the same policy sent again publishes its bundle.
 */
describe('policy versions: a bundle publish that fails', () => {
  const set = `versions-test-${randomUUID()}`;
  const logger = pino({ level: 'silent' });
  const readiness = new Readiness();
  const kafka = new KafkaService(
    { clientId: `versions-test-${randomUUID()}`, brokers: LOCAL_INFRA.KAFKA_BROKERS.split(',') },
    logger,
    { name: 'policy', instance: 'versions-test' },
    readiness,
    new Metrics('policy'),
  );
  const keys = keyringSetting.parse(testPolicyKeys().signing);
  /** A policy service instance of this set, as one more start of the app would make it. */
  const policyService = (ready: Readiness) =>
    new PolicyVersions(
      {
        POLICY_SET: set,
        POLICY_DIR: undefined,
        POLICY_SIGNING_KEYS: keys,
      } as unknown as PolicyConfig,
      kafka,
      logger,
      ready,
      new DocumentSigner(keys),
    );
  const versions = policyService(readiness);
  const publish = kafka.publisher.publish.bind(kafka.publisher);
  let refuseBundles = false;

  beforeAll(async () => {
    kafka.publisher.publish = (topic, payload, opts) =>
      refuseBundles && topic === 'policyBundles'
        ? Promise.reject(new Error('bundles topic unavailable'))
        : publish(topic, payload, opts);
    await kafka.onModuleInit();
    await versions.onApplicationBootstrap();
  }, 60_000);

  afterAll(async () => {
    await versions.onApplicationShutdown();
    await kafka.onApplicationShutdown();
  });

  const history = async () => {
    const found: number[] = [];
    await readTopicToEnd(kafka.kafka, TOPICS.policyVersions.name, (key) => {
      if (key.startsWith(`${set}:`)) found.push(Number(key.slice(set.length + 1)));
    });
    return found;
  };
  const bundles = async () => {
    const found: number[] = [];
    await readTopicToEnd(kafka.kafka, TOPICS.policyBundles.name, (key, value) => {
      if (key === set && value)
        found.push((JSON.parse(value.toString()) as { version: number }).version);
    });
    return found;
  };

  const submitWhileBundlesRefused = async (tag: string) => {
    refuseBundles = true;
    try {
      await expect(versions.submit(policy(tag), 'test')).rejects.toThrow(/bundles topic/);
    } finally {
      refuseBundles = false;
    }
  };

  it('never gives two policies one number, and retries the bundle of the same one', async () => {
    expect(await versions.submit(policy('a'), 'test')).toMatchObject({ ok: true, version: 1 });

    await submitWhileBundlesRefused('b');

    // A different policy: number 3, not 2 again.
    expect(await versions.submit(policy('c'), 'test')).toMatchObject({
      ok: true,
      created: true,
      version: 3,
    });
    expect((await history()).sort()).toEqual([1, 2, 3]);
    expect(versions.get(2).files).toEqual(policy('b'));

    // The same content as the newest version whose bundle failed: its bundle goes out now.
    await submitWhileBundlesRefused('d');
    expect(await versions.submit(policy('d'), 'test')).toMatchObject({
      ok: true,
      created: false,
      version: 4,
    });
    expect(await bundles()).toEqual([1, 3, 4]);
  }, 60_000);

  it('reads back only the history it signed, and numbers new versions above the rest', async () => {
    // Version 5 written by someone else (or before bundles were signed): not history, but
    // its number is taken.
    const producer = kafka.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: TOPICS.policyVersions.name,
      messages: [{ key: `${set}:5`, value: JSON.stringify({ version: 5, files: [] }) }],
    });
    await producer.disconnect();
    const restarted = policyService(new Readiness());
    await restarted.onApplicationBootstrap();
    expect(restarted.list().map((v) => v.version)).toEqual([4, 3, 2, 1]);
    expect(await restarted.submit(policy('e'), 'test')).toMatchObject({ ok: true, version: 6 });
    await restarted.onApplicationShutdown();
  }, 60_000);
});

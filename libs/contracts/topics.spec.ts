import { toKafkaMessage } from './cloudevent';
import { bundleMessageSchema } from './messages';
import { MAX_POLICY_BYTES_CEILING, TOPICS } from './topics';

/** What the publisher keeps free under a topic's limit (RECORD_OVERHEAD_BYTES in @embargo/kafka). */
const PUBLISHER_MARGIN = 64 * 1024;

describe('policy topics', () => {
  it('take the largest policy set the service accepts, even when JSON escaping doubles it', () => {
    // Newlines are the worst case a YAML file can hold: each becomes two bytes in JSON.
    const files = [];
    for (let left = MAX_POLICY_BYTES_CEILING, i = 0; left > 0; i++) {
      const size = Math.min(left, 2_000_000);
      files.push({ path: `p${i}.yaml`, content: '\n'.repeat(size) });
      left -= size;
    }
    const bundle = bundleMessageSchema.parse({
      policySet: 'default',
      version: 1,
      hash: `sha256:${'0'.repeat(64)}`,
      createdAt: new Date(0).toISOString(),
      createdBy: 'x'.repeat(500),
      files,
      signature: { alg: 'Ed25519', kid: 'p1', value: 'A'.repeat(86) },
    });
    const record = toKafkaMessage(
      {
        id: 'e'.repeat(64),
        type: 'dev.embargo.policy.version.v1',
        source: 'urn:embargo:policy',
        time: new Date(0).toISOString(),
        data: bundle,
      },
      'default:1',
    );
    for (const spec of [TOPICS.policyVersions, TOPICS.policyBundles])
      expect(record.value.length).toBeLessThan((spec.maxMessageBytes ?? 0) - PUBLISHER_MARGIN);
  });
});

describe('request events', () => {
  const decided = (findings: Record<string, number>) => ({
    requestId: 'r1',
    instance: 'i1',
    stage: 'decided',
    effect: 'allow',
    ruleIds: [],
    bundleVersion: 1,
    bundleHash: 'sha256:0',
    findings,
    inputCount: 1,
    tokenCount: 1,
  });

  it('carry findings only under entity type names, so they cannot reshape the audit index', () => {
    const schema = TOPICS.requestEvents.schema;
    expect(schema.safeParse(decided({ EMAIL_ADDRESS: 3, PERSON: 1 })).success).toBe(true);
    expect(schema.safeParse(decided({ 'EMAIL_ADDRESS.x': 1 })).success).toBe(false);
    expect(schema.safeParse(decided({ NOT_A_TYPE: 1 })).success).toBe(false);
    expect(schema.safeParse(decided({ EMAIL_ADDRESS: 1.5 })).success).toBe(false);
  });
});

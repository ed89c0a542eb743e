import { ALL_TOPICS, TOPICS } from '@embargo/contracts';
import { ConfigResourceTypes, ConfigSource, type DescribeConfigResponse } from 'kafkajs';
import { limitsToRaise } from './topic-limits';

const entry = (configName: string, configValue: string, configSource: ConfigSource) => ({
  configName,
  configValue,
  configSource,
  isDefault: configSource === ConfigSource.DEFAULT_CONFIG,
  isSensitive: false,
  readOnly: false,
  configSynonyms: [],
});

const described = (name: string, entries: ReturnType<typeof entry>[]): DescribeConfigResponse => ({
  throttleTime: 0,
  resources: [
    {
      errorCode: 0,
      errorMessage: '',
      resourceName: name,
      resourceType: ConfigResourceTypes.TOPIC,
      configEntries: entries,
    },
  ],
});

describe('limitsToRaise', () => {
  const spec = TOPICS.policyVersions;
  const want = String(spec.maxMessageBytes);

  it('raises a topic created with the default limit and keeps its other overrides', () => {
    const topic = described(spec.name, [
      entry('cleanup.policy', 'compact', ConfigSource.TOPIC_CONFIG),
      entry('max.message.bytes', '1048588', ConfigSource.DEFAULT_CONFIG),
      entry('segment.bytes', '1073741824', ConfigSource.STATIC_BROKER_CONFIG),
    ]);
    expect(limitsToRaise(ALL_TOPICS, topic)).toEqual([
      {
        type: ConfigResourceTypes.TOPIC,
        name: spec.name,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'max.message.bytes', value: want },
        ],
      },
    ]);
  });

  it('leaves a topic alone whose limit is already as large or larger', () => {
    for (const value of [want, String(Number(want) * 2)]) {
      const topic = described(spec.name, [
        entry('cleanup.policy', 'compact', ConfigSource.TOPIC_CONFIG),
        entry('max.message.bytes', value, ConfigSource.TOPIC_CONFIG),
      ]);
      expect(limitsToRaise(ALL_TOPICS, topic)).toEqual([]);
    }
  });
});

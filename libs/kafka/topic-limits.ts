import type { TopicSpec } from '@embargo/contracts';
import {
  ConfigResourceTypes,
  ConfigSource,
  type DescribeConfigResponse,
  type IResourceConfig,
} from 'kafkajs';
import type { z } from 'zod';

const LIMIT = 'max.message.bytes';

/**
 * The existing topics whose record limit is below the one the registry declares, as
 * AlterConfigs resources. That API replaces a topic's whole set of overrides, so each resource
 * carries the topic's other overrides (cleanup.policy, retention.ms…) unchanged. A limit is only
 * raised, never lowered: an operator may have set a larger one on purpose.
 */
export function limitsToRaise(
  declared: readonly TopicSpec<z.ZodType>[],
  described: DescribeConfigResponse,
): IResourceConfig[] {
  const out: IResourceConfig[] = [];
  for (const resource of described.resources) {
    const want = declared.find((t) => t.name === resource.resourceName)?.maxMessageBytes;
    if (want === undefined) continue;
    const current = resource.configEntries.find((e) => e.configName === LIMIT);
    if (current && Number(current.configValue) >= want) continue;
    const kept = resource.configEntries
      .filter((e) => e.configSource === ConfigSource.TOPIC_CONFIG && e.configName !== LIMIT)
      .map((e) => ({ name: e.configName, value: e.configValue }));
    out.push({
      type: ConfigResourceTypes.TOPIC,
      name: resource.resourceName,
      configEntries: [...kept, { name: LIMIT, value: String(want) }],
    });
  }
  return out;
}

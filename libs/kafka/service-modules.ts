import type { DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@embargo/config';
import { ObservabilityModule } from '@embargo/observability';
import type { ConsumerBinding } from './kafka.consumer';
import { KafkaModule } from './kafka.module';

interface ServiceConfig {
  LOG_LEVEL: string;
  KAFKA_BROKERS: string[];
  KAFKA_GROUP_PREFIX: string;
}

/** What every service imports: its validated config, logs/metrics/health, and Kafka. */
export function serviceModules(
  name: string,
  config: ServiceConfig,
  instance: string,
  consumers: ConsumerBinding[] = [],
  kafka: { publishTimeoutMs?: number } = {},
): DynamicModule[] {
  return [
    ConfigModule.forRoot(config),
    ObservabilityModule.forRoot({ name, instance, logLevel: config.LOG_LEVEL }),
    KafkaModule.forRoot(
      {
        brokers: config.KAFKA_BROKERS,
        clientId: instance,
        groupPrefix: config.KAFKA_GROUP_PREFIX,
        ...kafka,
      },
      consumers,
    ),
  ];
}

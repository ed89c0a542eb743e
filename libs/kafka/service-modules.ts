import type { DynamicModule } from '@nestjs/common';
import { type BaseConfig, ConfigModule, kafkaSecurity } from '@embargo/config';
import { ObservabilityModule } from '@embargo/observability';
import type { ConsumerBinding } from './kafka.consumer';
import { KafkaModule } from './kafka.module';

type ServiceConfig = Pick<
  BaseConfig,
  | 'LOG_LEVEL'
  | 'KAFKA_BROKERS'
  | 'KAFKA_GROUP_PREFIX'
  | 'KAFKA_TLS'
  | 'KAFKA_TLS_CA_FILE'
  | 'KAFKA_SASL_MECHANISM'
  | 'KAFKA_SASL_USERNAME'
  | 'KAFKA_SASL_PASSWORD'
  | 'KAFKA_SASL_PASSWORD_FILE'
>;

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
        ...kafkaSecurity(config),
        ...kafka,
      },
      consumers,
    ),
  ];
}

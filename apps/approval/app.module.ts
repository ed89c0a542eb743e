import { Module } from '@nestjs/common';
import { ConfigModule } from '@embargo/config';
import { KafkaModule } from '@embargo/kafka';
import { ObservabilityModule } from '@embargo/observability';
import type { ApprovalConfig } from './config';
import { RedisConnection } from './holds/redis.provider';

@Module({})
export class ApprovalModule {
  static forRoot(config: ApprovalConfig, instance: string) {
    return {
      module: ApprovalModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot({ name: 'approval', instance, logLevel: config.LOG_LEVEL }),
        KafkaModule.forRoot(
          {
            brokers: config.KAFKA_BROKERS,
            clientId: instance,
            groupPrefix: config.KAFKA_GROUP_PREFIX,
          },
          [],
        ),
      ],
      providers: [RedisConnection],
    };
  }
}

import { Module } from '@nestjs/common';
import { ConfigModule } from '@embargo/config';
import { bind, KafkaModule } from '@embargo/kafka';
import { ObservabilityModule } from '@embargo/observability';
import type { MaskingConfig } from './config';
import { MaskRequestsConsumer } from './worker/mask-requests.consumer';

/** The masking app's one list of topic handlers. */
export const MASKING_CONSUMERS = [
  bind({ topic: 'maskRequests', group: 'masking-workers', handler: MaskRequestsConsumer }),
];

@Module({})
export class MaskingModule {
  static forRoot(config: MaskingConfig, instance: string) {
    return {
      module: MaskingModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot({ name: 'masking', instance, logLevel: config.LOG_LEVEL }),
        KafkaModule.forRoot(
          {
            brokers: config.KAFKA_BROKERS,
            clientId: instance,
            groupPrefix: config.KAFKA_GROUP_PREFIX,
          },
          MASKING_CONSUMERS,
        ),
      ],
      providers: [MaskRequestsConsumer],
    };
  }
}

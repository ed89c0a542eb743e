import { Module } from '@nestjs/common';
import { ConfigModule } from '@embargo/config';
import { bind, KafkaModule } from '@embargo/kafka';
import { ObservabilityModule } from '@embargo/observability';
import type { AuditConfig } from './config';
import { DeadLettersConsumer } from './indexing/dead-letters.consumer';
import { OpenSearchService } from './indexing/opensearch.service';
import { RequestEventsConsumer } from './indexing/request-events.consumer';
import { EventsController } from './search/events.controller';

/** The audit app's one list of topic handlers. */
export const AUDIT_CONSUMERS = [
  bind({ topic: 'requestEvents', group: 'audit-indexer', handler: RequestEventsConsumer }),
  bind({ topic: 'deadLetters', group: 'audit-dead-letters', handler: DeadLettersConsumer }),
];

@Module({})
export class AuditModule {
  static forRoot(config: AuditConfig, instance: string) {
    return {
      module: AuditModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot({ name: 'audit', instance, logLevel: config.LOG_LEVEL }),
        KafkaModule.forRoot(
          {
            brokers: config.KAFKA_BROKERS,
            clientId: instance,
            groupPrefix: config.KAFKA_GROUP_PREFIX,
          },
          AUDIT_CONSUMERS,
        ),
      ],
      controllers: [EventsController],
      providers: [OpenSearchService, RequestEventsConsumer, DeadLettersConsumer],
    };
  }
}

import { Module } from '@nestjs/common';
import { bind, serviceModules } from '@embargo/kafka';
import type { AuditConfig } from './config';
import { AuditActionsConsumer } from './indexing/audit-actions.consumer';
import { DeadLettersConsumer } from './indexing/dead-letters.consumer';
import { OpenSearchService } from './indexing/opensearch.service';
import { RequestEventsConsumer } from './indexing/request-events.consumer';
import { RevealController } from './reveal/reveal.controller';
import { RevealService } from './reveal/reveal.service';
import { EventsController } from './search/events.controller';

/** The audit app's one list of topic handlers. */
export const AUDIT_CONSUMERS = [
  bind({
    topic: 'requestEvents',
    group: 'audit-indexer',
    handler: RequestEventsConsumer,
    // Fewer, larger bulk requests: each one costs OpenSearch a translog fsync.
    accumulate: { minBytes: 256 * 1024, maxWaitMs: 250 },
  }),
  bind({ topic: 'deadLetters', group: 'audit-dead-letters', handler: DeadLettersConsumer }),
  bind({ topic: 'auditActions', group: 'audit-actions-indexer', handler: AuditActionsConsumer }),
];

@Module({})
export class AuditModule {
  static forRoot(config: AuditConfig, instance: string) {
    return {
      module: AuditModule,
      imports: [...serviceModules('audit', config, instance, AUDIT_CONSUMERS)],
      controllers: [EventsController, RevealController],
      providers: [
        OpenSearchService,
        RevealService,
        RequestEventsConsumer,
        DeadLettersConsumer,
        AuditActionsConsumer,
      ],
    };
  }
}

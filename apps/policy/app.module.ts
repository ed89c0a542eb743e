import { Module } from '@nestjs/common';
import { ConfigModule } from '@embargo/config';
import { KafkaModule } from '@embargo/kafka';
import { ObservabilityModule } from '@embargo/observability';
import type { PolicyConfig } from './config';
import { RevocationsController } from './revocations/revocations.controller';
import { PolicyController } from './versions/policy.controller';
import { PolicyVersions } from './versions/policy-versions.service';

@Module({})
export class PolicyModule {
  static forRoot(config: PolicyConfig, instance: string) {
    return {
      module: PolicyModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot({ name: 'policy', instance, logLevel: config.LOG_LEVEL }),
        KafkaModule.forRoot(
          {
            brokers: config.KAFKA_BROKERS,
            clientId: instance,
            groupPrefix: config.KAFKA_GROUP_PREFIX,
          },
          [],
        ),
      ],
      controllers: [PolicyController, RevocationsController],
      providers: [PolicyVersions],
    };
  }
}

import { DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { CONSUMER_BINDINGS, ConsumerHost, type ConsumerBinding } from './kafka.consumer';
import { KAFKA_OPTIONS, KafkaService, type KafkaOptions } from './kafka.service';

@Global()
@Module({})
export class KafkaModule {
  /**
   * `consumers` is the app's one list of topic handlers: each handler class must also be
   * a provider of the app, and each topic may appear once.
   */
  static forRoot(options: KafkaOptions, consumers: ConsumerBinding[] = []): DynamicModule {
    const providers: Provider[] = [
      { provide: KAFKA_OPTIONS, useValue: options },
      { provide: CONSUMER_BINDINGS, useValue: consumers },
      KafkaService,
      ConsumerHost,
    ];
    return { module: KafkaModule, providers, exports: [KafkaService] };
  }
}

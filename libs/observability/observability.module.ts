import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { HealthController } from './health.controller';
import { createLogger } from './logger';
import { Metrics } from './metrics';
import { Readiness } from './readiness';
import { APP_IDENTITY, LOGGER } from './tokens';

export { APP_IDENTITY, LOGGER } from './tokens';

export interface AppIdentity {
  name: string;
  instance: string;
}

/** Logger, metrics, readiness and the /healthz, /readyz, /metrics endpoints. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(opts: {
    name: string;
    instance: string;
    logLevel: string;
    logger?: Logger;
  }): DynamicModule {
    const logger = opts.logger ?? createLogger(opts.name, opts.logLevel, opts.instance);
    return {
      module: ObservabilityModule,
      controllers: [HealthController],
      providers: [
        { provide: LOGGER, useValue: logger },
        { provide: APP_IDENTITY, useValue: { name: opts.name, instance: opts.instance } },
        { provide: Metrics, useValue: new Metrics(opts.name) },
        { provide: Readiness, useValue: new Readiness() },
      ],
      exports: [LOGGER, APP_IDENTITY, Metrics, Readiness],
    };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
import { LOGGER } from '@embargo/observability';
import type { Logger } from 'pino';
import type { Connection } from './connections';
import { UpstreamClient, type UpstreamClientOptions } from './upstream.client';

export const UPSTREAM_CONNECTIONS = Symbol('UPSTREAM_CONNECTIONS');

/**
 * Provides the UpstreamClient for the given connections (see parseConnections /
 * loadConnectionsFile). Pools close on application shutdown, so the app must call
 * enableShutdownHooks().
 */
@Module({})
export class UpstreamModule {
  static forRoot(
    connections: readonly Connection[],
    options: UpstreamClientOptions = {},
  ): DynamicModule {
    return {
      module: UpstreamModule,
      providers: [
        { provide: UPSTREAM_CONNECTIONS, useValue: connections },
        {
          provide: UpstreamClient,
          // The app's logger, when there is one: retries, fail-overs and the detail of
          // upstream failures (callers only get a generic message) go to it.
          useFactory: (logger?: Logger) =>
            new UpstreamClient(connections, { ...options, logger: options.logger ?? logger }),
          inject: [{ token: LOGGER, optional: true }],
        },
      ],
      exports: [UpstreamClient, UPSTREAM_CONNECTIONS],
    };
  }
}

import { Module, type DynamicModule } from '@nestjs/common';
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
        { provide: UpstreamClient, useFactory: () => new UpstreamClient(connections, options) },
      ],
      exports: [UpstreamClient, UPSTREAM_CONNECTIONS],
    };
  }
}

import { startHttpApp, type HttpAppOptions } from './http-app';
import { hostname } from 'node:os';

/** A stable, readable instance id: `<app>-<host>-<pid>` unless INSTANCE_ID is set. */
export function instanceId(app: string, configured?: string): string {
  return configured ?? `${app}-${hostname()}-${process.pid}`.replace(/[^\w.-]/g, '_');
}

/**
 * The main() of every app: validate config (exit with one line naming a bad setting),
 * build the root module, start HTTP with health, metrics and graceful shutdown.
 */
export function runService<
  C extends {
    PORT: number;
    HOST: string;
    SHUTDOWN_GRACE_MS: number;
    HTTP_REQUEST_TIMEOUT_MS?: number;
    HTTP_KEEP_ALIVE_TIMEOUT_MS?: number;
    MAX_CONNECTIONS?: number;
    INSTANCE_ID?: string;
  },
>(
  name: string,
  loadConfig: () => C,
  rootModule: (config: C, instance: string) => unknown,
  options: Pick<HttpAppOptions, 'errorFilter' | 'maxHeaderBytes' | 'onParserRefusal'> & {
    bodyLimit?: (config: C) => number;
    maxInFlight?: (config: C) => number;
  } = {},
): void {
  const config = loadConfig();
  const instance = instanceId(name, config.INSTANCE_ID);
  startHttpApp(rootModule(config, instance), {
    port: config.PORT,
    host: config.HOST,
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
    bodyLimit: options.bodyLimit?.(config),
    maxHeaderBytes: options.maxHeaderBytes,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: config.MAX_CONNECTIONS,
    maxInFlight: options.maxInFlight?.(config),
    errorFilter: options.errorFilter,
    onParserRefusal: options.onParserRefusal,
  }).catch((err: unknown) => {
    process.stderr.write(`${name} failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  });
}

import { startStandIn } from './stand-in';

export * from './stand-in';

/**
 * The embedding-model stand-in as a process: `node dist/apps/stand-in-upstream/main`.
 * PORT (8090), HOST (127.0.0.1), STAND_IN_API_KEY (require this bearer token),
 * STAND_IN_FAULTS=1 (honour x-stand-in-* fault headers), STAND_IN_DIMENSIONS (1536).
 */
async function main(): Promise<void> {
  const env = process.env;
  const port = Number(env.PORT ?? 8090);
  const dimensions = Number(env.STAND_IN_DIMENSIONS ?? 1536);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error('Invalid setting PORT: must be a port number');
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 8192) {
    throw new Error('Invalid setting STAND_IN_DIMENSIONS: must be an integer from 1 to 8192');
  }
  const standIn = await startStandIn({
    port,
    host: env.HOST ?? '127.0.0.1',
    apiKey: env.STAND_IN_API_KEY || undefined,
    faults: env.STAND_IN_FAULTS === '1',
    dimensions,
  });
  process.stdout.write(
    `${JSON.stringify({
      level: 'info',
      app: 'stand-in-upstream',
      msg: 'embedding-model stand-in listening (not a real model)',
      url: standIn.url,
      auth: env.STAND_IN_API_KEY ? 'bearer' : 'none',
      faults: env.STAND_IN_FAULTS === '1',
    })}\n`,
  );
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`stand-in-upstream failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  });
}

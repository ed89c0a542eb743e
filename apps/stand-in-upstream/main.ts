import { loadStandInConfig } from './config';
import { startStandIn } from './stand-in';

export * from './stand-in';

/**
 * The embedding-model stand-in as a process: `node dist/apps/stand-in-upstream/main`.
 * PORT (8090), HOST (127.0.0.1), STAND_IN_API_KEY (require this bearer token on /v1 and on
 * the /_stand_in record of what it received),
 * STAND_IN_FAULTS=1 (honour x-stand-in-* fault headers), STAND_IN_DIMENSIONS (1536).
 */
async function main(): Promise<void> {
  const config = loadStandInConfig();
  const standIn = await startStandIn({
    port: config.PORT,
    host: config.HOST,
    apiKey: config.STAND_IN_API_KEY || undefined,
    faults: config.STAND_IN_FAULTS === '1',
    dimensions: config.STAND_IN_DIMENSIONS,
  });
  process.stdout.write(
    `${JSON.stringify({
      level: 'info',
      app: 'stand-in-upstream',
      msg: 'embedding-model stand-in listening (not a real model)',
      url: standIn.url,
      auth: config.STAND_IN_API_KEY ? 'bearer' : 'none',
      faults: config.STAND_IN_FAULTS === '1',
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

import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from './processes';

/**
 * A TCP proxy between an app under test and one of its dependencies, so a test can fail
 * that dependency for the app alone: `pause()` stalls it (connections stay open, nothing is
 * forwarded either way, new ones are accepted and wait), `cut()` takes it away (open
 * connections are reset, new ones refused), `restore()` brings it back.
 */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>` (or another scheme: `url('redis')`). */
  url(scheme?: string): string;
  readonly port: number;
  pause(): void;
  cut(): Promise<void>;
  restore(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  const port = await freePort();
  const pairs = new Set<[Socket, Socket]>();
  let paused = false;
  let server: Server | undefined;

  const accept = (client: Socket) => {
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    if (paused) hold(pair);
    else flow(pair);
  };
  // Unpiped as well as paused: a piped stream resumes itself when its destination drains.
  const hold = ([client, upstream]: [Socket, Socket]) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };
  const flow = ([client, upstream]: [Socket, Socket]) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(accept);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        resolve();
      });
    });
  const unlisten = async () => {
    const s = server;
    server = undefined;
    for (const [client, upstream] of pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
    if (s) await new Promise((r) => s.close(r));
  };
  await listen();

  return {
    port,
    url: (scheme = 'http') => `${scheme}://127.0.0.1:${port}`,
    pause() {
      paused = true;
      for (const pair of pairs) hold(pair);
    },
    cut: unlisten,
    async restore() {
      paused = false;
      for (const pair of pairs) flow(pair);
      if (!server) await listen();
    },
    stop: unlisten,
  };
}

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually, freePort } from './processes';

const run = promisify(execFile);

/** A Redis server of a test's own, so stopping or pausing it touches nothing else. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  /** Starts it again on the same port (after a kill), answering once this resolves. */
  restart(): Promise<PrivateRedis>;
  /** Kills it (SIGKILL) and waits for it to be gone. */
  kill(): Promise<void>;
}

/** Starts `redis-server` on a free port (or `port`), without persistence, once it answers PING. */
export async function startPrivateRedis(port?: number): Promise<PrivateRedis> {
  const p = port ?? (await freePort());
  const child = spawn('redis-server', ['--port', String(p), '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await eventually(
    async () => {
      const { stdout } = await run('redis-cli', ['-p', String(p), 'PING']);
      return stdout.trim() === 'PONG' ? true : undefined;
    },
    10_000,
    `redis-server on port ${p} to answer`,
  );
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    process: child,
    restart: () => startPrivateRedis(p),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

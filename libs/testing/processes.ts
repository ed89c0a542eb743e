import { ed25519PublicPoint } from '@embargo/crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TESTING_ENV } from './config';

/** The repository root, from the sources (tests) or from dist/ (benchmarks). */
export const REPO_ROOT = ((): string => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

export interface RunningApp {
  name: string;
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything the app wrote to stdout and stderr so far. */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Settings the local infrastructure (deploy/local) answers on. */
export const LOCAL_INFRA = {
  KAFKA_BROKERS: TESTING_ENV.KAFKA_BROKERS,
  REDIS_URL: TESTING_ENV.REDIS_URL,
  OPENSEARCH_URL: TESTING_ENV.OPENSEARCH_URL,
};

/**
 * Starts a built app (`node dist/apps/<name>/main.js`) as its own process, the way it
 * runs in production, and waits until `/readyz` answers 200 (or `ready: 'healthz'`).
 */
export async function startApp(
  name: string,
  env: Record<string, string>,
  opts: { ready?: 'readyz' | 'healthz' | 'none'; timeoutMs?: number; entry?: string } = {},
): Promise<RunningApp> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const entry = opts.entry ?? join(REPO_ROOT, 'dist', 'apps', name, 'main.js');
  let out = '';
  const child = spawn(process.execPath, [entry], {
    env: {
      PATH: TESTING_ENV.PATH,
      TZ: 'UTC',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      ...LOCAL_INFRA,
      ...env,
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const app: RunningApp = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    process: child,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  if (opts.ready === 'none') return app;
  const path = opts.ready === 'healthz' ? '/healthz' : '/readyz';
  const deadline = Date.now() + (opts.timeoutMs ?? 60000);
  let lastAnswer = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited with ${child.exitCode}:\n${out.slice(-4000)}`);
    try {
      const res = await fetch(`${app.url}${path}`);
      if (res.status === 200) return app;
      lastAnswer = `${res.status} ${await res.text()}`;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  await app.stop('SIGKILL');
  throw new Error(
    `${name} was not ready within ${opts.timeoutMs ?? 60000} ms (${path}: ${lastAnswer || 'no answer'}):\n${out.slice(-4000)}`,
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs = 20000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** A fresh 32-byte key ring setting (`kid:base64`) for tests. */
export function testKeyring(kid = 'k1'): string {
  return `${kid}:${Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 7 + kid.length) & 0xff)).toString('base64')}`;
}

/**
 * A fresh Ed25519 pair as the policy service and the gateways take it: POLICY_SIGNING_KEYS
 * (the seed) and POLICY_VERIFY_KEYS (the public key), under one key id.
 */
export function testPolicyKeys(kid = 'p1'): { signing: string; verify: string } {
  const seed = randomBytes(32);
  return {
    signing: `${kid}:${seed.toString('base64')}`,
    verify: `${kid}:${ed25519PublicPoint(seed).toString('base64')}`,
  };
}

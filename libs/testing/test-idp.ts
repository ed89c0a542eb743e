import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from './processes';
import { TESTING_ENV } from './config';

export interface TestIdpClient {
  clientId: string;
  clientSecret: string;
  /** Extra claims put in every access token issued to this client (roles, groups...). */
  claims?: Record<string, unknown>;
}

export interface TestIdpOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  clients: TestIdpClient[];
  /** The `aud` of every access token. */
  audience: string | string[];
  /** Defaults to http://127.0.0.1:<port>. */
  issuer?: string;
  /** Space-separated scopes the resource server offers; default "embeddings". */
  scope?: string;
  /** Access token lifetime; default 600 s. */
  ttlSeconds?: number;
  /** Startup timeout; default 60 s (a busy machine can take far longer than the usual second). */
  startTimeoutMs?: number;
}

export interface TestIdp {
  issuer: string;
  jwksUri: string;
  discoveryUrl: string;
  tokenEndpoint: string;
  /** A real client_credentials grant against the token endpoint; returns the JWT access token. */
  token(clientId: string, opts?: { scope?: string }): Promise<string>;
  stop(): Promise<void>;
}

const SCRIPT = join(REPO_ROOT, 'libs', 'testing', 'oidc-provider-server');

/**
 * Starts a real OpenID provider (oidc-provider) in a child process on 127.0.0.1. It issues
 * RS256 JWT access tokens through the client-credentials grant, with each client's extra
 * claims. A child process because oidc-provider is ESM-only and Jest's CommonJS runtime
 * on Node 20 cannot load it.
 */
export async function startTestIdp(opts: TestIdpOptions): Promise<TestIdp> {
  const config = {
    port: opts.port ?? 0,
    issuer: opts.issuer,
    audience: opts.audience,
    clients: opts.clients,
    scope: opts.scope,
    ttlSeconds: opts.ttlSeconds,
  };
  const child = spawn(process.execPath, [SCRIPT, JSON.stringify(config)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // Only what it needs: no credentials from the test runner's environment.
    env: { PATH: TESTING_ENV.PATH, TZ: 'UTC', TEST_IDP_WATCH_STDIN: '1' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const ready = await waitForReady(child, opts.startTimeoutMs ?? 60_000, () => stderr);
  const secrets = new Map(opts.clients.map((c) => [c.clientId, c.clientSecret]));

  return {
    issuer: ready.issuer,
    jwksUri: ready.jwksUri,
    discoveryUrl: ready.discoveryUrl,
    tokenEndpoint: ready.tokenEndpoint,
    async token(clientId, tokenOpts) {
      const secret = secrets.get(clientId);
      if (secret === undefined) throw new Error(`test IdP: unknown client ${clientId}`);
      const body = new URLSearchParams({ grant_type: 'client_credentials' });
      if (tokenOpts?.scope) body.set('scope', tokenOpts.scope);
      const basic = Buffer.from(
        `${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`,
      ).toString('base64');
      const res = await fetch(ready.tokenEndpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
      });
      const json = (await res.json()) as {
        access_token?: string;
        error?: string;
        error_description?: string;
      };
      if (!res.ok || !json.access_token) {
        throw new Error(
          `test IdP token request failed: ${res.status} ${json.error ?? ''} ${json.error_description ?? ''}`,
        );
      }
      return json.access_token;
    },
    stop: () => stopChild(child),
  };
}

interface ReadyLine {
  issuer: string;
  jwksUri: string;
  discoveryUrl: string;
  tokenEndpoint: string;
}

function waitForReady(
  child: ChildProcess,
  timeoutMs: number,
  stderr: () => string,
): Promise<ReadyLine> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const fail = (why: string) => {
      clearTimeout(timer);
      lines.close();
      child.kill('SIGKILL');
      reject(new Error(`test IdP did not start: ${why}\n${stderr()}`));
    };
    const timer = setTimeout(() => fail(`no ready line within ${timeoutMs} ms`), timeoutMs);
    child.once('exit', (code) => fail(`exited with code ${code}`));
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      try {
        resolve(JSON.parse(line) as ReadyLine);
      } catch {
        fail(`unexpected output ${line}`);
      }
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

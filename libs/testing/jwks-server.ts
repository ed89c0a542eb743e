import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JwksServer {
  /** URL of the JWKS document. */
  jwksUri: string;
  /** URL of a discovery document pointing at jwksUri (with the issuer given to start). */
  discoveryUrl: string;
  /** How many times the JWKS document was fetched. */
  fetches(): number;
  /** How many times the discovery document was fetched. */
  discoveryFetches(): number;
  /** Replaces the served keys (rotation). */
  setKeys(keys: object[]): void;
  /** Answers JWKS fetches with this HTTP status (an IdP outage) until set back to undefined. */
  setFailing(status: number | undefined): void;
  stop(): Promise<void>;
}

/** A tiny JWKS (and discovery) server on 127.0.0.1 that counts fetches. */
export async function startJwksServer(
  keys: object[],
  opts: { issuer?: string; delayMs?: number } = {},
): Promise<JwksServer> {
  let served = keys;
  let failing: number | undefined;
  let jwksFetches = 0;
  let discoveryFetches = 0;
  let base = '';
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      const reply = () => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (opts.delayMs) setTimeout(reply, opts.delayMs);
      else reply();
    };
    if (req.url === '/jwks') {
      jwksFetches++;
      if (failing) send(failing, { error: 'unavailable' });
      else send(200, { keys: served });
    } else if (req.url === '/.well-known/openid-configuration') {
      discoveryFetches++;
      send(200, { issuer: opts.issuer ?? base, jwks_uri: `${base}/jwks` });
    } else {
      send(404, { error: 'not_found' });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    jwksUri: `${base}/jwks`,
    discoveryUrl: `${base}/.well-known/openid-configuration`,
    fetches: () => jwksFetches,
    discoveryFetches: () => discoveryFetches,
    setKeys: (next) => {
      served = next;
    },
    setFailing: (status) => {
      failing = status;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

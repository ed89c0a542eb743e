import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyFitsAlgorithm, quote, TokenError } from './jwt';

export interface JwksOptions {
  /** Least time between two fetches prompted by unknown key ids. */
  cooldownSeconds: number;
  /** Keys older than this are refreshed in the background (keys removed upstream go away). */
  maxAgeSeconds: number;
  /** Timeout of one discovery or JWKS fetch. */
  timeoutMs: number;
}

export const DEFAULT_JWKS_OPTIONS: JwksOptions = {
  cooldownSeconds: 30,
  maxAgeSeconds: 600,
  timeoutMs: 5000,
};

export type FetchJson = (url: string, timeoutMs: number) => Promise<unknown>;

/** The issuer's keys could not be fetched: not the caller's fault, so not a 401. */
export class KeySourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeySourceError';
  }
}

interface CachedKey {
  key: KeyObject;
  /** The JWK's own alg, when it names one. */
  alg?: string;
}

const MAX_DOCUMENT_BYTES = 1024 * 1024;

export const fetchJson: FetchJson = async (url, timeoutMs) => {
  const res = await fetch(url, {
    signal: AbortSignal.timeout(timeoutMs),
    headers: { accept: 'application/json' },
    // A redirect could lead off the origin that was checked: refused, never followed.
    redirect: 'manual',
  });
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status} redirect, which is not followed`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status}`);
  }
  return JSON.parse(await readCapped(res, MAX_DOCUMENT_BYTES)) as unknown;
};

/** The body as UTF-8 text, reading no further than `limit` bytes. */
async function readCapped(res: Response, limit: number): Promise<string> {
  const tooLarge = () => new Error(`document larger than ${limit} bytes`);
  if (Number(res.headers.get('content-length')) > limit) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (!res.body) return '';
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** 127.0.0.0/8, ::1 and localhost: where plain http cannot be intercepted on the way. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * Throws unless a `jwks_uri` read from a discovery document may be trusted: https (plain
 * http only when the issuer itself is http on loopback, as a local test IdP is, or its
 * config sets allowPlainHttp), on the
 * issuer's own origin or one the issuer's config allows. Whoever controls the discovery
 * answer would otherwise choose the keys every token of the issuer is checked with.
 */
export function checkDiscoveredJwksUri(
  jwksUri: string,
  issuer: string,
  allowedOrigins: readonly string[] = [],
  allowPlainHttp = false,
): void {
  const url = parseUrl(jwksUri);
  if (!url) throw new Error('discovery document jwks_uri is not a URL');
  const issuerUrl = parseUrl(issuer);
  const plainIssuer =
    issuerUrl?.protocol === 'http:' && (allowPlainHttp || isLoopbackHost(issuerUrl.hostname));
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && plainIssuer)) {
    throw new Error(`discovery document jwks_uri ${quote(jwksUri)} is not https`);
  }
  if (url.origin !== issuerUrl?.origin && !allowedOrigins.includes(url.origin)) {
    throw new Error(
      `discovery document jwks_uri ${quote(jwksUri)} is not on the issuer's origin (allow its origin in allowedJwksOrigins if the issuer serves its keys there)`,
    );
  }
}

/** Longest pause between retries while an issuer's keys cannot be fetched. */
const MAX_BACKOFF_SECONDS = 60;

/**
 * One issuer's signing keys. Fetched on first use, refetched when a token names a key id
 * we do not hold, and refreshed in the background when older than maxAge. Every fetch,
 * whatever prompts it, waits at least the cooldown after the last one (so a stream of
 * made-up kids, or of requests while the IdP is down, cannot turn the gateway into a load
 * generator against the IdP); after failures it retries sooner, then backs off. Cached
 * keys are served meanwhile. Concurrent refreshes share one fetch.
 */
export class JwksClient {
  /** Keys by kid: a JWKS may list one kid for keys of several types (an RSA and an EC key). */
  private byKid = new Map<string, CachedKey[]>();
  private withoutKid: CachedKey[] = [];
  private loadedAt: number | undefined;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  /** Fetches failed in a row since the last success. */
  private failures = 0;
  private inflight: Promise<void> | undefined;
  private jwksUri: string | undefined;

  constructor(
    private readonly source: {
      name: string;
      issuer: string;
      jwksUri?: string;
      discoveryUrl?: string;
      /** Origins besides the issuer's that a discovered jwks_uri may be on. */
      allowedJwksOrigins?: readonly string[];
      /** Plain http allowed off loopback too: an IdP on a private network. */
      allowPlainHttp?: boolean;
    },
    private readonly opts: JwksOptions = DEFAULT_JWKS_OPTIONS,
    private readonly fetcher: FetchJson = fetchJson,
    private readonly now: () => number = Date.now,
    private readonly onBackgroundError: (err: unknown) => void = () => undefined,
  ) {
    this.jwksUri = source.jwksUri;
  }

  /** The verification key for a token's kid and alg; throws TokenError or KeySourceError. */
  async getKey(kid: string | undefined, alg: string): Promise<KeyObject> {
    if (this.loadedAt === undefined) {
      await this.refreshIfAllowed();
    } else if (
      this.now() - this.loadedAt > this.opts.maxAgeSeconds * 1000 &&
      !this.inflight &&
      this.mayFetch()
    ) {
      this.refresh().catch(this.onBackgroundError);
    }
    let found = this.find(kid, alg);
    if (!found) {
      // An unknown kid may mean the issuer rotated keys: look again, within the cooldown.
      await this.refreshIfAllowed();
      found = this.find(kid, alg);
    }
    if (!found) {
      throw new TokenError(
        'unknown_key',
        kid === undefined
          ? `Bearer token has no kid and no single ${alg} key of issuer ${quote(this.source.name)} fits`
          : `Bearer token key id ${quote(kid)} is unknown to issuer ${quote(this.source.name)}`,
      );
    }
    if ((found.alg !== undefined && found.alg !== alg) || !keyFitsAlgorithm(found.key, alg)) {
      throw new TokenError(
        'algorithm_not_allowed',
        `Bearer token alg ${alg} does not match its signing key`,
      );
    }
    return found.key;
  }

  private find(kid: string | undefined, alg: string): CachedKey | undefined {
    const fits = (k: CachedKey) =>
      (k.alg === undefined || k.alg === alg) && keyFitsAlgorithm(k.key, alg);
    if (kid !== undefined) {
      const named = this.byKid.get(kid);
      // The one that fits the token's alg; else any, so the refusal says the alg is wrong.
      return named?.find(fits) ?? named?.[0];
    }
    const fitting = [...this.withoutKid, ...[...this.byKid.values()].flat()].filter(fits);
    return fitting.length === 1 ? fitting[0] : undefined;
  }

  /**
   * Whether the last fetch is long enough ago for another: the cooldown after a success;
   * after failures 5 s (or the cooldown, if shorter), doubling with each failure in a row up
   * to a minute (or the cooldown, if longer), so a brief outage heals fast and a long one
   * costs the IdP one fetch a minute.
   */
  private mayFetch(): boolean {
    const { cooldownSeconds } = this.opts;
    const wait =
      this.failures === 0
        ? cooldownSeconds
        : Math.min(
            Math.min(cooldownSeconds, 5) * 2 ** (this.failures - 1),
            Math.max(cooldownSeconds, MAX_BACKOFF_SECONDS),
          );
    return this.now() - this.lastAttempt >= wait * 1000;
  }

  private async refreshIfAllowed(): Promise<void> {
    if (this.inflight) return this.inflight;
    if (!this.mayFetch()) {
      if (this.loadedAt === undefined) {
        throw new KeySourceError(
          `Signing keys of issuer ${quote(this.source.name)} are unavailable; retry shortly`,
        );
      }
      return;
    }
    return this.refresh();
  }

  private refresh(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.lastAttempt = this.now();
    this.inflight = this.load()
      .then(
        () => {
          this.failures = 0;
        },
        (err: unknown) => {
          this.failures++;
          throw new KeySourceError(
            `Signing keys of issuer ${quote(this.source.name)} could not be fetched (${(err as Error).message}); retry shortly`,
          );
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async load(): Promise<void> {
    if (!this.jwksUri) this.jwksUri = await this.discover();
    const doc = await this.fetcher(this.jwksUri, this.opts.timeoutMs);
    const keys = (doc as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) throw new Error('JWKS document has no keys array');
    const byKid = new Map<string, CachedKey[]>();
    const withoutKid: CachedKey[] = [];
    for (const jwk of keys as unknown[]) {
      const parsed = toVerificationKey(jwk);
      if (!parsed) continue;
      const kid = (jwk as { kid?: unknown }).kid;
      if (typeof kid === 'string') byKid.set(kid, [...(byKid.get(kid) ?? []), parsed]);
      else withoutKid.push(parsed);
    }
    this.byKid = byKid;
    this.withoutKid = withoutKid;
    this.loadedAt = this.now();
  }

  private async discover(): Promise<string> {
    const url = this.source.discoveryUrl;
    if (!url) throw new Error('neither jwksUri nor discoveryUrl is set');
    const doc = (await this.fetcher(url, this.opts.timeoutMs)) as {
      issuer?: unknown;
      jwks_uri?: unknown;
    } | null;
    if (doc?.issuer !== this.source.issuer)
      throw new Error('discovery document names a different issuer');
    if (typeof doc.jwks_uri !== 'string') throw new Error('discovery document has no jwks_uri');
    checkDiscoveredJwksUri(
      doc.jwks_uri,
      this.source.issuer,
      this.source.allowedJwksOrigins,
      this.source.allowPlainHttp,
    );
    return doc.jwks_uri;
  }
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** A public signature key from a JWK, or undefined for anything else (oct, enc, broken). */
export function toVerificationKey(jwk: unknown): CachedKey | undefined {
  if (typeof jwk !== 'object' || jwk === null) return undefined;
  const j = jwk as Record<string, unknown>;
  if (j.kty !== 'RSA' && j.kty !== 'EC' && j.kty !== 'OKP') return undefined;
  if (j.use !== undefined && j.use !== 'sig') return undefined;
  if (Array.isArray(j.key_ops) && !j.key_ops.includes('verify')) return undefined;
  const pub: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(j)) if (!PRIVATE_MEMBERS.includes(k)) pub[k] = v;
  try {
    const key = createPublicKey({ key: pub as never, format: 'jwk' });
    return { key, alg: typeof j.alg === 'string' ? j.alg : undefined };
  } catch {
    return undefined;
  }
}

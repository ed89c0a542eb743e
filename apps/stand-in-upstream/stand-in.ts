import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { embeddingsResponseBody } from '@embargo/contracts';

/**
 * A STAND-IN for a real embedding model, for local runs and tests only. It speaks the
 * OpenAI embeddings API and returns deterministic pseudo-random unit vectors derived from
 * SHA-256 of the model and input: the same input always gets the same vector, different
 * inputs get unrelated ones. The vectors carry no meaning; never point real traffic here.
 */

export interface StandInOptions {
  port?: number;
  host?: string;
  /** When set, every /v1 and /_stand_in call must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Enables the x-stand-in-* fault headers. Off unless asked for. */
  faults?: boolean;
  /** Vector size when the request names no `dimensions` (default 1536). */
  dimensions?: number;
  /** How many received requests GET /_stand_in/received keeps (default 1000). */
  receivedLimit?: number;
  maxBodyBytes?: number;
}

export interface ReceivedRequest {
  at: string;
  requestId: string | null;
  model: string;
  /** The inputs exactly as the stand-in received them, one entry per input. */
  input: Array<string | number[]>;
  /** The request's `user`, when it had one. */
  user?: string;
}

export interface StandIn {
  /** e.g. http://127.0.0.1:8090 */
  url: string;
  /** The OpenAI-style base URL to configure: `${url}/v1`. */
  baseUrl: string;
  port: number;
  received(): ReceivedRequest[];
  clearReceived(): void;
  close(): Promise<void>;
}

export const STAND_IN_MODELS: Record<string, number> = {
  'stand-in-embedding': 1536,
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

const MAX_DIMENSIONS = 8192;

/** Unit vector for one input; the first n values of a longer vector, renormalized, equal the n-vector. */
export function standInVector(
  model: string,
  input: string | number[],
  dimensions: number,
): Float32Array {
  const digest = createHash('sha256')
    .update(model)
    .update('\0')
    .update(typeof input === 'string' ? `t:${input}` : `i:${input.join(',')}`)
    .digest();
  // xoshiro128** seeded from the digest: fast, and fully determined by the input.
  let a = digest.readUInt32LE(0) | 1;
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const out = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    const v = r / 2147483648 - 1;
    out[i] = v;
    norm += v * v;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < dimensions; i++) out[i] *= scale;
  return out;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;
  constructor(private readonly limit: number) {}
  push(item: T): void {
    if (this.items.length < this.limit) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.limit;
  }
  list(): T[] {
    return this.items.length < this.limit
      ? [...this.items]
      : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
  clear(): void {
    this.items.length = 0;
    this.next = 0;
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly type = 'invalid_request_error',
  ) {
    super(message);
  }
}

const JSON_HEADERS = {
  'content-type': 'application/json',
  'x-stand-in': 'embedding-model-stand-in',
};

export function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const defaultDimensions = options.dimensions ?? 1536;
  const maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const received = new Ring<ReceivedRequest>(options.receivedLimit ?? 1000);
  const expectedAuth = options.apiKey ? Buffer.from(`Bearer ${options.apiKey}`) : undefined;
  const faultCounts = new Map<string, number>();

  function authorized(req: IncomingMessage): boolean {
    if (!expectedAuth) return true;
    const given = Buffer.from(req.headers.authorization ?? '');
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  }

  async function embeddings(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseBody(await readBody(req, maxBody));
    const model = body.model;
    if (typeof model !== 'string' || !model)
      throw new HttpError(400, "'model' is required", 'invalid_request');
    const inputs = normalizeInput(body.input);
    const encoding = body.encoding_format ?? 'float';
    if (encoding !== 'float' && encoding !== 'base64') {
      throw new HttpError(400, "'encoding_format' must be 'float' or 'base64'", 'invalid_request');
    }
    const dimensions = body.dimensions ?? STAND_IN_MODELS[model] ?? defaultDimensions;
    if (
      !Number.isInteger(dimensions) ||
      (dimensions as number) < 1 ||
      (dimensions as number) > MAX_DIMENSIONS
    ) {
      throw new HttpError(
        400,
        `'dimensions' must be an integer from 1 to ${MAX_DIMENSIONS}`,
        'invalid_request',
      );
    }
    const requestId = headerValue(req, 'x-request-id') ?? null;
    const user = typeof body.user === 'string' ? body.user : undefined;
    received.push({ at: new Date().toISOString(), requestId, model, input: inputs, user });

    if (options.faults && (await injectFault(req, res, requestId))) return;

    let tokens = 0;
    const vectors = inputs.map((input) => {
      tokens += typeof input === 'string' ? Math.max(1, Math.ceil(input.length / 4)) : input.length;
      return standInVector(model, input, dimensions as number);
    });
    // As OpenAI writes it: floats in their shortest float32 form, or base64.
    res.writeHead(200, JSON_HEADERS).end(
      embeddingsResponseBody(vectors, encoding, model, {
        prompt_tokens: tokens,
        total_tokens: tokens,
      }),
    );
  }

  /** Returns true when it has answered (or deliberately not answered) the request. */
  async function injectFault(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string | null,
  ): Promise<boolean> {
    const delayMs = Number(headerValue(req, 'x-stand-in-delay-ms') ?? 0);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, Math.min(delayMs, 120_000)));
    const fail = headerValue(req, 'x-stand-in-fail');
    if (!fail) return false;
    const times = Number(headerValue(req, 'x-stand-in-fail-times') ?? Infinity);
    const key = `${requestId ?? ''}|${fail}`;
    const seen = faultCounts.get(key) ?? 0;
    if (seen >= times) return false;
    if (faultCounts.size > 10_000) faultCounts.clear();
    faultCounts.set(key, seen + 1);

    const retryAfter = headerValue(req, 'x-stand-in-retry-after');
    const extra: Record<string, string> = retryAfter ? { 'retry-after': retryAfter } : {};
    switch (fail) {
      case 'timeout':
        return true; // never answer; the socket is cut when the stand-in closes
      case 'reset':
        req.socket.destroy();
        return true;
      case 'malformed':
        res
          .writeHead(200, JSON_HEADERS)
          .end('{"object":"list","data":[{"object":"embedding","index":0,"embedd');
        return true;
      case 'endless': {
        // Like a broken upstream that streams for as long as anyone reads.
        res.writeHead(200, JSON_HEADERS);
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        res.write('{"object":"list","data":[');
        pump();
        return true;
      }
      case 'wrong-shape':
        send(res, 200, {
          object: 'list',
          data: [{ object: 'embedding', index: 0, embedding: 'not-a-vector' }],
          model: 'x',
        });
        return true;
      case 'echo-auth':
        // Like a careless upstream that quotes the credential it was sent.
        send(res, 500, {
          error: {
            message: `internal error for key ${req.headers.authorization ?? ''}`,
            type: 'server_error',
          },
        });
        return true;
      default: {
        const status = Number(fail);
        if (!Number.isInteger(status) || status < 400 || status > 599) return false;
        // As OpenAI sends them: a 429 names the limit (type) and says rate_limit_exceeded.
        const [type, code] =
          status === 429
            ? ['requests', 'rate_limit_exceeded']
            : status >= 500
              ? ['server_error', null]
              : ['invalid_request_error', null];
        send(
          res,
          status,
          { error: { message: `stand-in injected ${status}`, type, code, param: null } },
          extra,
        );
        return true;
      }
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    const route = `${req.method} ${path}`;
    if (route === 'GET /healthz') return send(res, 200, { status: 'ok', standIn: true });
    // What it received is what callers sent through the gateway (masked, but still theirs):
    // the record takes the same key as /v1, as the stand-in may listen beyond localhost.
    if ((path.startsWith('/v1/') || path.startsWith('/_stand_in/')) && !authorized(req)) {
      throw new HttpError(401, 'Incorrect API key provided.', 'invalid_api_key');
    }
    if (route === 'GET /_stand_in/received') return send(res, 200, { received: received.list() });
    if (route === 'DELETE /_stand_in/received') {
      received.clear();
      return send(res, 200, { cleared: true });
    }
    if (route === 'POST /v1/embeddings') return embeddings(req, res);
    if (route === 'GET /v1/models') {
      const data = Object.keys(STAND_IN_MODELS).map((id) => ({
        id,
        object: 'model',
        created: 0,
        owned_by: 'embargo-stand-in',
      }));
      return send(res, 200, { object: 'list', data });
    }
    throw new HttpError(404, `No route ${route}`, 'not_found');
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) return;
      const e =
        err instanceof HttpError
          ? err
          : new HttpError(500, 'stand-in failed', 'internal_error', 'server_error');
      send(res, e.status, {
        error: { message: e.message, type: e.type, code: e.code, param: null },
      });
    });
  });
  server.keepAliveTimeout = 30_000;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const host = options.host ?? '127.0.0.1';
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      resolve({
        url,
        baseUrl: `${url}/v1`,
        port,
        received: () => received.list(),
        clearReceived: () => received.clear(),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...JSON_HEADERS, ...headers }).end(JSON.stringify(body));
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, `body exceeds ${limit} bytes`, 'payload_too_large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface EmbeddingsBody {
  model?: unknown;
  input?: unknown;
  encoding_format?: unknown;
  dimensions?: unknown;
  user?: unknown;
}

function parseBody(text: string): EmbeddingsBody {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'body must be a JSON object', 'invalid_json');
}

const isTokenList = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t) && (t as number) >= 0);

/** The OpenAI input forms, one entry per input: string, string[], number[], number[][]. */
function normalizeInput(input: unknown): Array<string | number[]> {
  if (typeof input === 'string' && input.length > 0) return [input];
  if (isTokenList(input)) return [input];
  if (Array.isArray(input) && input.length > 0) {
    if (input.every((s) => typeof s === 'string' && s.length > 0)) return input as string[];
    if (input.every(isTokenList)) return input;
  }
  throw new HttpError(
    400,
    "'input' must be a non-empty string, array of strings, or token array(s)",
    'invalid_request',
  );
}

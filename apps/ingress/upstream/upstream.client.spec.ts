import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { constants } from 'node:buffer';
import { EmbargoError } from '@embargo/contracts';
import { parseConnections, type Connection, type Provider } from './connections';
import { Secret } from './secret';
import {
  MAX_RESPONSE_BYTES,
  parseRetryAfter,
  responseLimit,
  safeExcerpt,
  UpstreamClient,
} from './upstream.client';

describe('parseRetryAfter', () => {
  it('reads retry-after-ms, delta seconds and HTTP dates', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '250.5' })).toBe(251);
    expect(parseRetryAfter({ 'retry-after': '2' })).toBe(2000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }, now)).toBe(3000);
    expect(parseRetryAfter({ 'retry-after': 'soon' })).toBeUndefined();
    expect(parseRetryAfter({})).toBeUndefined();
  });
});

describe('safeExcerpt', () => {
  const connection = { credential: new Secret('sk-live-SUPERSECRET-1234567890') };

  it('keeps the provider message and drops the credential', () => {
    const body = JSON.stringify({
      error: {
        message: 'Incorrect API key provided: sk-live-SUPERSECRET-1234567890.',
        code: 'invalid_api_key',
      },
    });
    const excerpt = safeExcerpt(body, connection);
    expect(excerpt).toBe('Incorrect API key provided: [redacted].');
  });

  it('drops the credential when the provider echoes it JSON-escaped', () => {
    const sas = { credential: new Secret('sv=2024&ss=b&sig=Zx9') };
    const body = '{"error":{"message":"bad credential sv=2024\\u0026ss=b\\u0026sig=Zx9"}}';
    const excerpt = safeExcerpt(body, sas);
    expect(excerpt).toBe('bad credential [redacted]');
  });

  it('replaces personal data the provider quotes from the refused input', () => {
    const body = JSON.stringify({
      error: { message: "Invalid input 'call jane.doe@example.com or 4111 1111 1111 1111'" },
    });
    const excerpt = safeExcerpt(body, connection);
    expect(excerpt).toBe("Invalid input 'call <EMAIL_ADDRESS> or <CREDIT_CARD>'");
  });

  it('redacts key-like strings it was not told about, and stays short and on one line', () => {
    const excerpt = safeExcerpt(`oops\n\nBearer abc.def api_key=hunter2 ${'x'.repeat(500)}`, {
      credential: undefined,
    });
    expect(excerpt).not.toContain('abc.def');
    expect(excerpt).not.toContain('hunter2');
    expect(excerpt).not.toContain('\n');
    expect(excerpt.length).toBeLessThanOrEqual(161);
  });
});

/** A local upstream whose every answer the test decides; counts the requests it saw. */
interface LocalUpstream {
  url: string;
  requests: number;
  close(): Promise<void>;
}

async function localUpstream(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<LocalUpstream> {
  const server = createServer((req, res) => {
    upstream.requests++;
    // Read the request body before answering, as a real server would.
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const upstream: LocalUpstream = {
    url: `http://127.0.0.1:${port}`,
    requests: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return upstream;
}

function openAiAnswer(res: ServerResponse, count: number, dims = 4): void {
  const data = Array.from({ length: count }, (_, index) => ({
    object: 'embedding',
    index,
    embedding: Array.from({ length: dims }, () => 0.5),
  }));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ object: 'list', data, model: 'm' }));
}

function status(code: number, headers: Record<string, string> = {}) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ error: { message: `status ${code}` } }));
  };
}

const fast = { attempts: 1, baseDelayMs: 1, maxDelayMs: 5 };

function connection(
  name: string,
  provider: Provider,
  baseUrl: string,
  extra: Partial<Connection> = {},
): Connection {
  return {
    name,
    provider,
    baseUrl,
    models: new Map([
      ['embed', { upstreamModel: 'm', dimensions: 4, maxDimensions: 4, supportsDimensions: true }],
    ]),
    headers: {},
    timeoutMs: 5_000,
    retries: fast,
    maxConnections: 4,
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<EmbargoError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof EmbargoError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** Local upstreams and clients for the tests of a block, all closed after each test. */
function upstreamsAndClients() {
  const servers: LocalUpstream[] = [];
  const clients: UpstreamClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return {
    servers,
    clients,
    async serve(answer: Parameters<typeof localUpstream>[0]): Promise<LocalUpstream> {
      const s = await localUpstream(answer);
      servers.push(s);
      return s;
    },
    /** A client that never waits between retries; `lines` collects its warnings. */
    client(connections: Connection[], lines?: Array<Record<string, unknown>>): UpstreamClient {
      const logger = lines && {
        warn: (obj: Record<string, unknown>, msg: string) => lines.push({ ...obj, msg }),
      };
      const c = new UpstreamClient(connections, { random: () => 0, ...(logger ? { logger } : {}) });
      clients.push(c);
      return c;
    },
  };
}

describe('UpstreamClient fail-over to a fallback that cannot take the request', () => {
  const { serve, client } = upstreamsAndClients();

  it('keeps the upstream failure (502) when the fallback cannot take token ids', async () => {
    const down = await serve(status(503));
    const tei = await serve((_req, res) => openAiAnswer(res, 1));
    const c = client([
      connection('primary', 'openai', `${down.url}/v1`, { fallback: 'tei' }),
      connection('tei', 'tei', tei.url),
    ]);
    const err = await failure(
      c.embed('primary', 'embed', { input: [[1, 2, 3]] }, { requestId: 'r1' }),
    );
    expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(down.requests).toBe(2);
    expect(tei.requests).toBe(0);
  });

  it("keeps the upstream failure when the batch is over the fallback's limit (Cohere's 96)", async () => {
    const down = await serve(status(500));
    const cohere = await serve((_req, res) => openAiAnswer(res, 100));
    const c = client([
      connection('primary', 'openai', `${down.url}/v1`, { fallback: 'cohere' }),
      connection('cohere', 'cohere', cohere.url),
    ]);
    const input = Array.from({ length: 100 }, (_, i) => `text ${i}`);
    const err = await failure(c.embed('primary', 'embed', { input }, { requestId: 'r2' }));
    expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(cohere.requests).toBe(0);
  });

  it('skips such a fallback for the next one in the chain', async () => {
    const down = await serve(status(503));
    const tei = await serve((_req, res) => openAiAnswer(res, 1));
    const last = await serve((_req, res) => openAiAnswer(res, 1));
    const c = client([
      connection('primary', 'openai', `${down.url}/v1`, { fallback: 'tei' }),
      connection('tei', 'tei', tei.url, { fallback: 'last' }),
      connection('last', 'openai', `${last.url}/v1`),
    ]);
    const result = await c.embed('primary', 'embed', { input: [[1, 2]] }, { requestId: 'r3' });
    expect(result.connection).toBe('last');
    expect(tei.requests).toBe(0);
  });

  it('passes over a fallback that does not serve the model for the next one in the chain', async () => {
    const down = await serve(status(503));
    const other = await serve((_req, res) => openAiAnswer(res, 1));
    const last = await serve((_req, res) => openAiAnswer(res, 1));
    const c = client([
      connection('primary', 'openai', `${down.url}/v1`, { fallback: 'other' }),
      connection('other', 'openai', `${other.url}/v1`, {
        fallback: 'last',
        models: new Map([['other-model', { upstreamModel: 'o', supportsDimensions: false }]]),
      }),
      connection('last', 'openai', `${last.url}/v1`),
    ]);
    const result = await c.embed('primary', 'embed', { input: 'x' }, { requestId: 'r4' });
    expect(result.connection).toBe('last');
    expect(other.requests).toBe(0);
  });

  it("refuses a fallback's vectors at another size than the first connection's", async () => {
    const down = await serve(status(503));
    const wide = await serve((_req, res) => openAiAnswer(res, 1, 8));
    const c = client([
      connection('primary', 'openai', `${down.url}/v1`, { fallback: 'wide' }),
      // Its size not configured: the first connection's 4 is what callers were promised.
      connection('wide', 'openai', `${wide.url}/v1`, {
        models: new Map([['embed', { upstreamModel: 'm', supportsDimensions: false }]]),
      }),
    ]);
    const err = await failure(c.embed('primary', 'embed', { input: 'x' }, { requestId: 'r5' }));
    expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(wide.requests).toBe(1);
  });

  it('still answers 400 when the first connection cannot take the request', async () => {
    const tei = await serve((_req, res) => openAiAnswer(res, 1));
    const c = client([connection('tei', 'tei', tei.url)]);
    const err = await failure(c.embed('tei', 'embed', { input: [[1, 2]] }, { requestId: 'r4' }));
    expect(err).toMatchObject({ code: 'invalid_request', status: 400 });
    expect(tei.requests).toBe(0);
  });
});

/** Sends `head`, then `size` bytes of `fill`, then `tail`, as fast as the reader takes them. */
function streamBody(res: ServerResponse, head: string, fill: string, size: number, tail: string) {
  res.write(head);
  const chunk = Buffer.alloc(1024 * 1024, fill);
  let sent = 0;
  const pump = () => {
    while (sent < size) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end(tail);
  };
  pump();
}

describe('UpstreamClient reading upstream bodies', () => {
  const { servers, clients } = upstreamsAndClients();

  it('reads only the head of a huge error body, on every retry, and releases the connection', async () => {
    const BODY = 64 * 1024 * 1024;
    const input = Array.from({ length: 200 }, (_, i) => `text ${i}`);
    const finished: boolean[] = [];
    const upstream = await localUpstream((req, res) => {
      if (upstream.requests > 3) return openAiAnswer(res, input.length, 8);
      res.on('close', () => finished.push(res.writableFinished));
      res.writeHead(500, { 'content-type': 'application/json' });
      streamBody(res, '{"error":{"message":"overloaded"},"padding":"', 'x', BODY, '"}');
    });
    servers.push(upstream);
    // No dimensions configured: a success could be 200 x 16,384 floats as JSON, and an error
    // body used to be read up to that, ~80 MB, on every attempt (~805 MB for 2,048 inputs).
    const c = new UpstreamClient(
      [
        {
          ...connection('big-errors', 'openai', `${upstream.url}/v1`),
          models: new Map([['embed', { upstreamModel: 'm', supportsDimensions: true }]]),
          retries: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
          maxConnections: 1,
        },
      ],
      { random: () => 0 },
    );
    clients.push(c);
    const err = await failure(c.embed('big-errors', 'embed', { input }, { requestId: 'r6' }));
    expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(upstream.requests).toBe(3);
    // Each attempt was cut off long before the 64 MiB were sent...
    await new Promise((r) => setTimeout(r, 50));
    expect(finished).toEqual([false, false, false]);
    // ...and the one pooled connection is free for the next call.
    const ok = await c.embed('big-errors', 'embed', { input }, { requestId: 'r7' });
    expect(ok.vectors).toHaveLength(200);
  });

  it("bounds a success by the model's configured maximum dimensions", async () => {
    const input = Array.from({ length: 200 }, (_, i) => `text ${i}`);
    const finished: boolean[] = [];
    // One row of millions of values: far wider than the 8 dimensions the model is configured
    // for, and well within what 200 rows of 16,384 (the old bound) could take.
    const upstream = await localUpstream((_req, res) => {
      res.on('close', () => finished.push(res.writableFinished));
      res.writeHead(200, { 'content-type': 'application/json' });
      const row = '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0';
      streamBody(res, row, ',', 64 * 1024 * 1024, ']}]}');
    });
    servers.push(upstream);
    const c = new UpstreamClient([
      {
        ...connection('wide', 'openai', `${upstream.url}/v1`),
        models: new Map([
          ['embed', { upstreamModel: 'm', maxDimensions: 8, supportsDimensions: true }],
        ]),
      },
    ]);
    clients.push(c);
    const err = await failure(c.embed('wide', 'embed', { input }, { requestId: 'r8' }));
    expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
    await new Promise((r) => setTimeout(r, 50));
    expect(finished).toEqual([false]);
  });

  it('takes native-size vectors when the configured maximum is narrower and no size was asked', async () => {
    const input = Array.from({ length: 96 }, (_, i) => `text ${i}`);
    const row = Array.from({ length: 3072 }, (_, k) => ((k % 97) / 97 - 0.5).toFixed(9)).join(',');
    const body = `{"object":"list","model":"m","data":[${input
      .map((_, i) => `{"object":"embedding","index":${i},"embedding":[${row}]}`)
      .join(',')}],"usage":{"prompt_tokens":96,"total_tokens":96}}`;
    const upstream = await localUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    servers.push(upstream);
    const c = new UpstreamClient([
      {
        ...connection('native', 'openai', `${upstream.url}/v1`),
        models: new Map([
          [
            'embed',
            { upstreamModel: 'm', dimensions: 3072, maxDimensions: 1024, supportsDimensions: true },
          ],
        ]),
      },
    ]);
    clients.push(c);
    const ok = await c.embed('native', 'embed', { input }, { requestId: 'r9' });
    expect(ok.vectors).toHaveLength(96);
    expect(ok.vectors[0]).toHaveLength(3072);
  });

  it('refuses a vector wider than any model when the size is not configured', async () => {
    // 600,000 zeros fit the byte bound of one input at an unknown size (16,384 floats as
    // JSON, plus 1 MiB); fingerprinting such a vector drew 38 M random signs in one go (most
    // of a second with the event loop stopped) and kept 38 MB of them for the next.
    const row = new Array<string>(600_000).fill('0').join(',');
    const upstream = await localUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"object":"list","data":[{"object":"embedding","index":0,"embedding":[${row}]}]}`);
    });
    servers.push(upstream);
    const c = new UpstreamClient([
      {
        ...connection('unsized', 'openai', `${upstream.url}/v1`),
        models: new Map([['embed', { upstreamModel: 'm', supportsDimensions: false }]]),
      },
    ]);
    clients.push(c);
    const err = await failure(c.embed('unsized', 'embed', { input: 'x' }, { requestId: 'r' }));
    expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
  });
});

describe('UpstreamClient errors as the caller sees them', () => {
  const { serve, client } = upstreamsAndClients();

  it('answers 503 with a bounded Retry-After once an upstream 429 outlasts the retries', async () => {
    const limited = await serve(status(429, { 'retry-after': '86400' }));
    const err = await failure(
      client([connection('secret-openai-east', 'openai', `${limited.url}/v1`)]).embed(
        'secret-openai-east',
        'embed',
        { input: 'x' },
        { requestId: 'req-429' },
      ),
    );
    expect(err).toMatchObject({ code: 'upstream_rate_limited', status: 503 });
    expect(err.details?.retryAfterSeconds).toBe(60);
    // A Retry-After beyond maxDelayMs ends the retries at once.
    expect(limited.requests).toBe(1);
  });

  it('refuses dimensions past the model’s native size without calling the upstream', async () => {
    const upstream = await serve(status(500));
    const c = client([
      connection('native', 'openai', `${upstream.url}/v1`, {
        // No maxDimensions configured: the native size is the limit.
        models: new Map([
          ['embed', { upstreamModel: 'm', dimensions: 4, supportsDimensions: true }],
        ]),
      }),
    ]);
    const err = await failure(
      c.embed('native', 'embed', { input: 'x', dimensions: 5 }, { requestId: 'r-dim' }),
    );
    expect(err).toMatchObject({
      code: 'invalid_request',
      status: 400,
      message: "dimensions must be at most 4 for 'embed'.",
      details: { param: 'dimensions' },
    });
    expect(upstream.requests).toBe(0);
  });

  it('passes a short Retry-After on as whole seconds, and sets one when the upstream gave none', async () => {
    const short = await serve(status(429, { 'retry-after-ms': '1' }));
    const bare = await serve(status(429));
    const c = client([
      connection('short', 'openai', `${short.url}/v1`),
      connection('bare', 'openai', `${bare.url}/v1`, {
        retries: { attempts: 0, baseDelayMs: 100, maxDelayMs: 2500 },
      }),
    ]);
    const a = await failure(c.embed('short', 'embed', { input: 'x' }, { requestId: 'r-a' }));
    expect(a).toMatchObject({ status: 503, details: { retryAfterSeconds: 1 } });
    expect(short.requests).toBe(2);
    const b = await failure(c.embed('bare', 'embed', { input: 'x' }, { requestId: 'r-b' }));
    expect(b).toMatchObject({ status: 503, details: { retryAfterSeconds: 3 } });
  });

  it('names no connection, provider or route to the caller, but logs them', async () => {
    const down = await serve(status(500));
    const broken = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"object":"list","data":[');
    });
    const lines: Array<Record<string, unknown>> = [];
    const c = client(
      [
        connection('azure-east-internal', 'azure_openai', down.url, {
          azure: { apiVersion: '2024-10-21' },
          fallback: 'cohere-backup',
        }),
        connection('cohere-backup', 'cohere', down.url, { fallback: 'openai-last' }),
        connection('openai-last', 'openai', `${broken.url}/v1`),
        connection('tei-only', 'tei', down.url),
      ],
      lines,
    );
    const errors = [
      await failure(
        c.embed('azure-east-internal', 'embed', { input: 'x' }, { requestId: 'req-1' }),
      ),
      await failure(c.embed('tei-only', 'embed', { input: [[1, 2]] }, { requestId: 'req-2' })),
      await failure(c.embed('nowhere', 'embed', { input: 'x' }, { requestId: 'req-3' })),
    ];
    for (const e of errors) {
      expect(e.message).not.toMatch(
        /azure|cohere|openai|tei|internal|backup|tried|\b127\.0\.0\.1\b/i,
      );
    }
    expect(errors[0]).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(errors[0].message).toContain('req-1');
    expect(errors[1]).toMatchObject({ code: 'invalid_request', status: 400 });
    expect(errors[2]).toMatchObject({ code: 'internal_error' });
    expect(errors[2].message).toContain('req-3');
    const failed = lines.find((l) => l.msg === 'upstream failed' && l.requestId === 'req-1');
    expect(failed).toMatchObject({ tried: 'azure-east-internal, cohere-backup, openai-last' });
    expect(String(failed?.reason)).toMatch(/openai-last.*malformed/);
  });
});

describe('UpstreamClient deadline for the whole request', () => {
  const { serve, clients } = upstreamsAndClients();
  /** An upstream that takes the request and never answers. */
  const hang = () => serve(() => undefined);

  it('ends attempts, backoff and fallbacks at the deadline with a 504', async () => {
    const [a, b, c] = [await hang(), await hang(), await hang()];
    const slow = { timeoutMs: 300, retries: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 } };
    const client = new UpstreamClient(
      [
        connection('a', 'openai', `${a.url}/v1`, { ...slow, fallback: 'b' }),
        connection('b', 'openai', `${b.url}/v1`, { ...slow, fallback: 'c' }),
        connection('c', 'openai', `${c.url}/v1`, slow),
      ],
      { random: () => 0, deadlineMs: 1_000 },
    );
    clients.push(client);
    const started = performance.now();
    const err = await failure(client.embed('a', 'embed', { input: 'x' }, { requestId: 'r-dl' }));
    const waited = performance.now() - started;
    expect(err).toMatchObject({ code: 'upstream_timeout', status: 504 });
    expect(err.message).toContain('r-dl');
    // Nine attempts of 300 ms each (2.8 s) without the deadline.
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(1_300);
    expect(a.requests + b.requests + c.requests).toBeLessThanOrEqual(4);
  });

  it('does not start a retry whose backoff would outlast the deadline', async () => {
    const busy = await serve(status(503, { 'retry-after-ms': '400' }));
    const client = new UpstreamClient(
      [
        connection('busy', 'openai', `${busy.url}/v1`, {
          retries: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1_000 },
        }),
      ],
      { deadlineMs: 300 },
    );
    clients.push(client);
    const started = performance.now();
    const err = await failure(client.embed('busy', 'embed', { input: 'x' }, { requestId: 'r' }));
    expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(busy.requests).toBe(1);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('cuts the upstream call when the caller goes away', async () => {
    let closed = false;
    const slow = await serve((req) => req.socket.on('close', () => (closed = true)));
    const client = new UpstreamClient([connection('slow', 'openai', `${slow.url}/v1`)]);
    clients.push(client);
    const caller = new AbortController();
    setTimeout(() => caller.abort(new Error('caller left')), 100);
    const started = performance.now();
    await expect(
      client.embed('slow', 'embed', { input: 'x' }, { requestId: 'r', signal: caller.signal }),
    ).rejects.toThrow('caller left');
    expect(performance.now() - started).toBeLessThan(1_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(true);
    expect(slow.requests).toBe(1);
  });
});

describe('UpstreamClient refusals by the model', () => {
  const { serve, client } = upstreamsAndClients();
  const INTERNAL = /contoso|emb-3-small-prod|10\.2\.3\.4|azure|openai|cohere|127\.0\.0\.1/i;
  /** A refusal in a provider's words, naming what callers must not learn. */
  const refuse = (code: number) => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: {
          message:
            'Deployment emb-3-small-prod at contoso-east (10.2.3.4): input exceeds 8192 tokens',
        },
      }),
    );
  };

  it.each([
    [400, 'The model rejected the input'],
    [422, 'The model rejected the input'],
    [413, 'The input is too large for the model'],
  ])(
    "answers the first connection's %i as the caller's 400 in generic words",
    async (code, words) => {
      const upstream = await serve(refuse(code));
      const lines: Array<Record<string, unknown>> = [];
      const c = client([connection('azure-east', 'azure_openai', upstream.url)], lines);
      const err = await failure(c.embed('azure-east', 'embed', { input: 'x' }, { requestId: 'r' }));
      expect(err).toMatchObject({ code: 'invalid_request', status: 400 });
      expect(err.message).toBe(`${words} (request id r)`);
      expect(upstream.requests).toBe(1);
      // The upstream's words are for the operator, in the log.
      const failed = lines.find((l) => l.msg === 'upstream failed');
      expect(String(failed?.reason)).toContain('input exceeds 8192 tokens');
    },
  );

  it("answers a fallback's refusal as an upstream failure, naming no provider or host", async () => {
    const down = await serve(status(503));
    const fallback = await serve(refuse(400));
    const c = client([
      connection('openai', 'openai', `${down.url}/v1`, { fallback: 'azure-east' }),
      connection('azure-east', 'azure_openai', fallback.url, {
        azure: { apiVersion: '2024-10-21' },
      }),
    ]);
    const err = await failure(c.embed('openai', 'embed', { input: 'x' }, { requestId: 'r' }));
    expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(err.message).toBe('The upstream model failed to answer (request id r)');
    expect(err.message).not.toMatch(INTERNAL);
    expect(fallback.requests).toBe(1);
  });

  it("tries the next fallback after a fallback's refusal", async () => {
    const down = await serve(status(503));
    const refusing = await serve(refuse(422));
    const last = await serve((_req, res) => openAiAnswer(res, 1));
    const c = client([
      connection('a', 'openai', `${down.url}/v1`, { fallback: 'b' }),
      connection('b', 'openai', `${refusing.url}/v1`, { fallback: 'c' }),
      connection('c', 'openai', `${last.url}/v1`),
    ]);
    const ok = await c.embed('a', 'embed', { input: 'x' }, { requestId: 'r' });
    expect(ok.connection).toBe('c');
  });
});

describe('UpstreamClient provider settings per model', () => {
  const { servers, client } = upstreamsAndClients();

  it("asks Cohere for the model's configured input type", async () => {
    const bodies: Array<Record<string, unknown>> = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString()));
      req.on('end', () => {
        bodies.push(JSON.parse(text) as Record<string, unknown>);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ embeddings: { float: [[0.1, 0.2, 0.3, 0.4]] } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({
      url: '',
      requests: 0,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const c = client([
      connection('co', 'cohere', url, {
        models: new Map([
          [
            'query',
            { upstreamModel: 'embed-v4.0', supportsDimensions: false, inputType: 'search_query' },
          ],
          ['docs', { upstreamModel: 'embed-v4.0', supportsDimensions: false }],
        ]),
      }),
    ]);
    await c.embed('co', 'query', { input: 'what is a vector?' }, { requestId: 'r1' });
    await c.embed('co', 'docs', { input: 'A vector is…' }, { requestId: 'r2' });
    expect(bodies.map((b) => b.input_type)).toEqual(['search_query', 'search_document']);
    expect(bodies.map((b) => b.truncate)).toEqual(['NONE', 'NONE']);
  });
});

describe('UpstreamClient answer size limit', () => {
  const { serve, client } = upstreamsAndClients();

  it('stays well below the longest string Node can make, whatever the batch', () => {
    const limit = responseLimit({ count: 2048 });
    expect(limit).toBe(MAX_RESPONSE_BYTES);
    expect(limit).toBeLessThan(constants.MAX_STRING_LENGTH * 0.6);
  });

  it('drops an answer past the limit with a 502 and does not retry it', async () => {
    const input = Array.from({ length: 2048 }, (_, i) => `text ${i}`);
    const huge = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const row = '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0';
      streamBody(res, row, ',', MAX_RESPONSE_BYTES + 8 * 1024 * 1024, ']}]}');
    });
    const c = client([
      connection('big', 'openai', `${huge.url}/v1`, {
        models: new Map([['embed', { upstreamModel: 'm', supportsDimensions: true }]]),
        timeoutMs: 30_000,
      }),
    ]);
    const err = await failure(c.embed('big', 'embed', { input }, { requestId: 'r-big' }));
    expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(err.message).toMatch(/larger than a well-formed one could be/);
    expect(huge.requests).toBe(1);
  }, 30_000);
});

describe('UpstreamClient credentials from a mounted secret file', () => {
  const { serve, client } = upstreamsAndClients();
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'embargo-secret-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** One connection to `url` whose key is the file openai.key, not retried. */
  function keyFileConnection(url: string): string {
    return JSON.stringify([
      {
        name: 'openai',
        provider: 'openai',
        baseUrl: `${url}/v1`,
        credential: { file: 'openai.key' },
        retries: { attempts: 0 },
        models: { embed: { upstreamModel: 'm', dimensions: 4 } },
      },
    ]);
  }

  /** An upstream that takes only the key currently in `accepted`. */
  async function keyedUpstream(accepted: { key: string }, seen: string[]) {
    return serve((req, res) => {
      seen.push(req.headers.authorization ?? '');
      if (req.headers.authorization === `Bearer ${accepted.key}`) return openAiAnswer(res, 1);
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Incorrect API key provided.' } }));
    });
  }

  it('reads the file again when the upstream refuses the key, and uses the rotated one', async () => {
    const accepted = { key: 'sk-first-key' };
    const seen: string[] = [];
    const upstream = await keyedUpstream(accepted, seen);
    writeFileSync(join(dir, 'openai.key'), 'sk-first-key\n');
    const config = keyFileConnection(upstream.url);
    const lines: Array<Record<string, unknown>> = [];
    const c = client(parseConnections(config, { baseDir: dir }), lines);
    await c.embed('embed', { input: 'x' }, { requestId: 'r1' });

    // Kubernetes swaps the mounted file; the provider revokes the old key.
    writeFileSync(join(dir, 'openai.key'), 'sk-second-key\n');
    accepted.key = 'sk-second-key';
    const ok = await c.embed('embed', { input: 'x' }, { requestId: 'r2' });
    expect(ok.vectors).toHaveLength(1);
    expect(seen).toEqual(['Bearer sk-first-key', 'Bearer sk-first-key', 'Bearer sk-second-key']);
    // Later calls send the new key at once.
    await c.embed('embed', { input: 'x' }, { requestId: 'r3' });
    expect(seen[3]).toBe('Bearer sk-second-key');
    expect(JSON.stringify(lines)).not.toMatch(/sk-(first|second)-key/);
  });

  it('answers the refusal as before when the file still holds the refused key', async () => {
    const seen: string[] = [];
    const upstream = await keyedUpstream({ key: 'sk-other' }, seen);
    writeFileSync(join(dir, 'openai.key'), 'sk-revoked-key');
    const config = keyFileConnection(upstream.url);
    const c = client(parseConnections(config, { baseDir: dir }));
    const err = await failure(c.embed('embed', { input: 'x' }, { requestId: 'r' }));
    expect(err).toMatchObject({ code: 'upstream_error', status: 502 });
    expect(seen).toHaveLength(1);
  });
});

describe('UpstreamClient.routeFor', () => {
  it('names what a connection calls, so a connection repointed under its name keys the cache afresh', () => {
    const route = (c: Connection) => new UpstreamClient([c]).routeFor('embed');
    const before = route(connection('openai', 'openai', 'https://api.openai.com/v1'));
    const after = route(connection('openai', 'openai', 'https://eu.example.com/v1'));
    expect(before).toMatchObject({ connection: 'openai', upstreamModel: 'm' });
    expect(after?.upstream).not.toBe(before?.upstream);
    const cohere = (inputType: 'search_query' | 'search_document') =>
      route({
        ...connection('co', 'cohere', 'https://api.cohere.com'),
        models: new Map([['embed', { upstreamModel: 'm', supportsDimensions: false, inputType }]]),
      });
    expect(cohere('search_query')?.upstream).not.toBe(cohere('search_document')?.upstream);
    expect(route(connection('openai', 'openai', 'https://api.openai.com/v1'))).toEqual(before);
  });
});

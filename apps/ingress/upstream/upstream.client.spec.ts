import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmbargoError } from '@embargo/contracts';
import type { Connection, Provider } from './connections';
import { Secret } from './secret';
import { parseRetryAfter, safeExcerpt, UpstreamClient } from './upstream.client';

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

describe('UpstreamClient fail-over to a fallback that cannot take the request', () => {
  const servers: LocalUpstream[] = [];
  const clients: UpstreamClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  async function serve(answer: Parameters<typeof localUpstream>[0]): Promise<LocalUpstream> {
    const s = await localUpstream(answer);
    servers.push(s);
    return s;
  }
  function client(connections: Connection[]): UpstreamClient {
    const c = new UpstreamClient(connections, { random: () => 0 });
    clients.push(c);
    return c;
  }

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

  it('still answers 400 when the first connection cannot take the request', async () => {
    const tei = await serve((_req, res) => openAiAnswer(res, 1));
    const c = client([connection('tei', 'tei', tei.url)]);
    const err = await failure(c.embed('tei', 'embed', { input: [[1, 2]] }, { requestId: 'r4' }));
    expect(err).toMatchObject({ code: 'invalid_request', status: 400 });
    expect(tei.requests).toBe(0);
  });
});

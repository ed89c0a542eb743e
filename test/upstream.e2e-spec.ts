import { EmbargoError } from '@embargo/contracts';
import OpenAI from 'openai';
import {
  decodeBase64,
  parseConnections,
  UpstreamClient,
  type EmbedResult,
} from '../apps/ingress/upstream';
import { standInVector, startStandIn, type StandIn } from '../apps/stand-in-upstream/main';

/**
 * UpstreamClient against the embedding-model stand-in: one well-behaved stand-in, and one
 * with fault injection whose faults each connection selects through its extra headers.
 */
const KEY = 'sk-stand-in-gateway-held-0123456789';
const WRONG_KEY = 'sk-wrong-key-9876543210-abcdefghij';
const MODEL = 'stand-in-embedding';

let good: StandIn;
let faulty: StandIn;
let client: UpstreamClient;
let seq = 0;
const rid = () => `req-${Date.now()}-${++seq}`;
/** The client's log lines: where the connection, status and upstream's words go. */
const lines: Array<Record<string, unknown>> = [];
const logged = (requestId: string) =>
  lines.find((l) => l.msg === 'upstream failed' && l.requestId === requestId);

function connectionsYaml(goodUrl: string, faultyUrl: string): string {
  const fast = 'retries: { attempts: 2, baseDelayMs: 10, maxDelayMs: 50 }';
  const models = `models: { embed-small: { upstreamModel: ${MODEL}, dimensions: 1536, maxDimensions: 1536 } }`;
  const viaFaulty = (name: string, headers: string, extra = fast) => `
  - name: ${name}
    provider: stand_in
    baseUrl: ${faultyUrl}
    credential: { env: STAND_IN_KEY }
    headers: { ${headers} }
    ${extra}
    ${models}`;
  return `
connections:
  - name: primary
    provider: stand_in
    baseUrl: ${goodUrl}
    credential: { env: STAND_IN_KEY }
    models:
      embed-small: { upstreamModel: ${MODEL}, dimensions: 1536, maxDimensions: 1536 }
      embed-large: { upstreamModel: text-embedding-3-large, dimensions: 3072 }
  - name: other-models
    provider: stand_in
    baseUrl: ${goodUrl}
    credential: { env: STAND_IN_KEY }
    models: { embed-other: { upstreamModel: ${MODEL} } }
  - name: wrong-key
    provider: openai
    baseUrl: ${goodUrl}
    credential: { env: WRONG_KEY }
    ${fast}
    ${models}
  - name: dead
    provider: stand_in
    baseUrl: http://127.0.0.1:1/v1
    ${fast}
    fallback: primary
    ${models}
${viaFaulty('flaky-500', "x-stand-in-fail: '500', x-stand-in-fail-times: '2'")}
${viaFaulty('always-500', "x-stand-in-fail: '500'")}
${viaFaulty('rate-limited', "x-stand-in-fail: '429', x-stand-in-fail-times: '1', x-stand-in-retry-after: '1'", 'retries: { attempts: 2, baseDelayMs: 10, maxDelayMs: 2000 }')}
${viaFaulty('rate-limited-long', "x-stand-in-fail: '429', x-stand-in-retry-after: '30'", 'retries: { attempts: 2, baseDelayMs: 10, maxDelayMs: 2000 }')}
${viaFaulty('slow', "x-stand-in-fail: 'timeout'", 'timeoutMs: 300\n    retries: { attempts: 1, baseDelayMs: 10, maxDelayMs: 20 }')}
${viaFaulty('broken', "x-stand-in-fail: '503'", `${fast}\n    fallback: primary`)}
${viaFaulty('broken-no-model-fallback', "x-stand-in-fail: '503'", `${fast}\n    fallback: other-models`)}
${viaFaulty('echo', "x-stand-in-fail: 'echo-auth'", 'retries: { attempts: 0 }')}
${viaFaulty('malformed', "x-stand-in-fail: 'malformed'")}
${viaFaulty('wrong-shape', "x-stand-in-fail: 'wrong-shape'")}
${viaFaulty('endless', "x-stand-in-fail: 'endless'", 'timeoutMs: 20000\n    retries: { attempts: 0 }')}
${viaFaulty('bad-request', "x-stand-in-fail: '400'")}
`;
}

beforeAll(async () => {
  good = await startStandIn({ apiKey: KEY });
  faulty = await startStandIn({ apiKey: KEY, faults: true });
  const connections = parseConnections(connectionsYaml(good.baseUrl, faulty.baseUrl), {
    env: { STAND_IN_KEY: KEY, WRONG_KEY },
  });
  client = new UpstreamClient(connections, {
    logger: { warn: (obj, msg) => lines.push({ ...obj, msg }) },
  });
});

afterAll(async () => {
  await client?.close();
  await good?.close();
  await faulty?.close();
});

async function failure(promise: Promise<EmbedResult>): Promise<EmbargoError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(EmbargoError);
    const e = err as EmbargoError;
    // Whatever went wrong, the gateway-held credential is never in what we throw, and
    // neither are the connection names, nor in the log.
    expect(`${e.message} ${JSON.stringify(e.details ?? {})}`).not.toContain(KEY);
    expect(e.message).not.toMatch(
      /primary|flaky|always-500|rate-limited|slow|broken|echo|stand_in/,
    );
    expect(JSON.stringify(lines)).not.toContain(KEY);
    return e;
  }
  throw new Error('expected the call to fail');
}

const exact = (text: string, dims = 1536) => standInVector(MODEL, text, dims);

describe('the stand-in upstream', () => {
  it('is healthy, lists models and requires the gateway-held key', async () => {
    expect(await (await fetch(`${good.url}/healthz`)).json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${good.baseUrl}/models`)).status).toBe(401);
    const models = await fetch(`${good.baseUrl}/models`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    const list = (await models.json()) as { data: Array<{ id: string }> };
    expect(list.data.map((m) => m.id)).toContain(MODEL);
  });

  it('speaks the OpenAI API well enough for the official SDK (which asks for base64)', async () => {
    const openai = new OpenAI({ apiKey: KEY, baseURL: good.baseUrl, maxRetries: 0 });
    const res = await openai.embeddings.create({ model: MODEL, input: ['alpha', 'beta'] });
    expect(res.data).toHaveLength(2);
    expect(Float32Array.from(res.data[1].embedding)).toEqual(exact('beta'));
  });
});

describe('UpstreamClient against the stand-in', () => {
  it('returns float vectors with the gateway credential, and the stand-in saw exactly what was sent', async () => {
    const requestId = rid();
    const result = await client.embed(
      'primary',
      'embed-small',
      { input: ['hello world', 'second'] },
      { requestId },
    );
    expect(result).toMatchObject({ connection: 'primary', upstreamModel: MODEL, attempts: 1 });
    expect(result.response.object).toBe('list');
    expect(result.response.model).toBe('embed-small');
    expect(result.response.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(result.vectors[0]).toEqual(exact('hello world'));
    expect(Float32Array.from(result.response.data[1].embedding as number[])).toEqual(
      exact('second'),
    );
    expect(result.upstreamMs).toBeGreaterThan(0);
    const seen = good.received().find((r) => r.requestId === requestId);
    expect(seen).toMatchObject({ model: MODEL, input: ['hello world', 'second'] });
  });

  it('encodes base64 itself, decoding to the same floats', async () => {
    const result = await client.embed(
      'primary',
      'embed-small',
      { input: 'b64 please', encoding_format: 'base64' },
      { requestId: rid() },
    );
    const b64 = result.response.data[0].embedding;
    expect(typeof b64).toBe('string');
    expect(decodeBase64(b64 as string)).toEqual(result.vectors[0]);
    expect(result.vectors[0]).toEqual(exact('b64 please'));
  });

  it('passes dimensions and token-id input to an OpenAI-style upstream', async () => {
    const shortened = await client.embed(
      'primary',
      'embed-small',
      { input: 'short', dimensions: 256 },
      { requestId: rid() },
    );
    expect(shortened.vectors[0]).toEqual(exact('short', 256));
    const tokens = await client.embed(
      'primary',
      'embed-small',
      { input: [[15339, 1917]] },
      { requestId: rid() },
    );
    expect(tokens.vectors[0]).toEqual(standInVector(MODEL, [15339, 1917], 1536));
    const large = await client.embed(
      'embed-large',
      { input: 'routed by model' },
      { requestId: rid() },
    );
    expect(large).toMatchObject({ connection: 'primary', upstreamModel: 'text-embedding-3-large' });
    expect(large.vectors[0]).toHaveLength(3072);
  });

  it('rejects unknown models and unsupported dimensions before calling out', async () => {
    expect(
      (await failure(client.embed('primary', 'nope', { input: 'x' }, { requestId: rid() }))).code,
    ).toBe('model_not_found');
    const dims = await failure(
      client.embed('primary', 'embed-large', { input: 'x', dimensions: 256 }, { requestId: rid() }),
    );
    expect(dims).toMatchObject({ code: 'invalid_request', details: { param: 'dimensions' } });
  });

  it('retries a 500 and then succeeds', async () => {
    const requestId = rid();
    const result = await client.embed(
      'flaky-500',
      'embed-small',
      { input: 'retry me' },
      { requestId },
    );
    expect(result).toMatchObject({ connection: 'flaky-500', attempts: 3 });
    expect(result.vectors[0]).toEqual(exact('retry me'));
    expect(faulty.received().filter((r) => r.requestId === requestId)).toHaveLength(3);
  });

  it('gives up after the configured retries with a 502', async () => {
    const requestId = rid();
    const err = await failure(
      client.embed('always-500', 'embed-small', { input: 'x' }, { requestId }),
    );
    expect(err.code).toBe('upstream_error');
    expect(err.status).toBe(502);
    expect(err.message).toContain(requestId);
    expect(logged(requestId)).toMatchObject({ tried: 'always-500', status: 500 });
  });

  it('waits out a 429 Retry-After within maxDelayMs', async () => {
    const started = Date.now();
    const result = await client.embed(
      'rate-limited',
      'embed-small',
      { input: 'patience' },
      { requestId: rid() },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result.attempts).toBe(2);
  });

  it('does not hammer an upstream whose Retry-After exceeds maxDelayMs', async () => {
    const requestId = rid();
    const started = Date.now();
    const err = await failure(
      client.embed('rate-limited-long', 'embed-small', { input: 'x' }, { requestId }),
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toMatchObject({
      code: 'upstream_rate_limited',
      status: 503,
      details: { retryAfterSeconds: 30 },
    });
    expect(faulty.received().filter((r) => r.requestId === requestId)).toHaveLength(1);
  });

  it('maps a timeout to 504 after retrying', async () => {
    const started = Date.now();
    const err = await failure(
      client.embed('slow', 'embed-small', { input: 'x' }, { requestId: rid() }),
    );
    expect(err.code).toBe('upstream_timeout');
    expect(err.status).toBe(504);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops at once when the caller aborts', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller went away')), 50);
    await expect(
      client.embed(
        'slow',
        'embed-small',
        { input: 'x' },
        { requestId: rid(), signal: controller.signal },
      ),
    ).rejects.toThrow('caller went away');
  });

  it('fails over to the fallback connection after retries', async () => {
    const requestId = rid();
    const result = await client.embed(
      'broken',
      'embed-small',
      { input: 'fail over' },
      { requestId },
    );
    expect(result).toMatchObject({ connection: 'primary', attempts: 4 });
    expect(result.vectors[0]).toEqual(exact('fail over'));
    expect(good.received().some((r) => r.requestId === requestId)).toBe(true);
  });

  it('fails over when the upstream cannot be reached at all', async () => {
    const result = await client.embed(
      'dead',
      'embed-small',
      { input: 'refused' },
      { requestId: rid() },
    );
    expect(result).toMatchObject({ connection: 'primary', attempts: 4 });
  });

  it('does not fail over to a connection that lacks the public model', async () => {
    const requestId = rid();
    const err = await failure(
      client.embed('broken-no-model-fallback', 'embed-small', { input: 'x' }, { requestId }),
    );
    expect(err.status).toBe(502);
    expect(logged(requestId)).toMatchObject({ tried: 'broken-no-model-fallback', status: 503 });
  });

  it('never puts a credential in errors, even when the upstream quotes it', async () => {
    const wrongKey = rid();
    const rejected = await failure(
      client.embed('wrong-key', 'embed-small', { input: 'x' }, { requestId: wrongKey }),
    );
    expect(rejected).toMatchObject({ code: 'upstream_error' });
    expect(rejected.message).not.toContain(WRONG_KEY);
    expect(logged(wrongKey)?.reason).toMatch(/answered 401/);
    expect(JSON.stringify(lines)).not.toContain(WRONG_KEY);
    const echo = rid();
    const echoed = await failure(
      client.embed('echo', 'embed-small', { input: 'x' }, { requestId: echo }),
    );
    expect(echoed.message).not.toContain(KEY.slice(3));
    expect(logged(echo)?.reason).toMatch(/answered 500/);
    expect(JSON.stringify(lines)).not.toContain(KEY.slice(3));
  });

  it('maps a malformed or mis-shaped upstream body to 502', async () => {
    const malformed = rid();
    const truncated = await failure(
      client.embed('malformed', 'embed-small', { input: 'x' }, { requestId: malformed }),
    );
    expect(truncated).toMatchObject({ code: 'upstream_error' });
    expect(truncated.message).toMatch(/malformed answer/);
    expect(logged(malformed)?.reason).toMatch(/malformed response: the body is not JSON/);
    const wrongShape = rid();
    const shape = await failure(
      client.embed('wrong-shape', 'embed-small', { input: 'x' }, { requestId: wrongShape }),
    );
    expect(shape.status).toBe(502);
    expect(logged(wrongShape)?.reason).toMatch(/malformed response/);
  });

  it('cuts off an upstream that streams without end, instead of buffering it', async () => {
    const requestId = rid();
    const err = await failure(
      client.embed('endless', 'embed-small', { input: 'x' }, { requestId }),
    );
    expect(err.status).toBe(502);
    expect(logged(requestId)?.reason).toMatch(/sent more than \d+ bytes for 1 embedding/);
  });

  it("returns the upstream's 400 as the caller's invalid request, without retrying", async () => {
    const requestId = rid();
    const err = await failure(
      client.embed('bad-request', 'embed-small', { input: 'x' }, { requestId }),
    );
    expect(err).toMatchObject({ code: 'invalid_request' });
    expect(faulty.received().filter((r) => r.requestId === requestId)).toHaveLength(1);
  });

  it('lists public models per connection', () => {
    expect(client.modelsFor(['primary']).map((m) => m.id)).toEqual(['embed-small', 'embed-large']);
    expect(client.modelsFor(['other-models', 'primary'])[0]).toMatchObject({
      id: 'embed-other',
      connection: 'other-models',
    });
    expect(client.models()).toEqual(
      expect.arrayContaining(['embed-small', 'embed-large', 'embed-other']),
    );
  });
});

import {
  auditEvents,
  base64Floats,
  base64Sha256,
  eventually,
  float32Sha256,
  referenceSimHash64,
  exchangeToken,
  LOCAL_INFRA,
  sleep,
  startApp,
  startStack,
  type Stack,
} from '@embargo/testing';
import { Redis } from 'ioredis';
import { getEncoding } from 'js-tiktoken';
import OpenAI from 'openai';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The gateway as a workload sees it: the official openai SDK, pointed at Embargo. */
describe('gateway: OpenAI-compatible embeddings through Embargo', () => {
  let stack: Stack;
  let indexerToken: string;
  let client: OpenAI;

  beforeAll(async () => {
    stack = await startStack();
    indexerToken = await stack.idp.token('indexer');
    client = new OpenAI({
      baseURL: `${stack.apps.ingress.url}/v1`,
      apiKey: indexerToken,
      maxRetries: 0,
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  const jtiOf = (token: string): string =>
    (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { jti: string }).jti;
  const auditSearch = async (query: string): Promise<Record<string, unknown>[]> => {
    const res = await fetch(`${stack.apps.audit.url}/v1/audit/events?${query}`, {
      headers: { authorization: `Bearer ${stack.auditToken}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: Record<string, unknown>[] }).data;
  };

  const post = (
    body: unknown,
    token = indexerToken,
    headers: Record<string, string> = {},
    ingressUrl = stack.apps.ingress.url,
  ) =>
    fetch(`${ingressUrl}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(body),
    });

  /** A raw POST /v1/token, for bodies exchangeToken cannot send. */
  const postToken = (body: string, contentType = 'application/x-www-form-urlencoded') =>
    fetch(`${stack.apps.ingress.url}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    });
  const exchangeForm = (fields: Record<string, string>) =>
    new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: indexerToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      scope: 'model:stand-in-embedding',
      ...fields,
    }).toString();

  /**
   * An RFC 6749 §5.2 error answer: `{"error","error_description"}` and nothing else, never
   * stored by a cache (§5.1). Returns the description.
   */
  const expectOAuthError = async (
    res: Response,
    status: number,
    error: string,
    description: RegExp = /./,
  ): Promise<string> => {
    expect(res.status).toBe(status);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { error: string; error_description: string };
    expect(body).toEqual({ error, error_description: expect.stringMatching(description) });
    // RFC 6749 §5.2: printable ASCII without '"' and '\'.
    expect(body.error_description).toMatch(/^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
    return body.error_description;
  };

  /** The `rejected` event of a refused request. */
  const rejectedEvent = async (res: Response): Promise<Record<string, unknown>> => {
    const requestId = res.headers.get('x-request-id') ?? '';
    const event = await eventually(
      async () => (await auditEvents(stack, requestId)).find((e) => e.stage === 'rejected'),
      30_000,
      'the rejected event',
    );
    return event.data as Record<string, unknown>;
  };

  it('serves the openai SDK unchanged, float and base64 alike', async () => {
    const viaBase64 = await client.embeddings.create({
      model: 'stand-in-embedding',
      input: ['hello world', 'second input'],
    });
    const viaFloat = await client.embeddings.create({
      model: 'stand-in-embedding',
      input: ['hello world', 'second input'],
      encoding_format: 'float',
    });
    expect(viaBase64.object).toBe('list');
    expect(viaBase64.data).toHaveLength(2);
    expect(viaBase64.data[0].embedding).toHaveLength(1536);
    expect(viaBase64.data[1].index).toBe(1);
    // The same float32 values: floats are written as the shortest decimal that reads back
    // as each value (as OpenAI writes them), base64 holds the bytes themselves.
    expect(Float32Array.from(viaFloat.data[0].embedding)).toEqual(
      Float32Array.from(viaBase64.data[0].embedding),
    );
    expect(viaBase64.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('passes dimensions and token-id inputs through', async () => {
    const res = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: [
        [1, 2, 3],
        [4, 5],
      ],
      dimensions: 256,
      encoding_format: 'float',
    });
    expect(res.data.map((d) => d.embedding.length)).toEqual([256, 256]);
  });

  it('refuses dimensions past the model’s native size before anything reaches the upstream', async () => {
    await stack.standIn.clearReceived();
    const err = (await client.embeddings
      .create({ model: 'text-embedding-3-small', input: `wide ${randomUUID()}`, dimensions: 3000 })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.error).toMatchObject({
      code: 'invalid_request',
      param: 'dimensions',
      message: "dimensions must be at most 1536 for 'text-embedding-3-small'.",
    });
    expect(await stack.standIn.received()).toEqual([]);
  });

  it('reads token-id input as its text, so masking covers it too', async () => {
    await stack.standIn.clearReceived();
    const cl100k = getEncoding('cl100k_base');
    const secret = 'AKIAIOSFODNN7EXAMPLE';
    // Distinct texts on every run, so the embedding cache cannot answer instead.
    const plain = cl100k.encode(`the weather report for Tuesday ${randomUUID()}`);
    const res = await post({
      model: 'text-embedding-3-small',
      input: [cl100k.encode(`contact ops ${randomUUID()}, key ${secret}`), plain],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-embargo-masked')).toMatch(/AWS_ACCESS_KEY=1/);
    const [seen] = await stack.standIn.received();
    const forwarded = (seen?.input ?? []) as number[][];
    expect(forwarded).toHaveLength(2);
    expect(cl100k.decode(forwarded[0])).toContain('contact ops');
    expect(cl100k.decode(forwarded[0])).not.toContain(secret);
    expect(forwarded[1]).toEqual(plain); // untouched items keep the caller's ids
  });

  it('refuses token ids it cannot read when the policy masks the request', async () => {
    await stack.standIn.clearReceived();
    const res = await post({ model: 'stand-in-embedding', input: [[1, 2, 3]] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { param: string; message: string } };
    expect(body.error.param).toBe('input');
    expect(body.error.message).toMatch(/cannot be inspected/);
    expect(await stack.standIn.received()).toHaveLength(0);
  });

  it('lists only the models the caller may use', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual([
      'stand-in-embedding',
      'text-embedding-3-small',
    ]);
    const limited = new OpenAI({
      baseURL: `${stack.apps.ingress.url}/v1`,
      apiKey: await stack.idp.token('limited'),
      maxRetries: 0,
    });
    expect((await limited.models.list()).data.map((m) => m.id)).toEqual(['stand-in-embedding']);
  });

  it('refuses callers without a role and models not granted, in the OpenAI error shape', async () => {
    const stranger = new OpenAI({
      baseURL: `${stack.apps.ingress.url}/v1`,
      apiKey: await stack.idp.token('stranger'),
      maxRetries: 0,
    });
    await expect(
      stranger.embeddings.create({ model: 'stand-in-embedding', input: 'x' }),
    ).rejects.toMatchObject({ status: 403, code: 'policy_denied' });
    await expect(
      client.embeddings.create({ model: 'text-embedding-3-large', input: 'x' }),
    ).rejects.toMatchObject({ status: 404, code: 'model_not_found' });
    const bad = await post({ model: 'stand-in-embedding', input: [] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_request', param: 'input' },
    });
    const notJson = await fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${indexerToken}` },
      body: '{"model":',
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  /**
   * Posts a body the way a careful client does: the server may answer (and close) before
   * the body has been sent, so the answer counts and a write error after it does not.
   */
  const postOversized = (
    body: string,
  ): Promise<{ status: number; json: unknown; connection?: string }> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(`${stack.apps.ingress.url}/v1/embeddings`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${indexerToken}`,
        },
      });
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(text),
            connection: res.headers.connection,
          }),
        );
        res.on('error', reject);
      });
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      req.end(body);
    });

  /**
   * Sends a request over a plain socket, its head at once and then its body one byte at a
   * time every `everyMs`, and returns all the server wrote until it closed the connection.
   */
  const trickle = (url: string, head: string, body: string, everyMs: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const { hostname, port } = new URL(url);
      const socket = connect(Number(port), hostname);
      let answer = '';
      let sent = 0;
      const giveUp = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no answer, the server kept the connection open: ${answer}`));
      }, 40_000);
      const timer = setInterval(() => {
        if (sent < body.length && socket.writable) socket.write(body[sent++]);
      }, everyMs);
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        clearTimeout(giveUp);
        resolve(answer);
      });
      socket.once('connect', () => socket.write(head));
    });

  it('refuses bodies over the size limit with 413, and batches over the input limit with 400', async () => {
    const big = await postOversized(
      JSON.stringify({ model: 'stand-in-embedding', input: 'x'.repeat(9 * 1024 * 1024) }),
    );
    expect(big.status).toBe(413);
    expect((big.json as { error: { code: string } }).error.code).toBe('payload_too_large');
    // The connection is kept (the rest of the body is read and discarded), so no reset can
    // overtake the answer.
    expect(big.connection).not.toBe('close');
    const many = await post({
      model: 'stand-in-embedding',
      input: Array.from({ length: 2049 }, (_, i) => `n${i}`),
    });
    expect(many.status).toBe(400);
    expect(((await many.json()) as { error: { code: string } }).error.code).toBe('batch_too_large');
  });

  it('audits bodies refused before the gateway reads them, such as malformed JSON', async () => {
    const res = await fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${indexerToken}` },
      body: '{"model": "stand-in-embedding", "input": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    const requestId = res.headers.get('x-request-id') ?? '';
    const rejected = await eventually(
      async () => (await auditEvents(stack, requestId)).find((e) => e.stage === 'rejected'),
      30_000,
      'the rejected event',
    );
    expect(rejected.data).toMatchObject({ status: 400, code: 'invalid_json' });
  });

  it('audits refusals on /v1/embeddings reached through a percent-encoded path', async () => {
    // The router decodes the path: `/%761/embeddings` is the embeddings route, so a caller
    // trying tokens through it must leave the same trail as through `/v1/embeddings`.
    const res = await fetch(`${stack.apps.ingress.url}/%761/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer a.b.c' },
      body: JSON.stringify({ model: 'stand-in-embedding', input: 'x' }),
    });
    expect(res.status).toBe(401);
    expect(await rejectedEvent(res)).toMatchObject({ status: 401, code: 'invalid_token' });
  });

  it('takes only uncompressed UTF-8 JSON on /v1/embeddings, refusing the rest with 415, audited', async () => {
    const send = (body: string | Uint8Array, headers: Record<string, string>) =>
      fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
        method: 'POST',
        headers: { authorization: `Bearer ${indexerToken}`, ...headers },
        body,
      });
    const refused = async (res: Response, message: RegExp) => {
      expect(res.status).toBe(415);
      expect(await res.json()).toEqual({
        error: {
          message: expect.stringMatching(message) as unknown,
          type: 'invalid_request_error',
          code: 'unsupported_media_type',
          param: null,
        },
      });
    };
    // curl's default content type, and a form that would otherwise read as a request.
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const formed = await send('model=stand-in-embedding&input=hello&input=world', form);
    await refused(formed, /application\/json/);
    expect(await rejectedEvent(formed)).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
    });
    await refused(
      await send('{"model":"stand-in-embedding","input":"x"}', form),
      /application\/json/,
    );
    await refused(await send('hello', { 'content-type': 'text/plain' }), /application\/json/);
    // Bytes get no Content-Type from fetch, as from many a hand-written client.
    await refused(
      await send(new TextEncoder().encode('{"model":"stand-in-embedding","input":"x"}'), {}),
      /^Content-Type is missing; send application\/json$/,
    );
    const json = JSON.stringify({ model: 'stand-in-embedding', input: 'x' });
    await refused(
      await send(gzipSync(json), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      }),
      /content-encoding gzip is not supported; send the body uncompressed/,
    );
    await refused(
      await send(Buffer.from(json, 'utf16le'), {
        'content-type': 'application/json; charset=utf-16',
      }),
      /charset utf-16/,
    );
    const utf8 = await send(json, { 'content-type': 'application/json; charset=UTF-8' });
    expect(utf8.status).toBe(200);
  });

  it('says why a JSON body was refused: empty, not UTF-8, or holding a key that is not accepted', async () => {
    const send = (body: string | Uint8Array) =>
      fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${indexerToken}` },
        body,
      });
    const empty = await send('');
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({
      error: { code: 'invalid_json', message: 'The request body is empty; send a JSON object' },
    });
    expect(await rejectedEvent(empty)).toMatchObject({ status: 400, code: 'invalid_json' });
    // Latin-1 "café": read as UTF-8 it would reach the model as "caf\uFFFD".
    const latin1 = await send(
      Buffer.from(JSON.stringify({ model: 'stand-in-embedding', input: 'caf\xe9' }), 'latin1'),
    );
    expect(latin1.status).toBe(400);
    expect(await latin1.json()).toMatchObject({
      error: {
        code: 'invalid_json',
        message: 'Request body is not valid UTF-8; send JSON in UTF-8',
      },
    });
    for (const body of [
      '{"model":"stand-in-embedding","input":"x","__proto__":{"admin":true}}',
      '{"model":"stand-in-embedding","input":"x","constructor":{"prototype":{"admin":true}}}',
    ]) {
      const poisoned = await send(body);
      expect(poisoned.status).toBe(400);
      const { error } = (await poisoned.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('invalid_json');
      expect(error.message).toMatch(/holds a key that is not accepted/);
    }
  });

  it('refuses a token over 16 KiB with 401 and an audit event, and larger headers with an OpenAI-shaped 431', async () => {
    const oversized = await stack.idp.token('oversized');
    expect(oversized.length).toBeGreaterThan(16 * 1024);
    const res = await post({ model: 'stand-in-embedding', input: 'x' }, oversized);
    expect(res.status).toBe(401);
    expect(
      ((await res.json()) as { error: { code: string; message: string } }).error,
    ).toMatchObject({
      code: 'invalid_token',
      message: expect.stringMatching(/too large/) as unknown,
    });
    const requestId = res.headers.get('x-request-id') ?? '';
    const rejected = await eventually(
      async () => (await auditEvents(stack, requestId)).find((e) => e.stage === 'rejected'),
      30_000,
      'the rejected event',
    );
    expect(rejected.data).toMatchObject({ status: 401, code: 'invalid_token' });

    // Past what any issuer may allow, the HTTP server refuses before any request exists,
    // still in the OpenAI shape; the other services keep the usual 16 KiB.
    const tooLarge = { error: expect.objectContaining({ code: 'headers_too_large' }) as unknown };
    const huge = await post({ model: 'stand-in-embedding', input: 'x' }, 'a'.repeat(96 * 1024));
    expect(huge.status).toBe(431);
    expect(await huge.json()).toEqual(tooLarge);
    for (const app of [stack.apps.policy, stack.apps.audit]) {
      const other = await fetch(`${app.url}/healthz`, {
        headers: { authorization: `Bearer ${'a'.repeat(20 * 1024)}` },
      });
      expect(other.status).toBe(431);
      expect(await other.json()).toEqual(tooLarge);
    }
  });

  it('refuses a request with two Authorization headers with 401, audited, whichever comes first', async () => {
    const twice = (authorization: string[], between = 0) =>
      withAuthorizations(
        `${stack.apps.ingress.url}/v1/embeddings`,
        'POST',
        authorization,
        JSON.stringify({ model: 'stand-in-embedding', input: 'x' }),
        between,
      );
    for (const [order, between] of [
      [[`Bearer ${indexerToken}`, 'Bearer a.b.c'], 0],
      [['Bearer a.b.c', `Bearer ${indexerToken}`], 0],
      // Past Node's default of 2000 headers, the rest would be dropped unseen.
      [[`Bearer ${indexerToken}`, 'Bearer a.b.c'], 2100],
    ] as const) {
      const res = await twice([...order], between);
      expect(res.status).toBe(401);
      expect(res.json).toEqual(TWO_AUTHORIZATIONS);
      const rejected = await eventually(
        async () => (await auditEvents(stack, res.requestId)).find((e) => e.stage === 'rejected'),
        30_000,
        'the rejected event',
      );
      expect(rejected.data).toMatchObject({ status: 401, code: 'invalid_token' });
    }
  });

  it('refuses two Authorization headers on the policy and audit admin APIs, even with the right token', async () => {
    for (const [url, token] of [
      [`${stack.apps.policy.url}/v1/policy/versions`, stack.adminToken],
      [`${stack.apps.audit.url}/v1/audit/events`, stack.auditToken],
    ]) {
      // One request with the right token alone, to show the refusal is the second header's doing.
      expect((await withAuthorizations(url, 'GET', [`Bearer ${token}`])).status).toBe(200);
      for (const order of [
        [`Bearer ${token}`, 'Bearer wrong-token-0123456789abcdef'],
        ['Bearer wrong-token-0123456789abcdef', `Bearer ${token}`],
      ]) {
        const res = await withAuthorizations(url, 'GET', order);
        expect(res.status).toBe(401);
        expect(res.json).toEqual(TWO_AUTHORIZATIONS);
      }
    }
  });

  it('answers a body that arrives too slowly with an OpenAI-shaped 408, audited, and closes', async () => {
    const strict = await startApp('ingress', {
      ...stack.ingressEnv,
      HTTP_REQUEST_TIMEOUT_MS: '1000',
    });
    try {
      const body = JSON.stringify({ model: 'stand-in-embedding', input: 'x'.repeat(80) });
      const answer = await trickle(
        strict.url,
        'POST /v1/embeddings HTTP/1.1\r\nHost: embargo\r\n' +
          `Authorization: Bearer ${indexerToken}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${body.length}\r\n\r\n`,
        body,
        200,
      );
      const [head, json] = answer.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 408 /);
      expect(head).toMatch(/\r\nconnection: close/i);
      expect(JSON.parse(json)).toEqual({
        error: {
          message: expect.stringMatching(/did not arrive/) as unknown,
          type: 'invalid_request_error',
          code: 'request_timeout',
          param: null,
        },
      });
      const requestId = /\r\nx-request-id: ([\w-]+)/i.exec(head)?.[1] ?? '';
      const rejected = await eventually(
        async () => (await auditEvents(stack, requestId)).find((e) => e.stage === 'rejected'),
        30_000,
        'the rejected event',
      );
      expect(rejected.data).toMatchObject({ status: 408, code: 'request_timeout' });
    } finally {
      await strict.stop();
    }
  });

  it('answers a request arriving while it shuts down with an OpenAI-shaped 503, after finishing the one in flight', async () => {
    const stopping = await startApp('ingress', stack.ingressEnv);
    const { hostname, port } = new URL(stopping.url);
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => undefined);
    const closed = new Promise((r) => socket.once('close', r));
    await new Promise((r) => socket.once('connect', r));
    const body = JSON.stringify({ model: 'stand-in-embedding', input: `draining ${randomUUID()}` });
    const head =
      'POST /v1/embeddings HTTP/1.1\r\nHost: embargo\r\n' +
      `Authorization: Bearer ${indexerToken}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${body.length}\r\n\r\n`;
    try {
      // The first request is in flight (its body still arriving) when shutdown begins; the
      // second comes on the same keep-alive connection after it.
      socket.write(head + body.slice(0, 10));
      await sleep(300);
      stopping.process.kill('SIGTERM');
      await sleep(300);
      socket.write(body.slice(10) + head + body);
      await closed;
    } finally {
      socket.destroy();
      await stopping.stop();
    }
    const [first, second] = answer.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    const [secondHead, secondJson] = second.split('\r\n\r\n');
    expect(secondHead).toMatch(/^HTTP\/1\.1 503 /);
    expect(secondHead).toMatch(/\r\nconnection: close/i);
    expect(secondHead).toMatch(/\r\nx-request-id: [\w-]{36}\r\n/i);
    expect(JSON.parse(secondJson)).toEqual({
      error: {
        message: expect.stringMatching(/shutting down/) as unknown,
        type: 'server_error',
        code: 'unavailable',
        param: null,
      },
    });
  });

  it('gives up on a caller that stops reading its answer, rather than hold it in memory', async () => {
    const strict = await startApp('ingress', {
      ...stack.ingressEnv,
      HTTP_REQUEST_TIMEOUT_MS: '1000',
    });
    // About 39 MB of floats, far more than the socket buffers between the two hold.
    const body = JSON.stringify({
      model: 'stand-in-embedding',
      input: Array.from({ length: 2048 }, (_, i) => `unread ${i} ${randomUUID()}`),
      encoding_format: 'float',
    });
    const { hostname, port } = new URL(strict.url);
    const socket = connect(Number(port), hostname);
    socket.on('error', () => undefined);
    let received = 0;
    try {
      const closed = new Promise<boolean>((resolve) => socket.once('close', () => resolve(true)));
      await new Promise((r) => socket.once('connect', r));
      socket.write(
        'POST /v1/embeddings HTTP/1.1\r\nHost: embargo\r\n' +
          `Authorization: Bearer ${indexerToken}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      // The caller takes the first bytes of the answer, then stops reading for a while.
      await new Promise((r) => socket.once('data', r));
      socket.pause();
      await sleep(5_000);
      socket.on('data', (d: Buffer) => (received += d.length));
      socket.resume();
      // The gateway gave up: what the socket buffers held arrives, then the connection ends.
      expect(await Promise.race([closed, sleep(10_000).then(() => false)])).toBe(true);
      expect(received).toBeLessThan(30 * 1024 * 1024);
    } finally {
      socket.destroy();
      await strict.stop();
    }
  });

  it('answers 503 until a gateway has a policy bundle, and forwards nothing', async () => {
    const bare = await startApp(
      'ingress',
      { ...stack.ingressEnv, POLICY_SET: `empty-${randomUUID()}` },
      { ready: 'healthz' },
    );
    try {
      // Until it has read the revocation list, a gateway admits no one (503 `unavailable`);
      // after that, without a bundle, it still forwards nothing.
      const refusal = await eventually(
        async () => {
          const res = await fetch(`${bare.url}/v1/embeddings`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${indexerToken}`,
            },
            body: JSON.stringify({ model: 'stand-in-embedding', input: 'x' }),
          });
          const body = (await res.json()) as { error: { code: string } };
          return body.error.code === 'unavailable' ? undefined : { status: res.status, body };
        },
        60_000,
        'the revocation list to load',
      );
      expect(refusal).toMatchObject({ status: 503, body: { error: { code: 'no_policy_bundle' } } });
      expect((await fetch(`${bare.url}/readyz`)).status).toBe(503);
    } finally {
      await bare.stop();
    }
  });

  it('masks secrets and personal data before the model sees them, and says so', async () => {
    await stack.standIn.clearReceived();
    const clientId = `mask-${randomUUID()}`;
    const secret = 'AKIAIOSFODNN7EXAMPLE';
    const email = 'jane.doe@example.org';
    const res = await post(
      { model: 'stand-in-embedding', input: [`contact ${email} key ${secret} (${clientId})`] },
      indexerToken,
      { 'x-client-request-id': clientId },
    );
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id') ?? '';
    expect(res.headers.get('x-client-request-id')).toBe(clientId);
    expect(res.headers.get('x-embargo-masked')).toMatch(/AWS_ACCESS_KEY=1/);
    expect(res.headers.get('x-embargo-masked')).toMatch(/EMAIL_ADDRESS=1/);
    expect(res.headers.get('server-timing')).toMatch(/gateway;dur=[\d.]+, upstream;dur=[\d.]+/);
    const seen = JSON.stringify(await stack.standIn.received());
    expect(seen).not.toContain(secret);
    expect(seen).not.toContain(email);
    expect(seen).toContain('contact');

    const events = await eventually(
      async () => {
        const found = await auditEvents(stack, requestId);
        return found.some((e) => e.stage === 'completed') ? found : undefined;
      },
      30_000,
      'completed event',
    );
    const stages = events.map((e) => e.stage).sort();
    expect(stages).toEqual(
      ['authenticated', 'completed', 'decided', 'forwarded', 'masked', 'received'].sort(),
    );
    const received = events.find((e) => e.stage === 'received') as {
      data: { clientRequestId?: string };
    };
    expect(received.data.clientRequestId).toBe(clientId);
    const masked = events.find((e) => e.stage === 'masked') as { maskedInput: string[] };
    expect(masked.maskedInput[0]).not.toContain(secret);
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(JSON.stringify(events)).not.toContain(email);
    const decided = events.find((e) => e.stage === 'decided') as {
      bundleVersion: number;
      effect: string;
    };
    expect(decided.effect).toBe('mask');
    expect(decided.bundleVersion).toBeGreaterThan(0);
    const completed = events.find((e) => e.stage === 'completed') as {
      fingerprints: { sha256: string; simhash: string }[];
    };
    expect(completed.fingerprints[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(completed.fingerprints[0].simhash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('fingerprints in the completed event the very vectors the caller received, float and base64 alike', async () => {
    const completedOf = (requestId: string) =>
      eventually(
        async () => (await auditEvents(stack, requestId)).find((e) => e.stage === 'completed'),
        30_000,
        'the completed event',
      );
    for (const encoding_format of ['base64', 'float'] as const) {
      // Inputs of their own, so the stand-in answers (a cached answer is fingerprinted too).
      const input = [`fingerprint me ${randomUUID()}`, `and me ${randomUUID()}`];
      const res = await post({ model: 'stand-in-embedding', input, encoding_format });
      expect(res.status).toBe(200);
      const { data } = (await res.json()) as { data: { embedding: string | number[] }[] };
      // What the caller holds, as float32 values, and SHA-256 of their little-endian bytes.
      const received = data.map(({ embedding }) =>
        typeof embedding === 'string'
          ? { sha256: base64Sha256(embedding), values: base64Floats(embedding) }
          : { sha256: float32Sha256(embedding), values: embedding },
      );
      const completed = await completedOf(res.headers.get('x-request-id') ?? '');
      const { fingerprints } = completed.data as {
        fingerprints: { index: number; sha256: string; simhash: string }[];
      };
      expect(fingerprints).toEqual(
        received.map(({ sha256, values }, index) => ({
          index,
          sha256,
          simhash: referenceSimHash64(values),
        })),
      );
    }
  });

  it("tells the gateway's own time on every answer, errors included", async () => {
    const gatewayOnly = /^gateway;dur=\d+(\.\d+)?$/;
    const models = await fetch(`${stack.apps.ingress.url}/v1/models`, {
      headers: { authorization: `Bearer ${indexerToken}` },
    });
    expect(models.status).toBe(200);
    expect(models.headers.get('server-timing')).toMatch(gatewayOnly);
    const unauthenticated = await post({ model: 'stand-in-embedding', input: 'x' }, 'a.b.c');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('server-timing')).toMatch(gatewayOnly);
    const unknown = await fetch(`${stack.apps.ingress.url}/v1/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('server-timing')).toMatch(gatewayOnly);
    const invalid = await post({ model: 'stand-in-embedding' });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('server-timing')).toMatch(gatewayOnly);
    // An embedding keeps its own, which splits the gateway's time from the model's.
    const embedded = await post({ model: 'stand-in-embedding', input: `timing ${randomUUID()}` });
    expect(embedded.status).toBe(200);
    expect(embedded.headers.get('server-timing')).toMatch(
      /^gateway;dur=[\d.]+, upstream;dur=[\d.]+$/,
    );
  });

  it('answers a known path asked with the wrong method with 405 and Allow, an unknown one with 404', async () => {
    const ask = (method: string, path: string) =>
      fetch(`${stack.apps.ingress.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${indexerToken}` },
      });
    const get = await ask('GET', '/v1/embeddings');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(get.headers.get('x-request-id')).toMatch(/^[\w-]{36}$/);
    expect(await get.json()).toEqual({
      error: {
        message: 'Method GET is not allowed on /v1/embeddings; use POST',
        type: 'invalid_request_error',
        code: 'method_not_allowed',
        param: null,
      },
    });
    expect(await rejectedEvent(get)).toMatchObject({ status: 405, code: 'method_not_allowed' });
    const remove = await ask('DELETE', '/v1/models/stand-in-embedding?x=1');
    expect(remove.status).toBe(405);
    expect(remove.headers.get('allow')).toBe('GET, HEAD');
    const unknown = await ask('GET', '/v1/embedding');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('allow')).toBeNull();
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('answers paths the router cannot read in the OpenAI shape, and long model names as any other', async () => {
    const get = (path: string) =>
      fetch(`${stack.apps.ingress.url}${path}`, {
        headers: { authorization: `Bearer ${indexerToken}` },
      });
    for (const path of ['/v1/models/%zz', '/v1/embeddings%', `/v1/models/${'m'.repeat(2000)}`]) {
      const res = await get(path);
      expect(res.status).toBe(400);
      expect(res.headers.get('x-request-id')).toMatch(/^[\w-]{36}$/);
      expect(await res.json()).toEqual({
        error: {
          message: expect.stringMatching(/URL path/) as unknown,
          type: 'invalid_request_error',
          code: 'invalid_request',
          param: null,
        },
      });
    }
    // A model name may be 256 characters long.
    const long = await get(`/v1/models/${'m'.repeat(256)}`);
    expect(long.status).toBe(404);
    expect(((await long.json()) as { error: { code: string } }).error.code).toBe('model_not_found');
  });

  it('refuses an HTTP/1.1 request without a Host header in the OpenAI shape, with a request id', async () => {
    const answer = await trickle(
      stack.apps.ingress.url,
      'GET /v1/models HTTP/1.1\r\nConnection: close\r\n' +
        `Authorization: Bearer ${indexerToken}\r\n\r\n`,
      '',
      10,
    );
    const [head, json] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/\r\nx-request-id: [\w-]{36}\r\n/i);
    expect(JSON.parse(json)).toEqual({
      error: {
        message: 'The Host header is missing',
        type: 'invalid_request_error',
        code: 'invalid_request',
        param: null,
      },
    });
  });

  it('gives every request an id of its own, whatever id the caller sends', async () => {
    // A caller-chosen id would let one request overwrite another's audit events.
    const chosen = `chosen-${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await post({ model: 'stand-in-embedding', input: `id test ${i}` }, indexerToken, {
        'x-request-id': chosen,
      });
      expect(res.status).toBe(200);
      ids.push(res.headers.get('x-request-id') ?? '');
    }
    expect(ids[0]).not.toBe(chosen);
    expect(ids[1]).not.toBe(ids[0]);
    const events = await eventually(
      async () => {
        const found = await auditEvents(stack, ids[0]);
        return found.some((e) => e.stage === 'completed') ? found : undefined;
      },
      30_000,
      "the first request's events",
    );
    const received = events.filter((e) => e.stage === 'received');
    expect(received).toHaveLength(1);
    expect((received[0].data as { clientRequestId?: string }).clientRequestId).toBe(chosen);
  });

  it('limits requests per minute per principal with 429 and Retry-After', async () => {
    const token = await stack.idp.token('limited');
    // The bucket lives in Redis: a run of this suite within the last minute drained it.
    const redis = new Redis(LOCAL_INFRA.REDIS_URL);
    await redis.del('embargo:gcra:{test:limited}:r', 'embargo:gcra:{test:limited}:t');
    redis.disconnect();
    // More tokens than the whole per-minute allowance: no wait would help, so 400, and it
    // consumes nothing.
    const tooBig = await post({ model: 'stand-in-embedding', input: 'tick '.repeat(1500) }, token);
    expect(tooBig.status).toBe(400);
    expect(((await tooBig.json()) as { error: { message: string } }).error.message).toMatch(
      /more than the 1000 tokens per minute/,
    );
    // 3 a minute, refilled continuously: three at once, then one every 20 s. Each answer
    // says what is left, in OpenAI's headers.
    const answers: Response[] = [];
    for (let i = 0; i < 5; i++)
      answers.push(await post({ model: 'stand-in-embedding', input: 'tick' }, token));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429, 429]);
    expect(answers.map((r) => r.headers.get('x-ratelimit-remaining-requests'))).toEqual([
      '2',
      '1',
      '0',
      '0',
      '0',
    ]);
    expect(answers[0].headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(answers[0].headers.get('x-ratelimit-limit-tokens')).toBe('1000');
    expect(answers[0].headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?s$/);
    const refused = answers[4];
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(15);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(Number(refused.headers.get('retry-after-ms'))).toBeGreaterThan(14_000);
    // OpenAI's body for a 429: the type names the limit that refused.
    expect(await refused.json()).toEqual({
      error: {
        type: 'requests',
        code: 'rate_limit_exceeded',
        param: null,
        message: expect.stringMatching(
          /^Rate limit reached for test:limited on requests per min \(RPM\): Limit 3, Requested 1\. Please try again in \d+(\.\d+)?s\.$/,
        ),
      },
    });
    expect(await rejectedEvent(refused)).toMatchObject({
      status: 429,
      code: 'rate_limit_exceeded',
    });
  });

  it('refuses a request over the tokens per minute with type "tokens", as OpenAI does', async () => {
    const token = await stack.idp.token('limited');
    const redis = new Redis(LOCAL_INFRA.REDIS_URL);
    await redis.del('embargo:gcra:{test:limited}:r', 'embargo:gcra:{test:limited}:t');
    redis.disconnect();
    const input = 'tick '.repeat(600); // more than half of the 1000 tokens a minute
    const first = await post({ model: 'stand-in-embedding', input }, token);
    expect(first.status).toBe(200);
    const left = Number(first.headers.get('x-ratelimit-remaining-tokens'));
    expect(left).toBeLessThan(500);
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    // The SDK, told not to retry, surfaces OpenAI's error as its RateLimitError.
    const sdk = new OpenAI({
      baseURL: `${stack.apps.ingress.url}/v1`,
      apiKey: token,
      maxRetries: 0,
    });
    const refused = await sdk.embeddings.create({ model: 'stand-in-embedding', input }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect(refused).toMatchObject({ status: 429, type: 'tokens', code: 'rate_limit_exceeded' });
    expect((refused as InstanceType<typeof OpenAI.RateLimitError>).message).toMatch(
      /on tokens per min \(TPM\): Limit 1000, Requested \d+/,
    );
  });

  it("refuses a spent single-use token's replays with 401, leaving the principal's limit alone", async () => {
    const token = await stack.idp.token('limited');
    const redis = new Redis(LOCAL_INFRA.REDIS_URL);
    await redis.del('embargo:gcra:{test:limited}:r', 'embargo:gcra:{test:limited}:t');
    redis.disconnect();
    const issued = await exchangeToken(stack, token, 'model:stand-in-embedding', {
      single_use: 'true',
    });
    expect(issued.status).toBe(200);
    const once = ((await issued.json()) as { access_token: string }).access_token;
    const first = await post({ model: 'stand-in-embedding', input: 'tick' }, once);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('2');

    // More replays than the 3 requests a minute: each is a 401, none is a 429.
    const replays: Response[] = [];
    for (let i = 0; i < 5; i++)
      replays.push(await post({ model: 'stand-in-embedding', input: 'tick' }, once));
    expect(replays.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    for (const replay of replays)
      expect(await replay.json()).toEqual({
        error: {
          type: 'invalid_request_error',
          code: 'invalid_token',
          param: null,
          message: 'This single-use token has already been used',
        },
      });
    // The principal's own token still has what the one real use left.
    const own = await post({ model: 'stand-in-embedding', input: 'tick' }, token);
    expect(own.status).toBe(200);
    expect(own.headers.get('x-ratelimit-remaining-requests')).toBe('1');

    // A replay leaves what any refused authentication leaves: its `rejected` event, and no
    // decision, masking or sealed input.
    for (const replay of replays) {
      expect(await rejectedEvent(replay)).toMatchObject({ status: 401, code: 'invalid_token' });
      const events = await auditEvents(stack, replay.headers.get('x-request-id') ?? '');
      expect(events.map((e) => e.stage)).toEqual(['rejected']);
    }
  });

  it('masks large inputs in the masking worker pool, not in the gateway', async () => {
    await stack.standIn.clearReceived();
    const email = 'big.batch.owner@example.org';
    const filler = 'lorem ipsum dolor sit amet '.repeat(3000); // ~80 KB, above the inline limit
    const res = await post({
      model: 'stand-in-embedding',
      input: [`${filler} write to ${email}`, `short one ${randomUUID()}`],
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-embargo-masked')).toMatch(/EMAIL_ADDRESS=1/);
    const seen = JSON.stringify(await stack.standIn.received());
    expect(seen).not.toContain(email);
    expect(seen).toContain('short one');
  });

  it("passes the caller's end-user id upstream only as a stable pseudonym", async () => {
    await stack.standIn.clearReceived();
    const user = 'alice.smith@example.com';
    // Inputs of their own: a cached answer would never reach the stand-in.
    for (const input of ['first', 'second'])
      expect(
        (await post({ model: 'stand-in-embedding', input: `${input} ${randomUUID()}`, user }))
          .status,
      ).toBe(200);
    expect(
      (await post({ model: 'stand-in-embedding', input: `third ${randomUUID()}`, user: 'bob' }))
        .status,
    ).toBe(200);
    const users = (await stack.standIn.received()).map((r) => r.user ?? '');
    expect(users).toHaveLength(3);
    expect(users[0]).toMatch(/^embargo-user-[0-9a-f]{32}$/);
    expect(users[1]).toBe(users[0]);
    expect(users[2]).not.toBe(users[0]);
    expect(JSON.stringify(users)).not.toContain('alice');
  });

  it('counts findings in large inputs in the worker pool, so policy rules still see them', async () => {
    const poolRequests = async () => {
      const text = await (await fetch(`${stack.apps.masking.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('embargo_kafka_messages_consumed_total{') &&
            l.includes('topic="embargo.mask-requests.v1"') &&
            l.includes('outcome="ok"'),
        );
      return Number(line?.split(' ').pop() ?? 0);
    };
    const before = await poolRequests();
    await stack.standIn.clearReceived();
    const cards = ['4111 1111 1111 1111', '5500 0000 0000 0004', '3400 0000 0000 009'];
    const filler = 'lorem ipsum dolor sit amet '.repeat(3000); // ~80 KB, above the inline limit
    const res = await post({
      model: 'stand-in-embedding',
      input: [`${filler} paid with ${cards.join(', ')}`, `and later ${cards.join(' and ')}`],
    });
    // Six card numbers: the bulk rule holds the request, and without an approval path
    // nothing is forwarded.
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'approval_unavailable',
    );
    expect(await stack.standIn.received()).toHaveLength(0);
    const requestId = res.headers.get('x-request-id') ?? '';
    const decided = await eventually(
      async () => (await auditEvents(stack, requestId)).find((e) => e.stage === 'decided'),
      30_000,
      'the decided event',
    );
    expect(decided.data as { effect: string; findings: Record<string, number> }).toMatchObject({
      effect: 'require_approval',
      findings: { CREDIT_CARD: 6 },
    });
    // The worker counts a request once its reply is sent, so the count may trail the answer.
    await eventually(
      async () => ((await poolRequests()) > before ? true : undefined),
      10_000,
      'the worker pool to count the request',
    );
  });

  it('answers a repeated request from the cache, and audits the hit', async () => {
    const input = `cache me ${randomUUID()}`;
    const first = await post({ model: 'stand-in-embedding', input });
    expect(first.headers.get('x-embargo-cache')).toBe('miss');
    await stack.standIn.clearReceived();
    const second = await post({ model: 'stand-in-embedding', input });
    expect(second.status).toBe(200);
    const requestId = second.headers.get('x-request-id') ?? '';
    expect(second.headers.get('x-embargo-cache')).toBe('hit');
    expect(
      ((await second.json()) as { data: { embedding: number[] }[] }).data[0].embedding,
    ).toEqual(((await first.json()) as { data: { embedding: number[] }[] }).data[0].embedding);
    expect(await stack.standIn.received()).toHaveLength(0);
    const completed = await eventually(
      async () => {
        const found = await auditEvents(stack, requestId);
        return found.find((e) => e.stage === 'completed');
      },
      30_000,
      'the cached completion',
    );
    expect((completed.data as { cached: boolean }).cached).toBe(true);
  });

  it('caches no answer over CACHE_MAX_ENTRY_BYTES, and nothing while Redis is over its memory budget', async () => {
    /** What the cache header says for the same request sent twice to the ingress at url. */
    const twice = async (url: string, body: Record<string, unknown>) => {
      const input = `cache me ${randomUUID()}`;
      const answers: (string | null)[] = [];
      for (let i = 0; i < 2; i++) {
        const res = await post({ ...body, input }, indexerToken, {}, url);
        expect(res.status).toBe(200);
        answers.push(res.headers.get('x-embargo-cache'));
      }
      return answers;
    };
    const small = { model: 'stand-in-embedding', dimensions: 8 }; // 44 bytes of base64
    const large = { model: 'stand-in-embedding' }; // 1536 values: 8 KiB of base64
    const capped = await startApp('ingress', {
      ...stack.ingressEnv,
      CACHE_MAX_ENTRY_BYTES: '2048',
    });
    try {
      expect(await twice(capped.url, small)).toEqual(['miss', 'hit']);
      expect(await twice(capped.url, large)).toEqual(['miss', 'miss']);
    } finally {
      await capped.stop();
    }
    const full = await startApp('ingress', {
      ...stack.ingressEnv,
      CACHE_MAX_REDIS_MEMORY_BYTES: '0',
    });
    try {
      expect(await twice(full.url, small)).toEqual(['miss', 'miss']);
    } finally {
      await full.stop();
    }
  });

  it('limits token exchanges per principal with 429, Retry-After and an OAuth error', async () => {
    const limited = await startApp('ingress', {
      ...stack.ingressEnv,
      // Every request is logged at info: none of those lines may hold a token.
      LOG_LEVEL: 'info',
      EXCHANGE_REQUESTS_PER_MINUTE: '2',
    });
    const redis = new Redis(LOCAL_INFRA.REDIS_URL);
    try {
      // Earlier exchanges of this principal (other tests, other runs) start from a clean count.
      await redis.del('embargo:gcra:{test:indexer}:exchange:r');
      const exchange = () =>
        fetch(`${limited.url}/v1/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
            subject_token: indexerToken,
            subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
            scope: 'model:stand-in-embedding',
          }).toString(),
        });
      expect((await exchange()).status).toBe(200);
      expect((await exchange()).status).toBe(200);
      const third = await exchange();
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      // RFC 6749 has no code for a rate limit: 429 says it, the code says "retry later".
      await expectOAuthError(third, 429, 'temporarily_unavailable', /try again in \d/);
      expect(await rejectedEvent(third)).toMatchObject({
        status: 429,
        code: 'rate_limit_exceeded',
      });
      expect(limited.output()).toContain('"status":429');
      expect(limited.output()).not.toContain(indexerToken.split('.')[2]);
    } finally {
      // The count is shared by every gateway: leave none behind for the other tests.
      await redis.del('embargo:gcra:{test:indexer}:exchange:r');
      redis.disconnect();
      await limited.stop();
    }
  });

  it('exchanges an identity token for a short-lived token scoped to models, optionally single-use', async () => {
    const exchange = (scope: string, extra: Record<string, string> = {}) =>
      exchangeToken(stack, indexerToken, scope, extra);
    const res = await exchange('model:stand-in-embedding', { expires_in: '120' });
    expect(res.status).toBe(200);
    // RFC 6749 §5.1: a response holding a token is never stored by a cache.
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    const issued = (await res.json()) as {
      access_token: string;
      token_type: string;
      expires_in: number;
      issued_token_type: string;
    };
    // RFC 8693 §2.2.1, and nothing else: `scope` only when it differs from the one asked for.
    expect(issued).toEqual({
      access_token: expect.any(String),
      token_type: 'Bearer',
      issued_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      expires_in: expect.any(Number),
    });
    expect(issued.expires_in).toBeLessThanOrEqual(120);
    expect(issued.expires_in).toBeGreaterThan(100);
    const exchangeId = res.headers.get('x-request-id') ?? '';
    const issuedJti = jtiOf(issued.access_token);

    expect(
      (await post({ model: 'stand-in-embedding', input: 'x' }, issued.access_token)).status,
    ).toBe(200);
    const outOfScope = await post(
      { model: 'text-embedding-3-small', input: 'x' },
      issued.access_token,
    );
    expect(outOfScope.status).toBe(403);
    const scoped = new OpenAI({
      baseURL: `${stack.apps.ingress.url}/v1`,
      apiKey: issued.access_token,
      maxRetries: 0,
    });
    expect((await scoped.models.list()).data.map((m) => m.id)).toEqual(['stand-in-embedding']);

    const once = (await (
      await exchange('model:stand-in-embedding', { single_use: 'true' })
    ).json()) as { access_token: string };
    expect(
      (await post({ model: 'stand-in-embedding', input: 'x' }, once.access_token)).status,
    ).toBe(200);
    const replay = await post({ model: 'stand-in-embedding', input: 'x' }, once.access_token);
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error: { message: string } }).error.message).toMatch(
      /already been used/,
    );
    // Spent, it opens nothing else either: not even the model list.
    const spent = new OpenAI({
      baseURL: `${stack.apps.ingress.url}/v1`,
      apiKey: once.access_token,
      maxRetries: 0,
    });
    await expect(spent.models.list()).rejects.toMatchObject({
      status: 401,
      message: expect.stringMatching(/already been used/) as unknown,
    });

    // The trail holds each issue, with the token's id and never the token; searching by that
    // id finds the exchange and the requests made with the token.
    const [exchanged] = await eventually(
      async () => {
        const found = await auditEvents(stack, exchangeId);
        return found.length > 0 ? found : undefined;
      },
      30_000,
      'exchanged event',
    );
    expect(exchanged).toMatchObject({
      stage: 'exchanged',
      tokenId: issuedJti,
      subjectTokenId: jtiOf(indexerToken),
      principal: { id: expect.any(String) },
      data: { models: ['stand-in-embedding'], singleUse: false, expiresAt: expect.any(String) },
    });
    const byToken = await eventually(
      async () => {
        const found = await auditSearch(`tokenId=${encodeURIComponent(issuedJti)}`);
        const stages = new Set(found.map((e) => e.stage));
        return stages.has('exchanged') && stages.has('authenticated') ? found : undefined;
      },
      30_000,
      'events of the exchanged token',
    );
    expect(new Set(byToken.map((e) => e.stage))).toEqual(new Set(['authenticated', 'exchanged']));
    const trail = JSON.stringify(byToken);
    expect(trail).not.toContain(issued.access_token.split('.')[2]);
    expect(trail).not.toContain(indexerToken.split('.')[2]);

    // Not an identity token: RFC 8693 §2.2.2 says invalid_request for an unacceptable one.
    const chained = await exchangeToken(stack, issued.access_token, 'model:stand-in-embedding');
    await expectOAuthError(chained, 400, 'invalid_request', /cannot be exchanged again/);
  });

  it("applies rules on the subject token's claims to the tokens exchanged for it", async () => {
    // A rule on a claim the exchanged token does not carry as its own (client_id), narrow
    // enough to leave every other test's requests alone: seven inputs from the indexer.
    writeFileSync(
      join(stack.policyDir, 'zz-client-seven.yaml'),
      'version: 1\nrules:\n  - id: indexer-client-seven\n    priority: 900\n    when: has(principal.claims.client_id) && principal.claims.client_id == "indexer" && request.input_count == 7\n    deny:\n      reason: seven inputs from the indexer client are refused\n',
    );
    const seven = { model: 'stand-in-embedding', input: Array.from({ length: 7 }, () => 'x') };
    await eventually(
      async () => ((await post(seven)).status === 403 ? true : undefined),
      20_000,
      'the client_id rule to apply',
    );
    const issued = (await (
      await exchangeToken(stack, indexerToken, 'model:stand-in-embedding')
    ).json()) as { access_token: string };
    const denied = await post(seven, issued.access_token);
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { message: string } }).error.message).toMatch(
      /seven inputs from the indexer client/,
    );
    expect((await post({ ...seven, input: ['x'] }, issued.access_token)).status).toBe(200);
  });

  it('evaluates rules on request.connection against the connection the request goes to', async () => {
    writeFileSync(
      join(stack.policyDir, 'zz-connection-six.yaml'),
      'version: 1\nrules:\n  - id: stand-in-connection-six\n    priority: 900\n    when: request.connection == "stand-in" && request.input_count == 6\n    deny:\n      reason: six inputs through the stand-in connection are refused\n',
    );
    const six = { model: 'stand-in-embedding', input: Array.from({ length: 6 }, () => 'x') };
    const denied = await eventually(
      async () => {
        const res = await post(six);
        return res.status === 403 ? res : undefined;
      },
      20_000,
      'the connection rule to apply',
    );
    expect(((await denied.json()) as { error: { message: string } }).error.message).toMatch(
      /six inputs through the stand-in connection/,
    );
    expect((await post({ ...six, input: ['x'] })).status).toBe(200);
  });

  it('neither lists nor scopes a token to a model a role grants only through another connection', async () => {
    // The caller without a role gets text-embedding-3-small, but only through azure-east; the
    // stand-in connection serves it here, so every request for it would be refused.
    writeFileSync(
      join(stack.policyDir, 'zz-elsewhere.yaml'),
      `version: 1\nroles:\n  elsewhere:\n    match: { claims: { kind: nobody } }\n    models: [text-embedding-3-small]\n    connections: [azure-east]\nrules:\n  - id: eleven-inputs\n    priority: 900\n    when: request.input_count == 11\n    deny:\n      reason: eleven inputs mark this policy version\n`,
    );
    await eventually(
      async () => {
        const res = await post({ model: 'stand-in-embedding', input: Array(11).fill('x') });
        return res.status === 403 ? res : undefined;
      },
      20_000,
      'the new roles to apply',
    );
    const strangerToken = await stack.idp.token('stranger');
    const stranger = new OpenAI({
      baseURL: `${stack.apps.ingress.url}/v1`,
      apiKey: strangerToken,
      maxRetries: 0,
    });
    expect((await stranger.models.list()).data).toEqual([]);
    await expect(stranger.models.retrieve('text-embedding-3-small')).rejects.toMatchObject({
      status: 404,
    });
    await expect(
      stranger.embeddings.create({ model: 'text-embedding-3-small', input: 'x' }),
    ).rejects.toMatchObject({ status: 404 });
    const exchanged = await exchangeToken(stack, strangerToken, 'model:text-embedding-3-small');
    await expectOAuthError(exchanged, 400, 'invalid_scope', /text-embedding-3-small/);
  });

  it('exchanges a large identity token for one the gateway accepts, and refuses with 400 one it could not', async () => {
    const crowded = await stack.idp.token('crowded');
    expect(crowded.length).toBeGreaterThan(4500);
    const res = await exchangeToken(stack, crowded, 'model:stand-in-embedding');
    expect(res.status).toBe(200);
    const { access_token: scoped } = (await res.json()) as { access_token: string };
    expect(scoped.length).toBeLessThanOrEqual(8192);
    expect((await post({ model: 'stand-in-embedding', input: 'x' }, scoped)).status).toBe(200);

    // Nothing is handed out that would be refused on every use.
    const verbose = await stack.idp.token('verbose');
    expect(verbose.length).toBeGreaterThan(8000);
    expect(verbose.length).toBeLessThanOrEqual(8192);
    const tooLarge = await exchangeToken(
      stack,
      verbose,
      'model:stand-in-embedding model:text-embedding-3-small',
    );
    await expectOAuthError(tooLarge, 400, 'invalid_request', /over the 8192 bytes/);
  });

  it('refuses an invalid, expired or revoked subject token with 400 invalid_request, audited', async () => {
    const forged = await exchangeToken(
      stack,
      `${indexerToken.slice(0, -4)}AAAA`,
      'model:stand-in-embedding',
    );
    await expectOAuthError(forged, 400, 'invalid_request', /^subject_token: .*signature/);
    // The event keeps the gateway's own code, which says why, and the status that was sent.
    const event = await rejectedEvent(forged);
    expect(event).toMatchObject({ status: 400, code: 'invalid_token' });
    expect(JSON.stringify(event)).not.toContain(indexerToken.split('.')[2].slice(0, -4));

    // The gateway's own tokens make the shortest-lived subject tokens: one second, then the
    // 2 s clock tolerance.
    const shortLived = await exchangeToken(stack, indexerToken, 'model:stand-in-embedding', {
      expires_in: '1',
    });
    const { access_token: expiring } = (await shortLived.json()) as { access_token: string };
    await new Promise((r) => setTimeout(r, 4000));
    const expired = await exchangeToken(stack, expiring, 'model:stand-in-embedding');
    await expectOAuthError(expired, 400, 'invalid_request', /^subject_token: .*expired/);
    expect(await rejectedEvent(expired)).toMatchObject({ status: 400, code: 'invalid_token' });
  });

  it('refuses models the policy does not grant, or scope it cannot read, with 400 invalid_scope', async () => {
    const notGranted = await exchangeToken(stack, indexerToken, 'model:text-embedding-3-large');
    await expectOAuthError(notGranted, 400, 'invalid_scope', /text-embedding-3-large/);
    expect(await rejectedEvent(notGranted)).toMatchObject({ status: 400, code: 'invalid_scope' });
    const stranger = await exchangeToken(
      stack,
      await stack.idp.token('stranger'),
      'model:stand-in-embedding',
    );
    await expectOAuthError(stranger, 400, 'invalid_scope', /stand-in-embedding/);
    const overlong = await exchangeToken(stack, indexerToken, `model:${'m'.repeat(201)}`);
    await expectOAuthError(overlong, 400, 'invalid_scope', /model:<name>/);
    const notAModel = await exchangeToken(stack, indexerToken, 'embeddings');
    await expectOAuthError(notAModel, 400, 'invalid_scope', /model:<name>/);
  });

  it('refuses another grant type with 400 unsupported_grant_type, and a missing one with invalid_request', async () => {
    const other = await postToken(exchangeForm({ grant_type: 'client_credentials' }));
    await expectOAuthError(other, 400, 'unsupported_grant_type', /token-exchange/);
    expect(await rejectedEvent(other)).toMatchObject({
      status: 400,
      code: 'unsupported_grant_type',
    });
    // Another grant's parameters are not judged as a token exchange's.
    const password = await postToken('grant_type=password&username=a&password=b');
    await expectOAuthError(password, 400, 'unsupported_grant_type');
    const missing = await postToken(
      'subject_token=x&subject_token_type=urn:ietf:params:oauth:token-type:jwt&scope=model:a',
    );
    await expectOAuthError(missing, 400, 'invalid_request', /grant_type/);
  });

  it('refuses malformed bodies, form-encoded or JSON, with 400 invalid_request, audited', async () => {
    const notJson = await postToken('{"grant_type": ', 'application/json');
    await expectOAuthError(notJson, 400, 'invalid_request', /not valid JSON/);
    expect(await rejectedEvent(notJson)).toMatchObject({ status: 400, code: 'invalid_json' });
    const jsonArray = await postToken('[1, 2]', 'application/json');
    await expectOAuthError(jsonArray, 400, 'invalid_request');
    const notForm = await postToken('<grant_type>x</grant_type>', 'application/xml');
    await expectOAuthError(notForm, 400, 'invalid_request', /application\/x-www-form-urlencoded/);
    expect(await rejectedEvent(notForm)).toMatchObject({
      status: 400,
      code: 'unsupported_media_type',
    });
    const garbage = await postToken('%%%&&==');
    await expectOAuthError(garbage, 400, 'invalid_request', /grant_type/);
    const noSubject = await postToken(exchangeForm({ subject_token: '' }));
    await expectOAuthError(noSubject, 400, 'invalid_request', /subject_token/);
    const badType = await postToken(
      exchangeForm({ subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' }),
    );
    await expectOAuthError(badType, 400, 'invalid_request', /subject_token_type/);
    // RFC 6749 §3.2: a parameter must not be sent twice.
    const twice = await postToken(`${exchangeForm({})}&scope=model:text-embedding-3-small`);
    await expectOAuthError(twice, 400, 'invalid_request', /scope.*more than once/);
    // RFC 6749 §3.1: a parameter without a value is one not sent.
    const empty = await postToken(exchangeForm({ expires_in: '', single_use: '' }));
    expect(empty.status).toBe(200);
    // JSON, as the endpoint has always taken it, still works.
    const json = await postToken(
      JSON.stringify(Object.fromEntries(new URLSearchParams(exchangeForm({})))),
      'application/json',
    );
    expect(json.status).toBe(200);
    expect(json.headers.get('cache-control')).toBe('no-store');
    // The same body elsewhere keeps the OpenAI shape.
    const embeddings = await fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${indexerToken}` },
      body: '{"grant_type": ',
    });
    expect(embeddings.status).toBe(400);
    expect(await embeddings.json()).toMatchObject({ error: { code: 'invalid_json' } });
    expect(embeddings.headers.get('pragma')).toBeNull();
  });

  it('answers 400 unsupported_grant_type where token exchange is not enabled', async () => {
    const { EXCHANGE_SIGNING_KEY: _unused, ...env } = stack.ingressEnv;
    const plain = await startApp('ingress', env);
    try {
      const res = await fetch(`${plain.url}/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: exchangeForm({}),
      });
      await expectOAuthError(res, 400, 'unsupported_grant_type', /not enabled/);
    } finally {
      await plain.stop();
    }
  });

  it('applies a policy change on the running gateway without restart, and keeps serving through a broken one', async () => {
    const before = await post({ model: 'text-embedding-3-small', input: 'x' });
    expect(before.status).toBe(200);
    const version = Number(before.headers.get('x-embargo-policy-version'));

    writeFileSync(
      join(stack.policyDir, 'zz-freeze.yaml'),
      `version: 1\nrules:\n  - id: freeze-small-model\n    description: Temporarily frozen\n    priority: 1000\n    when: request.model == "text-embedding-3-small"\n    deny:\n      reason: the small model is frozen for maintenance\n`,
    );
    const denied = await eventually(
      async () => {
        const res = await post({ model: 'text-embedding-3-small', input: 'x' });
        return res.status === 403 ? res : undefined;
      },
      20_000,
      'the new rule to apply',
    );
    expect(((await denied.json()) as { error: { message: string } }).error.message).toMatch(
      /frozen for maintenance/,
    );

    writeFileSync(
      join(stack.policyDir, 'zz-broken.yaml'),
      'version: 1\nrules:\n  - id: broken\n    when: request.model ==\n    deny:\n      reason: never valid\n',
    );
    await new Promise((r) => setTimeout(r, 2000));
    const still = await post({ model: 'text-embedding-3-small', input: 'x' });
    expect(still.status).toBe(403);
    const ok = await post({ model: 'stand-in-embedding', input: 'x' });
    expect(ok.status).toBe(200);
    expect(Number(ok.headers.get('x-embargo-policy-version'))).toBe(version + 1);

    const versions = await fetch(`${stack.apps.policy.url}/v1/policy/versions`, {
      headers: { authorization: `Bearer ${stack.adminToken}` },
    });
    expect(((await versions.json()) as { data: { version: number }[] }).data[0].version).toBe(
      version + 1,
    );
  });

  /** Revokes through the policy service, then waits until `token` is refused as revoked. */
  async function revokeAndExpectRefused(
    revocation: { kind: 'principal' | 'token'; value: string },
    token: string,
  ): Promise<void> {
    const revoke = await fetch(`${stack.apps.policy.url}/v1/revocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.adminToken}` },
      body: JSON.stringify({ ...revocation, reason: 'test' }),
    });
    expect(revoke.status).toBe(201);
    const refused = await eventually(
      async () => {
        const res = await post({ model: 'stand-in-embedding', input: 'x' }, token);
        return res.status === 401 ? res : undefined;
      },
      10_000,
      `the ${revocation.kind} revocation to apply`,
    );
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      'token_revoked',
    );
  }

  it('revokes a principal on the running gateway within seconds', async () => {
    const token = await stack.idp.token('indexer');
    expect((await post({ model: 'stand-in-embedding', input: 'x' }, token)).status).toBe(200);
    await revokeAndExpectRefused({ kind: 'principal', value: 'test:indexer' }, token);
    await fetch(`${stack.apps.policy.url}/v1/revocations/restore`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.adminToken}` },
      body: JSON.stringify({ kind: 'principal', value: 'test:indexer' }),
    });
  });

  it('an ingress restarted under the same instance id rebuilds its bundle and revocations', async () => {
    // A container restart keeps the host name and pid 1; INSTANCE_ID pins the id the same way.
    const env = { ...stack.ingressEnv, INSTANCE_ID: `ingress-restart-${stack.runId}` };
    const revoked = await stack.idp.token('limited');
    const first = await startApp('ingress', env);
    try {
      await revokeAndExpectRefused({ kind: 'principal', value: 'test:limited' }, revoked);
    } finally {
      await first.stop();
    }
    const again = await startApp('ingress', env);
    try {
      const call = (token: string) =>
        fetch(`${again.url}/v1/embeddings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ model: 'stand-in-embedding', input: 'x' }),
        });
      // Ready means both state topics were read: no retry window, no fail-open moment.
      const ok = await call(await stack.idp.token('indexer'));
      expect(ok.status).toBe(200);
      const refused = await call(revoked);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        'token_revoked',
      );
    } finally {
      await again.stop();
      await fetch(`${stack.apps.policy.url}/v1/revocations/restore`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${stack.adminToken}`,
        },
        body: JSON.stringify({ kind: 'principal', value: 'test:limited' }),
      });
    }
  });

  it('revoking an identity token also ends the tokens exchanged for it', async () => {
    const subject = await stack.idp.token('indexer');
    const exchanged = await exchangeToken(stack, subject, 'model:stand-in-embedding');
    const { access_token: scoped } = (await exchanged.json()) as { access_token: string };
    expect((await post({ model: 'stand-in-embedding', input: 'x' }, scoped)).status).toBe(200);
    await revokeAndExpectRefused({ kind: 'token', value: jtiOf(subject) }, scoped);
    // A revoked subject token is one the policy no longer accepts (RFC 8693 §2.2.2).
    const again = await exchangeToken(stack, subject, 'model:stand-in-embedding');
    await expectOAuthError(again, 400, 'invalid_request', /revoked/);
    expect(await rejectedEvent(again)).toMatchObject({ status: 400, code: 'token_revoked' });
  });
});

/** The answer to a request with more than one Authorization header, from any service. */
const TWO_AUTHORIZATIONS = {
  error: {
    message: expect.stringMatching(/More than one Authorization header/) as unknown,
    type: 'invalid_request_error',
    code: 'invalid_token',
    param: null,
  },
};

/**
 * Sends one request with the Authorization headers given, each as its own header line:
 * fetch folds repeated headers into one, Node's client sends raw headers as given.
 */
function withAuthorizations(
  url: string,
  method: string,
  authorization: readonly string[],
  body?: string,
  /** Headers of no meaning sent between the first Authorization and the others. */
  between = 0,
): Promise<{ status: number; requestId: string; json: unknown }> {
  return new Promise((resolve, reject) => {
    const [first, ...rest] = authorization;
    const req = httpRequest(url, {
      method,
      headers: [
        'host',
        new URL(url).host,
        ...(body === undefined ? [] : ['content-type', 'application/json']),
        ...(first === undefined ? [] : ['authorization', first]),
        ...Array.from({ length: between }, (_, i) => [`x-filler-${i}`, '1']).flat(),
        ...rest.flatMap((value) => ['authorization', value]),
      ],
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          requestId: String(res.headers['x-request-id']),
          json: JSON.parse(text),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

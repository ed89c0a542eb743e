import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { EmbargoError, encodeBase64 } from '@embargo/contracts';
import { compilePolicy } from '@embargo/policy';
import type { Logger } from 'pino';
import type { IngressConfig } from '../config';
import { EventPublisher, type KafkaService } from '@embargo/kafka';
import type { AppIdentity } from '@embargo/observability';
import pino from 'pino';
import type { Producer, TopicMessages } from 'kafkajs';
import { AuditTrail } from '../events/audit-trail.service';
import type { TokenUse } from '../exchange/token-use';
import type { Principal } from '../identity';
import type { IngressRedis } from '../limits/ingress-redis';
import type { RateLimiter } from '../limits/rate-limiter';
import type { MaskingService } from '../masking/masking.service';
import type { BundleStore } from '../policy/bundle.store';
import { UpstreamClient, type Connection } from '../upstream';
import { EmbeddingCache } from './embedding-cache';
import { EmbeddingsService } from './embeddings.service';

/** An upstream answering every input with the vector `fill` repeated, or 503 while down. */
async function upstream(fill: number, dims = 4) {
  const state = { down: false, requests: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (state.down) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"down"}}');
        return;
      }
      const { input } = JSON.parse(body) as { input: string | string[] };
      const data = (typeof input === 'string' ? [input] : input).map((_, index) => ({
        object: 'embedding',
        index,
        embedding: encodeBase64(new Float32Array(dims).fill(fill)),
      }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data, model: 'm', usage: { prompt_tokens: 1 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    state,
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function connection(
  name: string,
  baseUrl: string,
  upstreamModel: string,
  fallback?: string,
  dims = 4,
) {
  return {
    name,
    provider: 'openai',
    baseUrl,
    models: new Map([
      [
        'embed',
        { upstreamModel, dimensions: dims, maxDimensions: dims, supportsDimensions: false },
      ],
    ]),
    headers: {},
    timeoutMs: 5_000,
    retries: { attempts: 0, baseDelayMs: 1, maxDelayMs: 1 },
    maxConnections: 2,
    fallback,
  } satisfies Connection;
}

const POLICY = compilePolicy([
  {
    path: 'cache.yaml',
    content: `version: 1
defaults: { cache: true }
roles:
  caller: { match: { issuer: https://idp.example }, models: ['*'] }
rules:
  - { id: all, when: 'size(principal.roles) > 0', allow: true }
  - id: pairs-stay-off-backup
    priority: 100
    when: 'request.connection == "backup" && request.input_count == 2'
    deny: { reason: pairs of inputs never go to the backup }
`,
  },
]);

const principal: Principal = {
  id: 'idp:svc',
  issuer: 'idp',
  subject: 'svc',
  roles: [],
  groups: [],
  scopes: [],
  claims: { iss: 'https://idp.example' },
  expiresAt: 0,
  acceptedUntil: 0,
  tokenKind: 'identity',
};

type Event = Record<string, unknown>;

/** The service with the parts a test names, and harmless stand-ins for the rest. */
function embeddingsService(parts: {
  config?: IngressConfig;
  trail: AuditTrail;
  policy?: ReturnType<BundleStore['current']>;
  limiter?: RateLimiter;
  upstream: UpstreamClient;
  tokens?: Partial<TokenUse>;
  cache?: EmbeddingCache;
}): EmbeddingsService {
  return new EmbeddingsService(
    parts.config ?? ({ MAX_BATCH_INPUTS: 16 } as unknown as IngressConfig),
    parts.trail,
    { current: () => parts.policy ?? (POLICY.ok ? POLICY.policy : undefined) } as BundleStore,
    parts.limiter ?? ({ take: () => Promise.resolve() } as unknown as RateLimiter),
    {} as MaskingService,
    parts.upstream,
    {
      checkModel: () => undefined,
      checkUnused: () => Promise.resolve(),
      consume: () => Promise.resolve(),
      ...parts.tokens,
    } as unknown as TokenUse,
    parts.cache ?? ({ enabled: false } as EmbeddingCache),
  );
}

describe('EmbeddingsService cache with a fallback connection', () => {
  let primary: Awaited<ReturnType<typeof upstream>>;
  let backup: Awaited<ReturnType<typeof upstream>>;
  let client: UpstreamClient;
  let service: EmbeddingsService;
  const events: Event[] = [];

  beforeAll(async () => {
    if (!POLICY.ok) throw new Error(JSON.stringify(POLICY.errors));
    const policy = POLICY.policy;
    primary = await upstream(0.25);
    backup = await upstream(-0.75);
    client = new UpstreamClient([
      connection('primary', primary.url, 'model-a', 'backup'),
      connection('backup', backup.url, 'model-b'),
    ]);
    const config = {
      MAX_BATCH_INPUTS: 16,
      CACHE_TTL_SECONDS: 60,
      CACHE_MAX_ENTRY_BYTES: 4 * 1024 * 1024,
      CACHE_MAX_REDIS_MEMORY_BYTES: 512 * 1024 * 1024,
      MASKING_KEYS: { activeKeyId: 'k', keys: { k: Buffer.alloc(32) } },
      SEALING_KEYS: {},
    } as unknown as IngressConfig;
    const store = new Map<string, string>();
    const redis = {
      client: {
        get: (k: string) => Promise.resolve(store.get(k) ?? null),
        set: (k: string, v: string) => Promise.resolve(void store.set(k, v)),
        info: () => Promise.resolve('# Memory\r\nused_memory:1048576\r\n'),
      },
    } as unknown as IngressRedis;
    const logger = { warn: () => undefined } as unknown as Logger;
    const trail = {
      record: (e: Event) => Promise.resolve(void events.push(e)),
      recordLater: (e: Event | Promise<Event>) =>
        void Promise.resolve(e).then((x) => events.push(x)),
    } as unknown as AuditTrail;
    service = embeddingsService({
      config,
      trail,
      policy,
      upstream: client,
      cache: new EmbeddingCache(redis, config, logger),
    });
  });

  afterAll(async () => {
    await client.close();
    await Promise.all([primary.close(), backup.close()]);
  });

  const embed = async (input: string) => {
    const id = randomUUID();
    const { body, headers } = await service.embed(
      { id },
      principal,
      { model: 'embed', input, encoding_format: 'float' },
      performance.now(),
    );
    // The completed event is written after the answer, once the vectors are fingerprinted.
    let completed: Event | undefined;
    for (let i = 0; i < 100 && !completed; i++) {
      await new Promise((r) => setTimeout(r, 5));
      completed = events.find((e) => e.requestId === id && e.stage === 'completed');
    }
    const vector = (JSON.parse(body.toString()) as { data: { embedding: number[] }[] }).data[0]
      .embedding;
    return { vector, cache: headers['x-embargo-cache'], completed };
  };

  it("never serves the fallback's vectors as the primary's once the primary is back", async () => {
    const input = `fail-over ${randomUUID()}`;
    primary.state.down = true;
    const during = await embed(input);
    expect(during.vector).toEqual([-0.75, -0.75, -0.75, -0.75]);
    expect(during.completed).toMatchObject({ connection: 'backup', cached: false });

    primary.state.down = false;
    const after = await embed(input);
    expect(after.cache).toBe('miss');
    expect(after.vector).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(after.completed).toMatchObject({ connection: 'primary', cached: false });
  });

  it('fails over only to a connection the policy allows the request through', async () => {
    primary.state.down = true;
    try {
      const before = backup.state.requests;
      const pair = service.embed(
        { id: randomUUID() },
        principal,
        { model: 'embed', input: [`a ${randomUUID()}`, 'b'] },
        performance.now(),
      );
      await expect(pair).rejects.toMatchObject({ code: 'upstream_error' });
      expect(backup.state.requests).toBe(before);
      // One input is allowed through the backup, and goes there.
      expect((await embed(`one ${randomUUID()}`)).completed).toMatchObject({
        connection: 'backup',
      });
    } finally {
      primary.state.down = false;
    }
  });

  it('names every connection the input was sent to, when the answer fails too', async () => {
    const forwardedOf = (id: string) =>
      events
        .filter((e) => e.requestId === id && e.stage === 'forwarded')
        .map((e) => [e.connection, e.upstreamModel, e.attempt]);
    const settle = () => new Promise((r) => setTimeout(r, 20));
    primary.state.down = true;
    backup.state.down = true;
    try {
      const id = randomUUID();
      await expect(
        service.embed({ id }, principal, { model: 'embed', input: `x ${id}` }, performance.now()),
      ).rejects.toMatchObject({ code: 'upstream_error' });
      await settle();
      // Both upstreams read the input though neither answered: the trail said neither had.
      expect(forwardedOf(id)).toEqual([
        ['primary', 'model-a', 1],
        ['backup', 'model-b', 2],
      ]);
      // Kept off the backup by the policy: only the primary read it.
      const pair = randomUUID();
      await expect(
        service.embed(
          { id: pair },
          principal,
          { model: 'embed', input: [pair, 'b'] },
          performance.now(),
        ),
      ).rejects.toMatchObject({ code: 'upstream_error' });
      await settle();
      expect(forwardedOf(pair)).toEqual([['primary', 'model-a', 1]]);
    } finally {
      primary.state.down = false;
      backup.state.down = false;
    }
    const ok = randomUUID();
    await service.embed({ id: ok }, principal, { model: 'embed', input: ok }, performance.now());
    await settle();
    expect(forwardedOf(ok)).toEqual([['primary', 'model-a', 1]]);
  });

  it("caches the primary's answers and names the primary in the hit's event", async () => {
    const input = `steady ${randomUUID()}`;
    expect((await embed(input)).cache).toBe('miss');
    const before = primary.state.requests;
    const hit = await embed(input);
    expect(hit.cache).toBe('hit');
    expect(primary.state.requests).toBe(before);
    expect(hit.vector).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(hit.completed).toMatchObject({ connection: 'primary', cached: true });
  });
});

describe('EmbeddingsService with a spent single-use token', () => {
  it('refuses it before any event, policy decision, masking or rate limit', async () => {
    const events: Event[] = [];
    let taken = 0;
    const spent = new EmbargoError('invalid_token', 'This single-use token has already been used');
    const service = embeddingsService({
      trail: {
        record: (e: Event) => Promise.resolve(void events.push(e)),
        recordLater: (e: Event) => void events.push(e),
      } as unknown as AuditTrail,
      limiter: { take: () => Promise.resolve(void taken++) } as unknown as RateLimiter,
      upstream: new UpstreamClient([]),
      tokens: { checkUnused: () => Promise.reject(spent), consume: () => Promise.reject(spent) },
      cache: {} as EmbeddingCache,
    });
    for (let i = 0; i < 3; i++)
      await expect(
        service.embed({ id: randomUUID() }, principal, { model: 'embed', input: 'x' }, 0),
      ).rejects.toBe(spent);
    expect(events).toEqual([]);
    expect(taken).toBe(0);
  });
});

describe('EmbeddingsService when the gateway shuts down', () => {
  it("writes a large batch's completed event before the producer disconnects", async () => {
    if (!POLICY.ok) throw new Error(JSON.stringify(POLICY.errors));
    const policy = POLICY.policy;
    // 64 vectors of 8192 values: their fingerprints take several turns of the event loop.
    const model = await upstream(0.5, 8192);
    const client = new UpstreamClient([
      connection('primary', model.url, 'model-a', undefined, 8192),
    ]);
    const sent: string[] = [];
    const state = { disconnected: false };
    const producer = {
      sendBatch: ({ topicMessages }: { topicMessages: TopicMessages[] }) => {
        if (state.disconnected) return Promise.reject(new Error('The producer is disconnected'));
        for (const { messages } of topicMessages)
          for (const m of messages) sent.push(String(m.headers?.ce_type));
        return Promise.resolve();
      },
    } as unknown as Producer;
    const logger = pino({ enabled: false });
    const publisher = new EventPublisher(producer, 'ingress', logger);
    const config = {
      MAX_BATCH_INPUTS: 64,
      AUDIT_TIMEOUT_MS: 2000,
      MASKING_KEYS: { activeKeyId: 'k', keys: { k: Buffer.alloc(32) } },
      SEALING_KEYS: {},
    } as unknown as IngressConfig;
    const trail = new AuditTrail(
      { publisher } as unknown as KafkaService,
      { name: 'ingress', instance: 'i1' } satisfies AppIdentity,
      logger,
      config,
    );
    const service = embeddingsService({ config, trail, policy, upstream: client });
    try {
      await service.embed(
        { id: randomUUID() },
        principal,
        { model: 'embed', input: Array.from({ length: 64 }, (_, i) => `text ${i}`) },
        performance.now(),
      );
      // What KafkaService does on shutdown, once the HTTP server has answered everyone.
      await publisher.flush();
      state.disconnected = true;
      await new Promise((r) => setTimeout(r, 300));
      expect(sent).toContain('dev.embargo.request.forwarded.v1');
      expect(sent).toContain('dev.embargo.request.completed.v1');
    } finally {
      await client.close();
      await model.close();
    }
  });
});

describe('EmbeddingsService while the audit trail is unavailable', () => {
  it("answers 503 and leaves the principal's rate limit as it was", async () => {
    const limited = compilePolicy([
      {
        path: 'limited.yaml',
        content: `version: 1
roles:
  caller:
    match: { issuer: https://idp.example }
    models: ['*']
    limits: { rateLimit: { requestsPerMinute: 2 } }
rules:
  - { id: all, when: 'size(principal.roles) > 0', allow: true }
`,
      },
    ]);
    if (!limited.ok) throw new Error(JSON.stringify(limited.errors));
    const policy = limited.policy;
    // The rate limiter's bucket, as Redis would keep it: requests left this minute.
    const bucket = { left: 2 };
    const limiter = {
      take: () => Promise.resolve(void bucket.left--),
      giveBack: () => Promise.resolve(void bucket.left++),
    } as unknown as RateLimiter;
    let upstreamCalls = 0;
    const down = new EmbargoError(
      'audit_unavailable',
      'The audit trail is unavailable; the request was not forwarded',
    );
    const service = embeddingsService({
      trail: {
        record: () => Promise.reject(down),
        recordLater: () => undefined,
      } as unknown as AuditTrail,
      policy,
      limiter,
      upstream: {
        checkRequest: () => undefined,
        routeFor: () => undefined,
        embed: () => Promise.reject(new Error(`called ${++upstreamCalls} times`)),
      } as unknown as UpstreamClient,
    });
    for (let i = 0; i < 3; i++)
      await expect(
        service.embed({ id: randomUUID() }, principal, { model: 'embed', input: 'x' }, 0),
      ).rejects.toBe(down);
    await new Promise((r) => setTimeout(r, 10));
    expect(upstreamCalls).toBe(0);
    expect(bucket.left).toBe(2);
  });
});

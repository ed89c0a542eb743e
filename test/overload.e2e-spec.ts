import {
  AUDIENCE,
  auditEvents,
  eventually,
  generateKeyPair,
  nowSeconds,
  signToken,
  startJwksServer,
  startApp,
  startStack,
  testKeyring,
  type JwksServer,
  type RunningApp,
  type Stack,
} from '@embargo/testing';
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { startStandIn, type StandIn } from '../apps/stand-in-upstream/main';

const MODEL = 'stand-in-embedding';
/** How long the slow upstream holds each request: the two held ones keep their slots this long. */
const UPSTREAM_DELAY_MS = 8_000;

/**
 * An ingress at its limits: a cap on requests in flight (MAX_IN_FLIGHT) refuses the request
 * over it before any work, and a cap on connections (MAX_CONNECTIONS) closes the socket over it.
 */
describe('ingress under overload', () => {
  let stack: Stack;
  let slow: StandIn;
  let token: string;
  const slowKey = `sk-slow-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    // An upstream that answers every request only after UPSTREAM_DELAY_MS, so requests stay
    // in flight at the gateway for as long as the test needs them there.
    slow = await startStandIn({ apiKey: slowKey, faults: true });
    stack = await startStack({
      extraIngressEnv: {
        MAX_IN_FLIGHT: '2',
        SLOW_KEY: slowKey,
        INGRESS_CONNECTIONS: JSON.stringify({
          connections: [
            {
              name: 'slow',
              provider: 'stand_in',
              baseUrl: slow.baseUrl,
              credential: { env: 'SLOW_KEY' },
              headers: { 'x-stand-in-delay-ms': String(UPSTREAM_DELAY_MS) },
              timeoutMs: 30_000,
              retries: { attempts: 0 },
              models: { [MODEL]: { upstreamModel: MODEL, dimensions: 1536 } },
            },
          ],
        }),
      },
    });
    token = await stack.idp.token('indexer');
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await slow?.close();
  });

  const embed = (input: string, headers: Record<string, string> = {}) =>
    fetch(`${stack.apps.ingress.url}/v1/embeddings`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...headers,
      },
      body: JSON.stringify({ model: MODEL, input }),
    });

  /** Refusals over the cap so far, all routes together. */
  const shedCount = async (url: string): Promise<number> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('embargo_http_requests_shed_total'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };

  /** A further gateway on this stack, under an instance id of its own, with `env` on top. */
  const startGateway = async (env: Record<string, string>) => {
    const instance = `ingress-${randomBytes(4).toString('hex')}`;
    const app = await startApp('ingress', { ...stack.ingressEnv, INSTANCE_ID: instance, ...env });
    return { app, instance };
  };

  type TrailEvent = { instance: string; code: string; clientIp?: string; heldBack?: number };
  /** One gateway's events that match `query`, from the audit API, once `enough` holds. */
  const trailOf = (
    instance: string,
    query: string,
    enough: (events: TrailEvent[]) => boolean,
    what: string,
  ): Promise<TrailEvent[]> =>
    eventually(
      async () => {
        const res = await fetch(`${stack.apps.audit.url}/v1/audit/events?${query}&size=1000`, {
          headers: { authorization: `Bearer ${stack.auditToken}` },
        });
        const found = ((await res.json()) as { data: TrailEvent[] }).data.filter(
          (e) => e.instance === instance,
        );
        return enough(found) ? found : undefined;
      },
      30_000,
      what,
    );

  /** An issuer whose keys arrive only after `delayMs`, so its tokens are refused only then. */
  const SLOW_ISSUER = 'https://slow-keys.example';
  const slowIssuer = (jwks: JwksServer) =>
    JSON.stringify([
      {
        name: 'slow-keys',
        issuer: SLOW_ISSUER,
        jwksUri: jwks.jwksUri,
        audience: AUDIENCE,
        algorithms: ['RS256'],
        claims: { principalId: 'sub' },
      },
    ]);
  /** A well-formed token of that issuer, signed with a key it does not publish. */
  const unknownKeyToken = async () => {
    const key = await generateKeyPair('RS256');
    return signToken(
      { iss: SLOW_ISSUER, aud: AUDIENCE, sub: 'nobody', exp: nowSeconds() + 300 },
      { alg: 'RS256', kid: key.kid, key: key.privateKey },
    );
  };

  /** Requests held under the cap now, as the instance reports it. */
  const inFlightNow = async (url: string): Promise<number> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('embargo_http_requests_in_flight'));
    return Number(line?.split(' ').pop());
  };

  it('answers 503 overloaded with Retry-After over MAX_IN_FLIGHT, before authenticating, and forwards nothing', async () => {
    const ingress = stack.apps.ingress.url;
    const shedBefore = await shedCount(ingress);
    slow.clearReceived();
    // Two requests fill the cap and wait on the slow upstream.
    const held = [embed('held one'), embed('held two')];
    await eventually(
      async () => (slow.received().length === 2 ? true : undefined),
      20_000,
      'both held requests to reach the upstream',
    );

    // A third, with a valid token: refused at once, in the OpenAI shape.
    const refused = await embed('one too many');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    const refusedId = refused.headers.get('x-request-id');
    expect(refusedId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await refused.json()).toEqual({
      error: {
        message: expect.stringContaining('2 requests in flight') as unknown,
        type: 'server_error',
        code: 'overloaded',
        param: null,
      },
    });

    // Without any token: still 503, not 401, since nothing is authenticated while over the cap.
    const anonymous = await fetch(`${ingress}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, input: 'no token' }),
    });
    expect(anonymous.status).toBe(503);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('overloaded');

    // The token endpoint shares the cap and answers in its OAuth shape.
    const exchange = await fetch(`${ingress}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: token,
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        scope: `model:${MODEL}`,
      }).toString(),
    });
    expect(exchange.status).toBe(503);
    expect(exchange.headers.get('retry-after')).toBe('1');
    expect(((await exchange.json()) as { error: string }).error).toBe('temporarily_unavailable');

    // Probes and metrics are never refused, so the orchestrator and Prometheus see the instance.
    expect((await fetch(`${ingress}/healthz`)).status).toBe(200);
    expect((await fetch(`${ingress}/readyz`)).status).toBe(200);
    expect(await shedCount(ingress)).toBe(shedBefore + 3);

    // The held requests finish normally, and the upstream saw only them.
    for (const res of await Promise.all(held)) expect(res.status).toBe(200);
    expect(
      slow
        .received()
        .map((r) => r.input[0])
        .sort(),
    ).toEqual(['held one', 'held two']);
    expect(slow.received().map((r) => r.requestId)).not.toContain(refusedId);

    // Their slots are free again: the next request goes through.
    const after = await embed('after the peak');
    expect(after.status).toBe(200);

    // The first refusal of its second is in the audit trail, never as forwarded.
    const events = await eventually(
      async () => {
        const found = await auditEvents(stack, refusedId as string);
        return found.length > 0 ? found : undefined;
      },
      20_000,
      'the refusal in the audit trail',
    );
    expect(events.map((e) => e.stage)).toEqual(['failed']);
    expect(events[0]).toMatchObject({ status: 503, code: 'overloaded' });
  }, 90_000);

  it('gives back the slots of pipelined requests whose connection closed before their answer', async () => {
    const ingress = stack.apps.ingress;
    slow.clearReceived();
    // One request held by the slow upstream, two more pipelined behind it on the same
    // connection: Node queues their answers until the first is out. The caller then leaves.
    const body = JSON.stringify({ model: MODEL, input: 'held, then abandoned' });
    const request =
      `POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}` +
      `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`.repeat(2);
    for (let i = 0; i < 2; i++) {
      const socket = connect(ingress.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(request);
      await eventually(
        async () => (slow.received().length === i + 1 ? true : undefined),
        20_000,
        'the held request to reach the upstream',
      );
      socket.destroy();
    }

    // Every slot is free again: nothing is in flight and the next request goes through.
    await eventually(
      async () => ((await inFlightNow(ingress.url)) === 0 ? true : undefined),
      30_000,
      'no request in flight',
    );
    const after = await fetch(`${ingress.url}/v1/models`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.status).toBe(200);
  }, 90_000);

  describe('when a flood over MAX_IN_FLIGHT ends', () => {
    let gateway: RunningApp;
    let instance: string;

    beforeAll(async () => {
      ({ app: gateway, instance } = await startGateway({ MAX_IN_FLIGHT: '1' }));
    }, 120_000);

    afterAll(async () => {
      await gateway?.stop();
    });

    it('counts every refusal in the audit trail, the ones held back included', async () => {
      const from = new Date(Date.now() - 1000).toISOString();
      const post = () =>
        fetch(`${gateway.url}/v1/embeddings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ model: MODEL, input: 'the flood' }),
        });
      slow.clearReceived();
      const held = post();
      await eventually(
        async () => (slow.received().length === 1 ? true : undefined),
        20_000,
        'the held request to reach the upstream',
      );
      // A short flood, then nothing more: no later refusal would carry its count.
      for (let i = 0; i < 4; i++) expect((await post()).status).toBe(503);
      expect((await held).status).toBe(200);
      await gateway.stop();

      // An event with heldBack stands for that many refusals; any other, for its own.
      const counted = (events: TrailEvent[]) =>
        events
          .filter((e) => e.code === 'overloaded')
          .reduce((sum, e) => sum + (e.heldBack ?? 1), 0);
      const events = await trailOf(
        instance,
        `stage=failed&from=${from}`,
        (found) => counted(found) >= 4,
        'the four refusals counted in the audit trail',
      );
      expect(counted(events)).toBe(4);
    }, 90_000);
  });

  describe('with MAX_CONNECTIONS', () => {
    const LIMIT = 3;
    let capped: RunningApp;
    const open: Socket[] = [];

    /** A GET on a connection of its own, closed after the answer (no pool keeps it open). */
    const getOnce = (path: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        get(`${capped.url}${path}`, { agent: false }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject);
      });

    beforeAll(async () => {
      // A second gateway on the same stack, with a small connection cap. Its readiness is
      // polled on connections that close, so none of the cap is held by the test's own pool.
      capped = await startApp(
        'ingress',
        { ...stack.ingressEnv, MAX_CONNECTIONS: String(LIMIT) },
        { ready: 'none' },
      );
      await eventually(
        async () => ((await getOnce('/readyz')).status === 200 ? true : undefined),
        60_000,
        'the capped gateway to be ready',
      );
    }, 120_000);

    afterAll(async () => {
      for (const s of open) s.destroy();
      await capped?.stop();
    });

    /** Opens a connection and asks for /healthz on it; 'answered' keeps the socket open. */
    const probe = (): Promise<{ outcome: 'answered' | 'closed'; socket: Socket }> =>
      new Promise((resolve) => {
        const socket = connect(capped.port, '127.0.0.1');
        let data = '';
        socket.on('error', () => undefined);
        socket.on('connect', () =>
          socket.write(
            `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`,
          ),
        );
        socket.on('data', (chunk: Buffer) => {
          data += chunk.toString();
          if (data.includes('\r\n\r\n') && data.includes('"ok"'))
            resolve({ outcome: 'answered', socket });
        });
        socket.on('close', () => resolve({ outcome: 'closed', socket }));
      });

    it('closes a connection over the cap at once, and accepts again once one closes', async () => {
      // Fill the cap with connections of our own (the readiness check's last connection may
      // still hold a place for a moment: a refused one is tried again).
      await eventually(
        async () => {
          const { outcome, socket } = await probe();
          if (outcome === 'answered') open.push(socket);
          return open.length === LIMIT ? true : undefined;
        },
        30_000,
        `${LIMIT} connections held`,
      );

      // The next connection is closed without an answer.
      const over = await probe();
      expect(over.outcome).toBe('closed');

      // The held connections still work.
      for (const socket of open) {
        const answer = new Promise<string>((resolve) =>
          socket.once('data', (d) => resolve(String(d))),
        );
        socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        expect(await answer).toMatch(/^HTTP\/1\.1 200/);
      }

      // One closes: a new connection is accepted, and the refusal was counted.
      open.pop()?.destroy();
      const metrics = await eventually(
        async () => {
          const res = await getOnce('/metrics');
          return res.status === 200 ? res.body : undefined;
        },
        20_000,
        'a connection accepted again',
      );
      const dropped = metrics
        .split('\n')
        .find((l) => l.startsWith('embargo_http_connections_dropped_total'));
      expect(Number(dropped?.split(' ').pop())).toBeGreaterThanOrEqual(1);
    }, 90_000);
  });

  describe('with refusals of callers without credentials', () => {
    let gateway: RunningApp;
    let instance: string;

    beforeAll(async () => {
      ({ app: gateway, instance } = await startGateway({ REFUSAL_EVENTS_PER_SOURCE: '3' }));
    }, 120_000);

    afterAll(async () => {
      await gateway?.stop();
    });

    it('writes a bounded number of events for a flood of bad tokens, and one that counts the rest', async () => {
      const from = new Date(Date.now() - 1000).toISOString();
      const post = (headers: Record<string, string>, body: string) =>
        fetch(`${gateway.url}/v1/embeddings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });
      const valid = JSON.stringify({ model: MODEL, input: 'x' });
      for (let i = 0; i < 10; i++)
        expect((await post({ authorization: 'Bearer not.a.token' }, valid)).status).toBe(401);
      for (let i = 0; i < 2; i++) expect((await post({}, '{"model":')).status).toBe(400);
      // Stopping ends the minute early: the counts of the refusals held back are written.
      await gateway.stop();

      const events = await trailOf(
        instance,
        `stage=rejected&clientIp=127.0.0.1&from=${from}`,
        (found) => found.some((e) => e.heldBack) && found.length >= 6,
        'the refusals in the audit trail',
      );
      const ofCode = (code: string) => events.filter((e) => e.code === code);
      const badTokens = ofCode('invalid_token');
      expect(badTokens).toHaveLength(4);
      expect(badTokens.filter((e) => e.heldBack === undefined)).toHaveLength(3);
      expect(badTokens.find((e) => e.heldBack)).toMatchObject({
        clientIp: '127.0.0.1',
        heldBack: 7,
      });
      // The malformed bodies are within their own budget: each has its event.
      expect(ofCode('invalid_json')).toHaveLength(2);
      expect(events).toHaveLength(6);
    }, 90_000);
  });

  describe('with requests the HTTP parser refuses', () => {
    let gateway: RunningApp;
    let instance: string;

    beforeAll(async () => {
      ({ app: gateway, instance } = await startGateway({}));
    }, 120_000);

    afterAll(async () => {
      await gateway?.stop();
    });

    /** Sends raw bytes on a connection of their own and returns all the gateway answered. */
    const raw = (bytes: string): Promise<string> =>
      new Promise((resolve) => {
        const socket = connect(gateway.port, '127.0.0.1');
        let answer = '';
        socket.on('error', () => undefined);
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
        socket.on('close', () => resolve(answer));
        socket.on('connect', () => socket.write(bytes));
      });

    it('audits them within the same budget, naming the address', async () => {
      const from = new Date(Date.now() - 1000).toISOString();
      expect(await raw('BREW /v1/embeddings HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(
        /^HTTP\/1\.1 400 /,
      );
      const huge = `x-filler: ${'a'.repeat(200 * 1024)}\r\n`;
      expect(await raw(`GET /v1/models HTTP/1.1\r\nHost: x\r\n${huge}\r\n`)).toMatch(
        /^HTTP\/1\.1 431 /,
      );
      const events = await trailOf(
        instance,
        `stage=rejected&clientIp=127.0.0.1&from=${from}`,
        (found) => found.length >= 2,
        'the parser refusals in the audit trail',
      );
      expect(events.map((e) => e.code).sort()).toEqual(['headers_too_large', 'invalid_request']);
    }, 90_000);
  });

  describe('with a caller that leaves before its refusal', () => {
    let gateway: RunningApp;
    let jwks: JwksServer;
    let instance: string;

    beforeAll(async () => {
      jwks = await startJwksServer([], { delayMs: 2_000 });
      ({ app: gateway, instance } = await startGateway({ INGRESS_ISSUERS: slowIssuer(jwks) }));
    }, 120_000);

    afterAll(async () => {
      await gateway?.stop();
      await jwks?.stop();
    });

    it('still names its address', async () => {
      const from = new Date(Date.now() - 1000).toISOString();
      const badToken = await unknownKeyToken();
      const socket = connect(gateway.port, '127.0.0.1');
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write(
        `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${badToken}\r\n\r\n`,
      );
      // The gateway is fetching the issuer's keys for this request: the caller leaves.
      await eventually(async () => (jwks.fetches() > 0 ? true : undefined), 20_000, 'a key fetch');
      socket.destroy();
      // A second caller with the same token waits on the same fetch and is refused just after
      // the first: once it has its answer, the first refusal has been handled too.
      const second = await fetch(`${gateway.url}/v1/models`, {
        headers: { authorization: `Bearer ${badToken}` },
      });
      expect(second.status).toBe(401);
      await gateway.stop();

      const events = await trailOf(
        instance,
        `stage=rejected&from=${from}`,
        (found) => found.length >= 2,
        'the refusals in the audit trail',
      );
      // Both refusals have an event of their own that names the address, none is a summary.
      expect(events).toHaveLength(2);
      for (const event of events) {
        expect(event).toMatchObject({ code: 'invalid_token', clientIp: '127.0.0.1' });
        expect(event.heldBack).toBeUndefined();
      }
    }, 90_000);
  });

  describe('with a refusal still being decided when the instance stops', () => {
    let gateway: RunningApp;
    let jwks: JwksServer;
    let instance: string;

    beforeAll(async () => {
      jwks = await startJwksServer([], { delayMs: 3_000 });
      ({ app: gateway, instance } = await startGateway({
        REFUSAL_EVENTS_PER_SOURCE: '1',
        INGRESS_ISSUERS: slowIssuer(jwks),
      }));
    }, 120_000);

    afterAll(async () => {
      await gateway?.stop();
      await jwks?.stop();
    });

    it('counts it in the summary written at the end', async () => {
      const from = new Date(Date.now() - 1000).toISOString();
      // The address's one event for bad tokens this minute.
      const first = await fetch(`${gateway.url}/v1/models`, {
        headers: { authorization: 'Bearer not.a.token' },
      });
      expect(first.status).toBe(401);

      // Two more bad tokens wait for the issuer's keys while the instance is told to stop:
      // it finishes them (401) before it stops, and its last summary counts them.
      const badToken = await unknownKeyToken();
      const waiting = [1, 2].map(() =>
        fetch(`${gateway.url}/v1/models`, {
          headers: { authorization: `Bearer ${badToken}`, connection: 'close' },
        }),
      );
      await eventually(async () => (jwks.fetches() > 0 ? true : undefined), 20_000, 'a key fetch');
      await gateway.stop();
      for (const res of await Promise.all(waiting)) expect(res.status).toBe(401);

      const events = await trailOf(
        instance,
        `stage=rejected&clientIp=127.0.0.1&from=${from}`,
        (found) => found.length >= 2,
        'the refusal and the summary in the audit trail',
      );
      expect(events).toHaveLength(2);
      expect(events.find((e) => e.heldBack)).toMatchObject({ code: 'invalid_token', heldBack: 2 });
    }, 90_000);
  });

  describe('with HTTP_KEEP_ALIVE_TIMEOUT_MS', () => {
    let masking: RunningApp;

    beforeAll(async () => {
      // The connection settings are every app's: the masking workers' health server here.
      masking = await startApp(
        'masking',
        {
          KAFKA_GROUP_PREFIX: `${stack.runId}.idle.`,
          MASKING_KEYS: testKeyring('m1'),
          HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
        },
        { ready: 'healthz' },
      );
    }, 120_000);

    afterAll(async () => {
      await masking?.stop();
    });

    it('closes a connection that never sends a request', async () => {
      const socket = connect(masking.port, '127.0.0.1');
      socket.on('error', () => undefined);
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      await new Promise<void>((resolve) => socket.once('close', () => resolve()));
      expect(received).toBe('');
    }, 30_000);
  });
});

import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { EmbargoError, type ErrorCode } from '@embargo/contracts';
import { mask } from '@embargo/masking';
import { Pool } from 'undici';
import {
  adapterFor,
  inputCount,
  MalformedUpstreamResponse,
  MAX_DIMENSIONS,
  prepareTarget,
  toOpenAiResponse,
  type AdapterTarget,
  type Expectation,
  type ProviderRequest,
  type UpstreamAdapter,
} from './adapters';
import {
  ConnectionsError,
  credentialFrom,
  type Connection,
  type ModelRoute,
  type Provider,
} from './connections';
import type { Secret } from './secret';
import type { EmbeddingsRequest, EmbeddingsResponse } from './types';

/** What the ingress hands over: the caller's body; `model` is replaced by the route's. */
export type EmbedRequest = Omit<EmbeddingsRequest, 'model'> & { model?: string };

export interface EmbedOptions {
  requestId: string;
  /** Aborts the call (e.g. the caller went away); the abort reason is rethrown. */
  signal?: AbortSignal;
  /**
   * Whether a fallback connection may carry this request, as the policy decides through
   * it; one that may not is skipped like one that cannot serve the request. The first
   * connection is the caller's to decide before calling.
   */
  mayUse?: (connection: string) => boolean;
  /**
   * Called once for each connection the input is sent to, before its first attempt (`attempt`
   * counts the request's attempts over all connections, from 1): an upstream that then fails
   * or is cut off may still have read it.
   */
  onSend?: (connection: string, upstreamModel: string, attempt: number) => void;
}

export interface EmbedResult {
  response: EmbeddingsResponse;
  /** Float32 vectors, one per input, as the gateway fingerprints them. */
  vectors: Float32Array[];
  /** The connection that answered (the fallback's name after a fail-over). */
  connection: string;
  upstreamModel: string;
  /** HTTP attempts made across every connection tried. */
  attempts: number;
  upstreamMs: number;
}

export interface UpstreamModelInfo {
  id: string;
  connection: string;
  provider: Provider;
  dimensions?: number;
  maxDimensions?: number;
  supportsDimensions: boolean;
}

export interface UpstreamClientOptions {
  /** Receives one line per retry and fail-over; never bodies or headers. */
  logger?: { warn(obj: Record<string, unknown>, msg: string): void };
  /** For tests: replaces Math.random in backoff jitter. */
  random?: () => number;
  /**
   * The most one request may spend upstream, every attempt, backoff and fallback together
   * (UPSTREAM_DEADLINE_MS): an attempt it cuts off is a 504 upstream_timeout; a retry or a
   * fallback it leaves no time for is not started, and the failure before stands.
   */
  deadlineMs?: number;
}

export const DEFAULT_UPSTREAM_DEADLINE_MS = 60_000;

/**
 * The least time worth starting an attempt with (the shortest timeoutMs a connection may
 * have): a retry or a fallback that could not get this much before the deadline is not tried.
 */
const MIN_ATTEMPT_MS = 50;

interface Route {
  /** Replaced, with `target`, when a rotated credential file is read again. */
  connection: Connection;
  adapter: UpstreamAdapter;
  target: AdapterTarget;
  pool: Pool;
  /** When the credential file was last read again, and the reading under way. */
  credentialReadAt: number;
  credentialRead?: Promise<void>;
}

/** One failed attempt, classified for the retry and fail-over decisions. */
class AttemptFailure extends Error {
  readonly code: ErrorCode;
  /** For the caller: names no connection, provider or route. */
  readonly publicMessage: string;
  readonly retryable: boolean;
  /** False when the request itself was at fault: another upstream would refuse it too. */
  readonly failover: boolean;
  /** The upstream's Retry-After, as the backoff honours it. */
  readonly retryAfterMs?: number;
  /** What the caller is told to wait, bounded (see MAX_RETRY_AFTER_SECONDS). */
  readonly retryAfterSeconds?: number;
  readonly status?: number;

  constructor(
    /** For the log: the connection, the status, the upstream's own words (redacted). */
    reason: string,
    init: Pick<AttemptFailure, 'code' | 'publicMessage' | 'retryable' | 'failover'> &
      Partial<Pick<AttemptFailure, 'retryAfterMs' | 'retryAfterSeconds' | 'status'>>,
  ) {
    super(reason);
    this.code = init.code;
    this.publicMessage = init.publicMessage;
    this.retryable = init.retryable;
    this.failover = init.failover;
    this.retryAfterMs = init.retryAfterMs;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.status = init.status;
  }

  /**
   * A fallback's refusal is not the caller's to fix: the first connection took the request,
   * so the fallback's limits or settings are the gateway's problem, told as an outage.
   */
  asFallbackFailure(): AttemptFailure {
    if (this.code !== 'invalid_request') return this;
    return new AttemptFailure(this.message, {
      code: 'upstream_error',
      publicMessage: 'The upstream model failed to answer',
      retryable: false,
      failover: true,
      status: this.status,
    });
  }

  toCallerError(requestId: string): EmbargoError {
    const details =
      this.retryAfterSeconds === undefined
        ? undefined
        : { retryAfterSeconds: this.retryAfterSeconds };
    return new EmbargoError(this.code, `${this.publicMessage} (request id ${requestId})`, details);
  }
}

/**
 * The longest Retry-After passed on to callers. An upstream may ask for hours (a spent
 * daily quota); clients that honour the header would stall that long on one gateway answer,
 * when another upstream, or this one, may serve them sooner.
 */
const MAX_RETRY_AFTER_SECONDS = 60;

const CALLER_FAULT_STATUSES = new Set([400, 413, 422]);
const EXCERPT_LENGTH = 160;

/**
 * Forwards embeddings to the configured upstreams with gateway-held credentials: one
 * keep-alive undici pool per connection, bounded retries with backoff, fail-over to the
 * connection's fallback, and errors that carry neither secrets nor upstream bodies.
 */
@Injectable()
export class UpstreamClient implements OnApplicationShutdown {
  private readonly routes = new Map<string, Route>();
  private readonly logger?: UpstreamClientOptions['logger'];
  private readonly random: () => number;
  private readonly deadlineMs: number;

  constructor(connections: readonly Connection[], options: UpstreamClientOptions = {}) {
    this.logger = options.logger;
    this.random = options.random ?? Math.random;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_UPSTREAM_DEADLINE_MS;
    for (const connection of connections) {
      const adapter = adapterFor(connection.provider);
      const pool = new Pool(new URL(connection.baseUrl).origin, {
        connections: connection.maxConnections,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        // Backstops for the per-attempt deadline signal below.
        headersTimeout: connection.timeoutMs,
        bodyTimeout: connection.timeoutMs,
        connect: { timeout: Math.min(connection.timeoutMs, 10_000) },
      });
      this.routes.set(connection.name, {
        connection,
        adapter,
        target: prepareTarget(adapter, connection),
        pool,
        credentialReadAt: -Infinity,
      });
    }
  }

  /**
   * Embeds through `connectionName` (or, in the three-argument form, the first connection
   * that serves `publicModel`), retrying and failing over as that connection is configured.
   */
  embed(
    connectionName: string,
    publicModel: string,
    request: EmbedRequest,
    options: EmbedOptions,
  ): Promise<EmbedResult>;
  embed(publicModel: string, request: EmbedRequest, options: EmbedOptions): Promise<EmbedResult>;
  embed(
    a: string,
    b: string | EmbedRequest,
    c: EmbedRequest | EmbedOptions,
    d?: EmbedOptions,
  ): Promise<EmbedResult> {
    if (typeof b === 'string') return this.embedVia(a, b, c as EmbedRequest, d as EmbedOptions);
    const connection = this.connectionFor(a);
    if (!connection) return Promise.reject(modelNotFound(a));
    return this.embedVia(connection, a, b, c as EmbedOptions);
  }

  private async embedVia(
    connectionName: string,
    publicModel: string,
    request: EmbedRequest,
    options: EmbedOptions,
  ): Promise<EmbedResult> {
    const first = this.routes.get(connectionName);
    if (!first) {
      this.logger?.warn(
        { requestId: options.requestId, connection: connectionName },
        'upstream connection not configured',
      );
      throw new EmbargoError(
        'internal_error',
        `No upstream is configured for this request (request id ${options.requestId}).`,
      );
    }
    const firstModel = first.connection.models.get(publicModel);
    if (!firstModel) throw modelNotFound(publicModel);
    if (inputCount(request.input) === 0) {
      throw new EmbargoError('invalid_request', 'input must not be empty.', { param: 'input' });
    }

    const started = performance.now();
    const budget: Budget = { attempts: 0, deadlineAt: started + this.deadlineMs };
    let route: Route | undefined = first;
    let model: ModelRoute | undefined = firstModel;
    let lastFailure: AttemptFailure | undefined;
    let tried = '';
    while (route && model) {
      // What this connection cannot serve (token ids to a text-only provider, a batch over
      // its limit, dimensions it lacks) is the caller's to fix when it is the first
      // connection; a fallback that cannot serve it is skipped and the failure before stands.
      let prepared: PreparedCall | undefined;
      if (lastFailure && options.mayUse && !options.mayUse(route.connection.name)) {
        this.logger?.warn(
          { requestId: options.requestId, connection: route.connection.name },
          'upstream fallback skipped: the policy does not allow this connection here',
        );
      } else {
        try {
          prepared = prepareCall(route, publicModel, model, request, firstModel);
        } catch (err) {
          if (!lastFailure || !(err instanceof EmbargoError)) throw err;
          this.logger?.warn(
            {
              requestId: options.requestId,
              connection: route.connection.name,
              reason: err.message,
            },
            'upstream fallback skipped',
          );
        }
      }
      if (prepared) {
        options.onSend?.(route.connection.name, model.upstreamModel, budget.attempts + 1);
        try {
          const { response, vectors } = await this.tryConnection(route, prepared, options, budget);
          return {
            response,
            vectors,
            connection: route.connection.name,
            upstreamModel: model.upstreamModel,
            attempts: budget.attempts,
            upstreamMs: performance.now() - started,
          };
        } catch (err) {
          if (!(err instanceof AttemptFailure)) throw err;
          const failure = lastFailure ? err.asFallbackFailure() : err;
          lastFailure = failure;
          tried = tried ? `${tried}, ${route.connection.name}` : route.connection.name;
          if (!failure.failover) break;
        }
      }
      route = this.fallbackOf(route);
      // One that does not serve the model is passed over for its own fallback, as one that
      // cannot serve the request is (start-up checks the sizes along the whole chain).
      while (route && !route.connection.models.has(publicModel)) route = this.fallbackOf(route);
      model = route?.connection.models.get(publicModel);
      if (route && model && timeLeft(budget) < MIN_ATTEMPT_MS) {
        this.logger?.warn(
          { requestId: options.requestId, from: tried, to: route.connection.name },
          'upstream fail-over skipped: deadline reached',
        );
        break;
      }
      if (route && model) {
        this.logger?.warn(
          { requestId: options.requestId, from: tried, to: route.connection.name },
          'upstream fail-over',
        );
      }
    }
    // The first connection is always tried, so a failure is known here.
    if (!lastFailure) throw new Error('no upstream connection was tried');
    const failure = lastFailure;
    // The connections tried and the upstream's words stay here; the caller gets the kind
    // of failure and the request id that finds this line.
    this.logger?.warn(
      {
        requestId: options.requestId,
        tried,
        status: failure.status,
        code: failure.code,
        reason: failure.message,
      },
      'upstream failed',
    );
    throw failure.toCallerError(options.requestId);
  }

  /** Start-up refuses cycles, so following fallbacks ends. */
  private fallbackOf(route: Route): Route | undefined {
    const { fallback } = route.connection;
    return fallback === undefined ? undefined : this.routes.get(fallback);
  }

  /** Public model names served by the given connections (all when omitted), first route wins. */
  modelsFor(connectionNames?: readonly string[]): UpstreamModelInfo[] {
    const names = connectionNames ?? [...this.routes.keys()];
    const seen = new Set<string>();
    const out: UpstreamModelInfo[] = [];
    for (const name of names) {
      const route = this.routes.get(name);
      if (!route) continue;
      for (const [id, m] of route.connection.models) {
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({
          id,
          connection: name,
          provider: route.connection.provider,
          dimensions: m.dimensions,
          maxDimensions: m.maxDimensions,
          supportsDimensions: m.supportsDimensions,
        });
      }
    }
    return out;
  }

  /** Every public model name served by some connection. */
  models(): string[] {
    return this.modelsFor().map((m) => m.id);
  }

  /** The first connection that serves a public model, and the model it asks that upstream for. */
  routeFor(
    publicModel: string,
  ): { connection: string; upstreamModel: string; upstream: string } | undefined {
    const connection = this.connectionFor(publicModel);
    const c = connection ? this.routes.get(connection)?.connection : undefined;
    const model = c?.models.get(publicModel);
    if (!connection || !c || !model) return undefined;
    // What answers under this name: the cache keys on it, so a repointed connection starts afresh.
    const upstream = JSON.stringify([
      c.provider,
      c.baseUrl,
      model.inputType ?? null,
      model.dimensions ?? null,
    ]);
    return { connection, upstreamModel: model.upstreamModel, upstream };
  }

  /**
   * Refuses, before the request costs anything, what the model's first route would refuse:
   * a `dimensions` it does not take. A fall-back route checks its own model again.
   */
  checkRequest(publicModel: string, request: { dimensions?: number }): void {
    const connection = this.connectionFor(publicModel);
    const model = connection && this.routes.get(connection)?.connection.models.get(publicModel);
    if (model) upstreamDimensions(publicModel, model, request.dimensions);
  }

  /** The first of the given connections (all when omitted) that serves a public model. */
  connectionFor(publicModel: string, connectionNames?: readonly string[]): string | undefined {
    for (const name of connectionNames ?? this.routes.keys()) {
      if (this.routes.get(name)?.connection.models.has(publicModel)) return name;
    }
    return undefined;
  }

  async close(): Promise<void> {
    const pools = [...this.routes.values()].map((r) => r.pool);
    // Let in-flight calls finish briefly, then cut whatever is still hanging.
    const closing = Promise.all(pools.map((p) => p.close()));
    const timer = delay(2_000, 'timeout', { ref: false });
    if ((await Promise.race([closing, timer])) === 'timeout')
      await Promise.all(pools.map((p) => p.destroy()));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private async tryConnection(
    route: Route,
    prepared: PreparedCall,
    options: EmbedOptions,
    budget: Budget,
  ): Promise<{ response: EmbeddingsResponse; vectors: Float32Array[] }> {
    const { call } = prepared;
    let { credential } = prepared;
    let headers = { ...call.headers, 'x-request-id': options.requestId };
    const { retries } = route.connection;
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      budget.attempts++;
      let failure: AttemptFailure;
      try {
        const left = Math.max(1, Math.ceil(timeLeft(budget)));
        const timeoutMs = Math.min(route.connection.timeoutMs, left);
        const sent = { headers, credential };
        return await this.attempt(route, call, sent, prepared, options.signal, timeoutMs);
      } catch (err) {
        if (!(err instanceof AttemptFailure)) throw err;
        failure = err;
      }
      // A refused key may have been rotated in its mounted file: tried once more with the
      // file's key, which is not one of the connection's retries.
      if (
        !renewed &&
        (failure.status === 401 || failure.status === 403) &&
        timeLeft(budget) >= MIN_ATTEMPT_MS &&
        (await this.renewCredential(route, credential, options.requestId))
      ) {
        renewed = true;
        credential = route.connection.credential;
        headers = { ...headers, ...route.adapter.authHeaders(credential) };
        attempt--;
        continue;
      }
      if (!failure.retryable || attempt >= retries.attempts) throw failure;
      const wait = this.backoff(route, attempt, failure.retryAfterMs);
      if (wait === undefined) throw failure;
      // A retry that could not get a useful attempt in before the deadline is not started.
      if (wait + MIN_ATTEMPT_MS > timeLeft(budget)) throw failure;
      this.logger?.warn(
        {
          requestId: options.requestId,
          connection: route.connection.name,
          status: failure.status,
          attempt: attempt + 1,
          waitMs: wait,
        },
        'upstream retry',
      );
      try {
        await delay(wait, undefined, { signal: options.signal });
      } catch {
        throw cancelled(options.signal);
      }
    }
  }

  /**
   * Reads the connection's credential file again (at most once a second, one reading at a
   * time) and says whether it now holds another key than `sent`.
   */
  private async renewCredential(
    route: Route,
    sent: Secret | undefined,
    requestId: string,
  ): Promise<boolean> {
    const path = route.connection.credentialFile;
    if (!path) return false;
    if (!route.credentialRead && performance.now() - route.credentialReadAt >= 1_000) {
      route.credentialReadAt = performance.now();
      route.credentialRead = this.readCredentialFile(route, path, requestId).finally(
        () => (route.credentialRead = undefined),
      );
    }
    await route.credentialRead;
    return route.connection.credential?.reveal() !== sent?.reveal();
  }

  private async readCredentialFile(route: Route, path: string, requestId: string): Promise<void> {
    const { name } = route.connection;
    let credential: Secret;
    try {
      credential = credentialFrom(name, await readFile(path, 'utf8'), `file ${path}`);
    } catch (err) {
      // The key in use stays: a file caught mid-rotation must not take the connection down.
      const reason =
        err instanceof ConnectionsError
          ? err.message
          : `file ${path} could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
      this.logger?.warn(
        { requestId, connection: name, reason },
        'upstream credential file not read again',
      );
      return;
    }
    if (credential.reveal() === route.connection.credential?.reveal()) return;
    route.connection = { ...route.connection, credential };
    route.target = prepareTarget(route.adapter, route.connection);
    this.logger?.warn(
      { requestId, connection: name },
      'upstream credential read again from its file',
    );
  }

  private async attempt(
    route: Route,
    { path, body }: ProviderRequest,
    sent: { headers: Record<string, string>; credential: Secret | undefined },
    { expect, responseLimit }: PreparedCall,
    callerSignal: AbortSignal | undefined,
    timeoutMs: number,
  ): Promise<{ response: EmbeddingsResponse; vectors: Float32Array[] }> {
    const { connection } = route;
    if (callerSignal?.aborted) throw cancelled(callerSignal);
    // The connection's timeout, or what is left of the request's deadline when that is less.
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, deadline]) : deadline;
    let status: number;
    let responseHeaders: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const { headers } = sent;
      const res = await route.pool.request({ method: 'POST', path, headers, body, signal });
      status = res.statusCode;
      responseHeaders = res.headers;
      text =
        status >= 200 && status < 300
          ? await readAtMost(res.body, responseLimit)
          : await readAtMost(res.body, ERROR_BODY_LIMIT, 'cut');
    } catch (err) {
      if (callerSignal?.aborted) throw cancelled(callerSignal);
      if (err instanceof ResponseTooLarge)
        // Not retried: a server that sends too much will do so again.
        throw new AttemptFailure(
          `Upstream '${connection.name}' sent more than ${err.limit} bytes for ${expect.count} embedding(s); the answer was dropped.`,
          {
            code: 'upstream_error',
            publicMessage:
              "The upstream model's answer was larger than a well-formed one could be; it was dropped",
            retryable: false,
            failover: true,
          },
        );
      throw this.transportFailure(connection, err, deadline.aborted, timeoutMs);
    }

    if (status < 200 || status >= 300)
      // The key this attempt sent, which a rotation may since have replaced, is the one an
      // upstream may echo.
      throw this.statusFailure(
        { ...connection, credential: sent.credential },
        status,
        responseHeaders,
        text,
      );

    try {
      const json: unknown = JSON.parse(text);
      return toOpenAiResponse(route.adapter.parseResponse(json, responseHeaders), expect);
    } catch (err) {
      const reason =
        err instanceof MalformedUpstreamResponse ? err.message : 'the body is not JSON';
      // Not retried: a server that answers 200 with the wrong shape will do so again.
      throw new AttemptFailure(
        `Upstream '${connection.name}' returned a malformed response: ${reason}.`,
        {
          code: 'upstream_error',
          publicMessage: 'The upstream model returned a malformed answer',
          retryable: false,
          failover: true,
        },
      );
    }
  }

  private transportFailure(
    connection: Connection,
    err: unknown,
    deadlinePassed: boolean,
    timeoutMs: number,
  ): AttemptFailure {
    const code = (err as { code?: unknown }).code;
    const timedOut =
      deadlinePassed ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT' ||
      code === 'UND_ERR_CONNECT_TIMEOUT';
    if (timedOut) {
      return new AttemptFailure(
        `Upstream '${connection.name}' did not answer within ${timeoutMs} ms.`,
        {
          code: 'upstream_timeout',
          publicMessage: 'The upstream model did not answer in time',
          retryable: true,
          failover: true,
        },
      );
    }
    const reason =
      typeof code === 'string' && /^[A-Z_]{3,40}$/.test(code) ? code : 'connection error';
    return new AttemptFailure(`Upstream '${connection.name}' could not be reached (${reason}).`, {
      code: 'upstream_error',
      publicMessage: 'The upstream model could not be reached',
      retryable: true,
      failover: true,
    });
  }

  private statusFailure(
    connection: Connection,
    status: number,
    headers: Record<string, string | string[] | undefined>,
    text: string,
  ): AttemptFailure {
    const excerpt = safeExcerpt(text, connection);
    const reason = `Upstream '${connection.name}' answered ${status}${excerpt ? `: ${excerpt}` : '.'}`;
    if (CALLER_FAULT_STATUSES.has(status)) {
      // The caller's to fix (e.g. an input too long), but the model's own words stay in the
      // log: they can name deployments, internal hosts and the provider behind the gateway.
      return new AttemptFailure(reason, {
        code: 'invalid_request',
        publicMessage:
          status === 413 ? 'The input is too large for the model' : 'The model rejected the input',
        retryable: false,
        failover: false,
        status,
      });
    }
    const retryable = status === 408 || status === 429 || status >= 500;
    const retryAfterMs = retryable ? parseRetryAfter(headers) : undefined;
    if (status === 429) {
      // 503, not 429: the caller is within its own limits (those are 429 rate_limited); the
      // model is busy. OpenAI's SDKs retry both, honouring Retry-After up to 60 s.
      const seconds = boundedRetryAfter(retryAfterMs ?? connection.retries.maxDelayMs);
      return new AttemptFailure(reason, {
        code: 'upstream_rate_limited',
        publicMessage: `The model is receiving more requests than it can serve; retry after ${seconds} s`,
        retryable,
        failover: true,
        retryAfterMs,
        retryAfterSeconds: seconds,
        status,
      });
    }
    return new AttemptFailure(reason, {
      code: 'upstream_error',
      publicMessage: 'The upstream model failed to answer',
      retryable,
      failover: true,
      retryAfterMs,
      retryAfterSeconds: retryAfterMs === undefined ? undefined : boundedRetryAfter(retryAfterMs),
      status,
    });
  }

  /**
   * Exponential backoff with jitter; a Retry-After within maxDelayMs is honoured as given,
   * a longer one ends the retries (waiting less would only earn another 429).
   */
  private backoff(
    route: Route,
    attempt: number,
    retryAfterMs: number | undefined,
  ): number | undefined {
    const { baseDelayMs, maxDelayMs } = route.connection.retries;
    if (retryAfterMs !== undefined) return retryAfterMs <= maxDelayMs ? retryAfterMs : undefined;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }
}

/** What one request has spent upstream: attempts made, and when its deadline passes. */
interface Budget {
  attempts: number;
  /** performance.now() at the deadline. */
  deadlineAt: number;
}

function timeLeft(budget: Budget): number {
  return budget.deadlineAt - performance.now();
}

/** One connection's provider call, built once and reused across its retries. */
interface PreparedCall {
  call: ProviderRequest;
  /** The credential in `call`'s headers. */
  credential: Secret | undefined;
  expect: Expectation;
  /** The most a well-formed answer can take, in bytes. */
  responseLimit: number;
}

/** Throws invalid_request when this connection cannot serve the request as asked. */
function prepareCall(
  route: Route,
  publicModel: string,
  model: ModelRoute,
  request: EmbedRequest,
  firstModel: ModelRoute,
): PreparedCall {
  const { upstream, expect } = prepareRequest(publicModel, model, request, firstModel);
  // The size vectors come back at: the caller's (checked against the model's maximum), else
  // the model's native size, else its configured maximum; unknown, the widest plausible.
  const dimensions = expect.dimensions ?? model.maxDimensions;
  return {
    call: route.adapter.buildRequest(upstream, route.target, model),
    credential: route.connection.credential,
    expect,
    responseLimit: responseLimit({ count: expect.count, dimensions }),
  };
}

function prepareRequest(
  publicModel: string,
  model: ModelRoute,
  request: EmbedRequest,
  firstModel: ModelRoute,
): { upstream: EmbeddingsRequest; expect: Expectation } {
  const dimensions = upstreamDimensions(publicModel, model, request.dimensions);
  return {
    upstream: { model: model.upstreamModel, input: request.input, dimensions, user: request.user },
    expect: {
      count: inputCount(request.input),
      // A fallback whose size is not configured must still answer at the first route's size
      // (start-up refuses one configured at another), so callers never get mixed widths.
      dimensions: request.dimensions ?? model.dimensions ?? firstModel.dimensions,
      maxDimensions: model.maxDimensions,
      encoding: request.encoding_format ?? 'float',
      model: publicModel,
    },
  };
}

/** The `dimensions` to ask the upstream for, or a 400 when the model does not take them. */
function upstreamDimensions(
  publicModel: string,
  model: ModelRoute,
  dimensions: number | undefined,
): number | undefined {
  if (dimensions === undefined) return undefined;
  if (!model.supportsDimensions) {
    if (dimensions !== model.dimensions)
      throw new EmbargoError(
        'invalid_request',
        `The model '${publicModel}' does not support the dimensions parameter.`,
        { param: 'dimensions' },
      );
    return undefined; // the native size: nothing to ask the upstream for
  }
  // A model shortens its vectors; it never lengthens them past its native size.
  const limit = model.maxDimensions ?? model.dimensions;
  if (limit !== undefined && dimensions > limit)
    throw new EmbargoError(
      'invalid_request',
      `dimensions must be at most ${limit} for '${publicModel}'.`,
      { param: 'dimensions' },
    );
  return dimensions;
}

/** Whole seconds, at least 1 and at most MAX_RETRY_AFTER_SECONDS. */
function boundedRetryAfter(ms: number): number {
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil(ms / 1000)));
}

function modelNotFound(publicModel: string): EmbargoError {
  return new EmbargoError(
    'model_not_found',
    `The model '${publicModel}' does not exist or you do not have access to it.`,
    {
      param: 'model',
    },
  );
}

function cancelled(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error
    ? reason
    : new DOMException('The operation was aborted.', 'AbortError');
}

/** Retry-After in ms from `retry-after-ms` (OpenAI, Azure) or `retry-after` (seconds or HTTP date). */
export function parseRetryAfter(
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
): number | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const ms = Number(first(headers['retry-after-ms']));
  if (first(headers['retry-after-ms']) !== undefined && Number.isFinite(ms) && ms >= 0)
    return Math.ceil(ms);
  const value = first(headers['retry-after'])?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The most any answer may take, whatever the batch: about half of V8's longest string
 * (512 MiB less a little on 64-bit), since the body is read into one. 2,048 inputs at an unknown size
 * came to 806 MB, which could not be turned into a string and failed as if the upstream
 * could not be reached, retried. 256 MiB still holds 2,048 vectors of 4,096 floats as JSON.
 */
export const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/**
 * The most a well-formed answer can take: every vector at the requested (or the widest
 * plausible) size, as float JSON at about 24 bytes a value, plus 1 MiB for the rest, and
 * never more than MAX_RESPONSE_BYTES. A broken upstream that streams without end is cut off
 * there, not buffered until memory runs out.
 */
export function responseLimit(expect: Pick<Expectation, 'count' | 'dimensions'>): number {
  const wellFormed = expect.count * (expect.dimensions ?? MAX_DIMENSIONS) * 24 + 1024 * 1024;
  return Math.min(wellFormed, MAX_RESPONSE_BYTES);
}

/**
 * What is read of an error body: the provider's message is at its start, and the excerpt
 * keeps 160 characters of it. The rest is not read (the connection is closed instead), so a
 * failing upstream cannot make every retry buffer megabytes.
 */
const ERROR_BODY_LIMIT = 64 * 1024;

class ResponseTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`response body over ${limit} bytes`);
  }
}

/**
 * A body read up to `limit` bytes; past it the body is destroyed (the connection is not
 * reused) and, as `past` says, its first `limit` bytes are kept or ResponseTooLarge thrown.
 */
async function readAtMost(
  body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown },
  limit: number,
  past: 'throw' | 'cut' = 'throw',
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      if (past === 'throw') throw new ResponseTooLarge(limit);
      break;
    }
  }
  try {
    return Buffer.concat(chunks, size).subarray(0, limit).toString('utf8');
  } catch {
    // Past V8's longest string: too large, not an unreachable upstream (and not retried).
    throw new ResponseTooLarge(limit);
  }
}

const ALL_TYPES_REPLACED = { entities: {}, defaultRule: { strategy: 'replace' } } as const;
const KEY_LIKE = [/\b(?:sk|pk|rk)-[\w*.-]+/gi, /\bbearer\s+\S+/gi, /[A-Za-z0-9_\-*+/=]{32,}/g];
const LABELLED_SECRET = /\b(api[-_ ]?key|token|secret|password)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi;

/**
 * A short, single-line excerpt of an upstream error body: the provider's own message when
 * it has one, with the connection's credential and anything key-like removed. Upstream
 * bodies may quote the key they were sent (OpenAI does, partly masked).
 */
export function safeExcerpt(text: string, connection: Pick<Connection, 'credential'>): string {
  const secret = connection.credential?.reveal();
  const redact = (t: string) => (secret ? t.split(secret).join('[redacted]') : t);
  let message = redact(text);
  try {
    const json = JSON.parse(message) as Record<string, unknown> | null;
    const err = json?.error;
    const candidate =
      (typeof err === 'object' && err !== null ? (err as Record<string, unknown>).message : err) ??
      json?.message ??
      json?.detail;
    // Again after decoding: an escaped echo ("\u0026", "\/") hides the secret from the first pass.
    if (typeof candidate === 'string') message = redact(candidate);
  } catch {
    // not JSON: use the text itself
  }
  message = message.slice(0, 4 * EXCERPT_LENGTH).replace(LABELLED_SECRET, '$1$2[redacted]');
  for (const pattern of KEY_LIKE) message = message.replace(pattern, '[redacted]');
  // A provider may quote the input it refused ("Invalid input: 'card 4111…'"): what the
  // engine finds in the excerpt is replaced by its type, as it would be in an event.
  message = mask(message.replace(/\s+/g, ' ').trim(), ALL_TYPES_REPLACED).text;
  return message.length > EXCERPT_LENGTH ? `${message.slice(0, EXCERPT_LENGTH)}…` : message;
}
